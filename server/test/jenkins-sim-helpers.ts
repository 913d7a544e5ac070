/**
 * Shared helpers for the Jenkins emulator contract tests (jenkins-sim-*.test.ts): start an
 * emulator in-process on port 0 and talk real HTTP to it with fetch, never following redirects.
 */
import { createJenkinsSim, type JenkinsSim, type SimOptions } from '../../tools/jenkins-sim/index.js';

export type { JenkinsSim };

/** Defaults that make tests fast and deterministic: no quiet period, simulated time 1000× faster. */
export async function startSim(opts: SimOptions = {}): Promise<JenkinsSim> {
  return createJenkinsSim({ port: 0, quietPeriodMs: 0, timeScale: 0.001, startGapMs: 0, ...opts });
}

export const basic = (user: string, secret: string): string => `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`;
export const ADMIN_TOKEN = basic('admin', 'admin-token');
export const ADMIN_PASSWORD = basic('admin', 'admin');

export interface CallOptions {
  method?: string;
  auth?: string | null;
  headers?: Record<string, string>;
  /** An object is sent as application/x-www-form-urlencoded. */
  form?: Record<string, string>;
  body?: string;
}

/** One request against the emulator; `auth` defaults to the admin API token (null = anonymous). */
export async function call(sim: JenkinsSim, path: string, opts: CallOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  const auth = opts.auth === undefined ? ADMIN_TOKEN : opts.auth;
  if (auth) headers.Authorization = auth;
  let body: string | undefined = opts.body;
  if (opts.form) {
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(opts.form).toString();
  }
  return fetch(`${sim.url}${path}`, { method: opts.method ?? (body !== undefined ? 'POST' : 'GET'), headers, body, redirect: 'manual' });
}

export const post = (sim: JenkinsSim, path: string, opts: CallOptions = {}): Promise<Response> =>
  call(sim, path, { method: 'POST', ...opts });

export async function getJson<T = any>(sim: JenkinsSim, path: string, opts: CallOptions = {}): Promise<T> {
  const res = await call(sim, path, opts);
  if (res.status !== 200) throw new Error(`GET ${path} → ${res.status}: ${(await res.text()).slice(0, 300)}`);
  return (await res.json()) as T;
}

/** Polls `probe` until it returns a non-undefined value; fails after `timeoutMs`. */
export async function until<T>(probe: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** The queue item id from a trigger's Location header (…/queue/item/N/). */
export function queueIdFrom(res: Response): number {
  const m = /\/queue\/item\/([0-9]+)\/$/.exec(res.headers.get('location') ?? '');
  if (!m) throw new Error(`no queue item in Location: ${res.headers.get('location')}`);
  return Number(m[1]);
}

/** A crumb and the session cookie it is bound to, fetched with the given credentials. */
export async function crumbFor(sim: JenkinsSim, auth: string | null): Promise<{ crumb: string; cookie: string }> {
  const res = await call(sim, '/crumbIssuer/api/json', { auth });
  const setCookie = res.headers.getSetCookie()[0] ?? '';
  const body = (await res.json()) as { crumb: string };
  return { crumb: body.crumb, cookie: setCookie.split(';')[0] };
}

/** Parameter definitions of the §5 example. */
export const ITEM_PARAMS = [
  { type: 'string' as const, name: 'TARGET', description: 'Environment', default: 'staging' },
  { type: 'choice' as const, name: 'REGION', description: '', choices: ['eu-west-1', 'us-east-1'] },
  { type: 'boolean' as const, name: 'DRY_RUN', description: null, default: false },
  { type: 'text' as const, name: 'NOTES', description: '', default: '' },
  { type: 'password' as const, name: 'API_KEY', description: '', default: 'secret' },
];

/** The item tree of the items/jobs suites: names with spaces and unicode, folders, multibranch, an organization folder. */
export function loadItemTree(s: JenkinsSim): void {
  s.createJob('nightly backup', { kind: 'freestyle' });
  s.createJob('déploiement');
  s.createFolder('platform');
  s.createJob('platform/deploy-api', { params: ITEM_PARAMS, concurrentBuild: false });
  s.createMultibranch('storefront');
  s.addBranch('storefront', 'main');
  s.addBranch('storefront', 'feature/login');
  s.createOrganizationFolder('acme-org');
  s.createMultibranch('acme-org/shop');
  s.addBranch('acme-org/shop', 'main');
  s.createJob('legacy', { kind: 'freestyle', disabled: true });
  for (const result of ['SUCCESS', 'FAILURE', 'SUCCESS'] as const) s.addHistory('platform/deploy-api', { result });
  s.addHistory(['storefront', 'feature/login'], {
    result: 'FAILURE',
    artifacts: [{ path: 'build/reports/report.html', content: '<p/>' }],
  });
}

export const HOLD = [{ hold: 'end' }];
export const QUEUE_PARAMS = [
  { type: 'string' as const, name: 'TARGET', default: 'staging' },
  { type: 'choice' as const, name: 'REGION', choices: ['eu-west-1', 'us-east-1'] },
  { type: 'boolean' as const, name: 'DRY_RUN', default: false },
  { type: 'password' as const, name: 'API_KEY', default: 'secret' },
];

/** Jobs of the trigger/queue suites; their runs wait at a `hold: 'end'` step. */
export function loadQueueJobs(s: JenkinsSim): void {
  s.addUser('viewer', { tokens: ['viewer-token'], permissions: ['Overall/Read', 'Item/Read'] });
  s.createJob('plain', { script: HOLD });
  s.createJob('deploy', { params: QUEUE_PARAMS, script: HOLD });
  s.createJob('serial', { concurrentBuild: false, script: HOLD });
  s.createJob('remote', { authToken: 's3cret', script: HOLD });
  s.createJob('legacy', { kind: 'freestyle', disabled: true });
}

/** Lets every queued item run and every held run of the job finish. */
export async function drain(sim: JenkinsSim, job: string): Promise<void> {
  sim.pauseQueue(false);
  sim.endQuietPeriod();
  const settled = () => [...sim.sim.queue.items.values()].every((i) => i.state === 'left' && (i.cancelled || i.build));
  await until(() => (settled() ? true : undefined), 'every queue item to leave and start');
  for (const b of sim.job(job).builds) {
    sim.release(job, b.number, 'end');
    await sim.waitForBuild(job, b.number);
  }
}

export const queueItem = (sim: JenkinsSim, id: number) => getJson(sim, `/queue/item/${id}/api/json`);
