/**
 * The HTTP front (reference §1, §8.1): routes /bot<token>/<method> (method case-insensitive),
 * token checks, fault injection, the call log, and the JSON envelope with HTTP status =
 * error_code (+ Retry-After on 429). /__control/… goes to the test-control surface.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, E } from './errors.js';
import { parseParams, type Params } from './params.js';
import { NO_REPLY, type CallIo, type Method, type Sim } from './state.js';
import * as bot from './methods-bot.js';
import * as msg from './methods-messages.js';
import type { CallRecord } from './types.js';

const METHODS: Record<string, [string, Method]> = Object.fromEntries(
  Object.entries({ ...bot, ...msg })
    .filter(([name]) => name !== 'commandsKey')
    .map(([name, fn]) => [name.toLowerCase(), [name, fn as Method]]),
);

/** Status recorded for a parked getUpdates whose client disconnected (nginx's "client closed request"). */
export const CLIENT_GONE = 499;

export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

const readBody = (req: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });

function errorReply(e: ApiError): Reply {
  const body: Record<string, unknown> = { ok: false, error_code: e.code, description: e.description };
  if (e.parameters) body.parameters = e.parameters;
  const headers: Record<string, string> = e.parameters?.retry_after ? { 'Retry-After': String(e.parameters.retry_after) } : {};
  return { status: e.code, headers, body };
}

export function write(res: ServerResponse, reply: Reply): void {
  const text = JSON.stringify(reply.body);
  res.writeHead(reply.status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...reply.headers });
  res.end(text);
}

const checkToken = (sim: Sim, token: string) => {
  if (!token.includes(':') || token.startsWith('0') || token.length > 80) throw E.invalidToken();
  if (token !== sim.token) throw E.unauthorized();
};

/**
 * One Bot API call: fault, method, envelope. Used by HTTP and by webhook replies. Resolves to null
 * when a parked getUpdates lost its client (nothing to write).
 */
export async function invoke(sim: Sim, token: string, rawMethod: string, params: Params, io: CallIo): Promise<Reply | null> {
  const entry = METHODS[rawMethod.toLowerCase()];
  const call: CallRecord = { method: entry?.[0] ?? rawMethod, payload: params.payload, at: Date.now(), status: null };
  sim.calls.push(call);
  try {
    checkToken(sim, token);
    if (!entry) throw E.methodNotFound();
    const fault = sim.faults.take(rawMethod.toLowerCase());
    if (fault instanceof ApiError) throw fault;
    if (fault) await new Promise((r) => setTimeout(r, fault.delayMs));
    const answer = await entry[1](sim, params, io);
    if (answer === NO_REPLY) {
      call.status = CLIENT_GONE;
      return null;
    }
    call.status = 200;
    const body: Record<string, unknown> = { ok: true, result: answer.result };
    if (answer.description) body.description = answer.description;
    return { status: 200, headers: {}, body };
  } catch (e) {
    const err = e instanceof ApiError ? e : E.internal((e as Error).message);
    call.status = err.code;
    return errorReply(err);
  }
}

export type ControlHandler = (path: string, url: URL, body: Buffer) => Promise<Reply>;

export async function handle(sim: Sim, control: ControlHandler, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readBody(req);
  const url = new URL(req.url ?? '/', 'http://sim.invalid');
  if (url.pathname.startsWith('/__control/')) return write(res, await control(url.pathname.slice('/__control/'.length), url, body));
  const m = /^\/bot([^/]*)\/(.*)$/.exec(url.pathname);
  if (!m) return write(res, errorReply(E.notFound()));
  const closers: (() => void)[] = [];
  res.on('close', () => {
    if (!res.writableEnded) closers.forEach((c) => c());
  });
  const params = parseParams(url.searchParams, req.headers['content-type'], body);
  const reply = await invoke(sim, decodeURIComponent(m[1]), decodeURIComponent(m[2]), params, { onClose: (cb) => closers.push(cb) });
  if (reply && !res.destroyed) write(res, reply);
}
