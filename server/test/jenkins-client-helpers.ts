/**
 * Shared set-up of the Jenkins client suites: an emulator over real HTTP, a client pointed at it
 * with test-sized backoff, polling without long sleeps, and a tiny forward proxy.
 */
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createJenkinsSim, type JenkinsSim, type RequestLogEntry, type SimOptions } from '../../tools/jenkins-sim/index.js';
import { loadDemoFixture } from '../../tools/jenkins-sim/fixture.js';
import { JenkinsClient, type CallRecord, type ClientOptions, type JenkinsConnection } from '../src/modules/jenkins/client/index.js';

export async function startSim(opts: SimOptions & { demo?: boolean } = {}): Promise<JenkinsSim> {
  const { demo = true, ...simOpts } = opts;
  const sim = await createJenkinsSim({ quietPeriodMs: 0, timeScale: 0.01, ...simOpts });
  if (demo) loadDemoFixture(sim);
  return sim;
}

export interface TestClient {
  client: JenkinsClient;
  calls: CallRecord[];
}

/** A client for the emulator's admin (API token) with 1 ms backoff; `conn`/`opts` override. */
export function clientFor(sim: JenkinsSim | string, conn: Partial<JenkinsConnection> = {}, opts: ClientOptions = {}): TestClient {
  const calls: CallRecord[] = [];
  const client = new JenkinsClient(
    { name: 'test', url: typeof sim === 'string' ? sim : sim.url, username: 'admin', token: 'admin-token', timeoutMs: 5000, ...conn },
    { backoffMs: 1, onCall: (c) => calls.push(c), ...opts },
  );
  return { client, calls };
}

/** Requests the emulator received whose path matches. */
export const received = (sim: JenkinsSim, path: RegExp, method?: string): RequestLogEntry[] =>
  sim.requests.filter((r) => path.test(r.path) && (!method || r.method === method));

/** Polls `fn` until it returns something truthy (every 10 ms, at most `tries` times). */
export async function until<T>(fn: () => Promise<T | null | undefined | false> | T | null | undefined | false, tries = 1000): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const v = await fn();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('condition not reached');
}

/** A port nothing listens on. */
export async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export interface ForwardProxy {
  url: string;
  /** "METHOD absolute-URI" of every request the proxy forwarded. */
  seen: string[];
  close(): Promise<void>;
}

/**
 * An HTTP forward proxy in the absolute-URI form (GET http://host:port/path HTTP/1.1). With
 * `auth` it demands that Proxy-Authorization and does not pass it on.
 */
export async function startForwardProxy(auth?: { user: string; password: string }): Promise<ForwardProxy> {
  const seen: string[] = [];
  const expected = auth ? `Basic ${Buffer.from(`${auth.user}:${auth.password}`).toString('base64')}` : null;
  const server: Server = createServer((req, res) => {
    if (!/^http:\/\//.test(req.url ?? '')) return void res.writeHead(400).end('absolute URI required');
    if (expected && req.headers['proxy-authorization'] !== expected) return void res.writeHead(407).end();
    seen.push(`${req.method} ${req.url}`);
    const target = new URL(req.url!);
    const headers = { ...req.headers };
    delete headers['proxy-authorization'];
    delete headers['proxy-connection'];
    const up = httpRequest(
      { host: target.hostname, port: target.port, path: target.pathname + target.search, method: req.method, headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    up.on('error', () => res.writeHead(502).end());
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const creds = auth ? `${auth.user}:${auth.password}@` : '';
  return {
    url: `http://${creds}127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks);
}
