import { api, unwrap } from '@/api/client';
import type { BodyFor, ItemsOf, ResponseOf } from '@/api/types';
import type { paths } from '@/api/schema';

/**
 * Every call of the automation screens, through the one typed client. Types come from the
 * generated schema, so a change of the server's shapes shows up here at typecheck.
 */

export type Language = 'bash' | 'sh' | 'python3';
export const LANGUAGES: Language[] = ['bash', 'sh', 'python3'];

export type ScriptItem = ItemsOf<'/api/scripts'>;
export type ScriptDetail = ResponseOf<'/api/scripts/{id}', 'get'>;
export type ScriptVersionItem = ItemsOf<'/api/scripts/{id}/versions'>;
export type ScriptQuery = paths['/api/scripts']['get']['parameters']['query'];
export type ScriptCreate = BodyFor<'/api/scripts', 'post'>;
export type ScriptPatch = BodyFor<'/api/scripts/{id}', 'put'>;

export type TargetItem = ItemsOf<'/api/targets'>;
export type TargetQuery = paths['/api/targets']['get']['parameters']['query'];
export type TargetCreate = BodyFor<'/api/targets', 'post'>;
export type TargetPatch = BodyFor<'/api/targets/{id}', 'put'>;
export type CheckResult = ResponseOf<'/api/targets/{id}/check', 'post'>;
export type PublicKey = ResponseOf<'/api/ssh/public-key', 'get'>;

export type JumpHostItem = ItemsOf<'/api/jump-hosts'>;
export type JumpHostCreate = BodyFor<'/api/jump-hosts', 'post'>;
export type JumpHostPatch = BodyFor<'/api/jump-hosts/{id}', 'put'>;

export type TaskItem = ItemsOf<'/api/tasks'>;
export type TaskQuery = paths['/api/tasks']['get']['parameters']['query'];
export type TaskCreate = BodyFor<'/api/tasks', 'post'>;
export type TaskPatch = BodyFor<'/api/tasks/{id}', 'put'>;

export type RunSummary = ItemsOf<'/api/tasks/{id}/runs'>;
export type RunDetail = ResponseOf<'/api/runs/{runId}', 'get'>;
export type RunTargetResult = RunDetail['targets'][number];

const id = (n: number) => ({ params: { path: { id: n } } });
const run = (n: number) => ({ params: { path: { runId: n } } });

export const automationApi = {
  publicKey: () => unwrap(api.GET('/api/ssh/public-key')),

  scripts: (query: ScriptQuery) => unwrap(api.GET('/api/scripts', { params: { query } })),
  script: (n: number) => unwrap(api.GET('/api/scripts/{id}', id(n))),
  createScript: (body: ScriptCreate) => unwrap(api.POST('/api/scripts', { body })),
  updateScript: (n: number, body: ScriptPatch) => unwrap(api.PUT('/api/scripts/{id}', { ...id(n), body })),
  deleteScript: (n: number) => unwrap(api.DELETE('/api/scripts/{id}', id(n))),
  versions: (n: number) => unwrap(api.GET('/api/scripts/{id}/versions', id(n))),
  version: (n: number, version: number) =>
    unwrap(api.GET('/api/scripts/{id}/versions/{version}', { params: { path: { id: n, version } } })),
  scriptRuns: (n: number, page: number, pageSize: number) =>
    unwrap(api.GET('/api/scripts/{id}/runs', { params: { path: { id: n }, query: { page, pageSize } } })),

  targets: (query: TargetQuery) => unwrap(api.GET('/api/targets', { params: { query } })),
  target: (n: number) => unwrap(api.GET('/api/targets/{id}', id(n))),
  createTarget: (body: TargetCreate) => unwrap(api.POST('/api/targets', { body })),
  updateTarget: (n: number, body: TargetPatch) => unwrap(api.PUT('/api/targets/{id}', { ...id(n), body })),
  deleteTarget: (n: number) => unwrap(api.DELETE('/api/targets/{id}', id(n))),
  checkTarget: (n: number) => unwrap(api.POST('/api/targets/{id}/check', id(n))),
  acceptTargetKey: (n: number) => unwrap(api.POST('/api/targets/{id}/accept-host-key', id(n))),

  jumpHosts: (query: { page: number; pageSize: number; q?: string; project?: string }) =>
    unwrap(api.GET('/api/jump-hosts', { params: { query } })),
  jumpHost: (n: number) => unwrap(api.GET('/api/jump-hosts/{id}', id(n))),
  createJumpHost: (body: JumpHostCreate) => unwrap(api.POST('/api/jump-hosts', { body })),
  updateJumpHost: (n: number, body: JumpHostPatch) => unwrap(api.PUT('/api/jump-hosts/{id}', { ...id(n), body })),
  deleteJumpHost: (n: number) => unwrap(api.DELETE('/api/jump-hosts/{id}', id(n))),
  acceptJumpHostKey: (n: number) => unwrap(api.POST('/api/jump-hosts/{id}/accept-host-key', id(n))),

  tasks: (query: TaskQuery) => unwrap(api.GET('/api/tasks', { params: { query } })),
  task: (n: number) => unwrap(api.GET('/api/tasks/{id}', id(n))),
  createTask: (body: TaskCreate) => unwrap(api.POST('/api/tasks', { body })),
  updateTask: (n: number, body: TaskPatch) => unwrap(api.PUT('/api/tasks/{id}', { ...id(n), body })),
  deleteTask: (n: number) => unwrap(api.DELETE('/api/tasks/{id}', id(n))),
  setTaskEnabled: (n: number, on: boolean) =>
    on ? unwrap(api.POST('/api/tasks/{id}/enable', id(n))) : unwrap(api.POST('/api/tasks/{id}/disable', id(n))),
  runTask: (n: number) => unwrap(api.POST('/api/tasks/{id}/run', id(n))),
  taskRuns: (n: number, page: number, pageSize: number) =>
    unwrap(api.GET('/api/tasks/{id}/runs', { params: { path: { id: n }, query: { page, pageSize } } })),

  run: (n: number) => unwrap(api.GET('/api/runs/{runId}', run(n))),
  cancelRun: (n: number) => unwrap(api.POST('/api/runs/{runId}/cancel', run(n))),
  rerunFailed: (n: number) => unwrap(api.POST('/api/runs/{runId}/rerun-failed', run(n))),
};

/** A date input ("2026-12-02") as the start or the end of that day in the browser's time zone, ISO-8601. */
export function dayBound(day: string | null | undefined, end: boolean): string | undefined {
  if (!day) return undefined;
  const d = new Date(`${day}T${end ? '23:59:59.999' : '00:00:00'}`);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/** Drop empty strings and nulls so a query carries only the filters that are set. */
export function compact<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== '' && v !== null && v !== undefined)) as T;
}
