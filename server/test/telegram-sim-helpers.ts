/**
 * Shared helpers for the Telegram emulator contract tests (telegram-sim-*.test.ts): start an
 * emulator in-process on port 0 and call the Bot API over real HTTP.
 */
import { createTelegramSim, type TelegramSim, type TelegramSimOptions } from '../../tools/telegram-sim/index.js';

export type { TelegramSim };

export const TOKEN = '123456:TEST-TOKEN';
export const ALICE = { id: 1001, username: 'alice', first_name: 'Alice' };
export const BOB = { id: 1002, username: 'bob', first_name: 'Bob' };

export const startSim = (opts: TelegramSimOptions = {}): Promise<TelegramSim> =>
  createTelegramSim({ port: 0, firstUpdateId: 5000, ...opts });

export interface ApiResponse {
  status: number;
  headers: Headers;
  // Bot API envelopes are loosely typed on purpose: tests assert exact fields.
  body: any;
}

/** POST /bot<token>/<method> with a JSON body (the way grammY calls). */
export async function api(
  sim: TelegramSim,
  method: string,
  payload: Record<string, unknown> = {},
  token = sim.token,
): Promise<ApiResponse> {
  const res = await fetch(`${sim.url}/bot${token}/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(payload),
  });
  return { status: res.status, headers: res.headers, body: await res.json() };
}

export async function raw(sim: TelegramSim, path: string, init: RequestInit = {}): Promise<ApiResponse> {
  const res = await fetch(`${sim.url}${path}`, init);
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: JSON.parse(text) };
}

/** A result, failing with the description when the call did not succeed. */
export async function ok(sim: TelegramSim, method: string, payload: Record<string, unknown> = {}): Promise<any> {
  const r = await api(sim, method, payload);
  if (r.status !== 200 || r.body.ok !== true) throw new Error(`${method} → ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.result;
}

/** Expects the exact §2 error envelope. */
export function expectError(r: ApiResponse, code: number, description: string): void {
  if (r.status !== code || r.body.ok !== false || r.body.error_code !== code || r.body.description !== description) {
    throw new Error(`expected ${code} "${description}", got ${r.status} ${JSON.stringify(r.body)}`);
  }
}
