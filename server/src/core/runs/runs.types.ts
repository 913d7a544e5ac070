/** Rows and shapes of runs, their targets and their ordered log (DESIGN.md "Runs, logs and live updates"). */
export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'interrupted';
export type TargetStatus =
  | 'queued'
  | 'running'
  | 'succeeded'
  | 'failed'
  | 'cancelled'
  | 'timeout'
  | 'unreachable'
  | 'auth-failed'
  | 'host-key-changed'
  | 'interrupted';
export type LogStream = 'stdout' | 'stderr' | 'system';

export const FINISHED_RUN: RunStatus[] = ['succeeded', 'failed', 'cancelled', 'interrupted'];

export interface RunRow {
  id: number;
  kind: string;
  subject_type: string;
  subject_id: string;
  project: string | null;
  trigger: string;
  started_by: number | null;
  started_by_name: string | null;
  status: RunStatus;
  details: string | null;
  error: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

export interface RunTargetRow {
  id: number;
  run_id: number;
  target_key: string;
  name: string;
  status: TargetStatus;
  exit_code: number | null;
  error: string | null;
  output_bytes: number;
  truncated: number;
  started_at: string | null;
  finished_at: string | null;
}

export interface LogChunkRow {
  id: number;
  run_id: number;
  target_id: number;
  stream: LogStream;
  text: string;
  created_at: string;
}

export interface RunsTables {
  runs_runs: RunRow;
  runs_targets: RunTargetRow;
  runs_log_chunks: LogChunkRow;
}

export interface RunTarget {
  id: number;
  key: string;
  name: string;
  status: TargetStatus;
  exitCode: number | null;
  error: string | null;
  truncated: boolean;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
}

export interface Run {
  id: number;
  kind: string;
  subject: { type: string; id: string };
  project: string | null;
  trigger: string;
  startedBy: { id: number | null; name: string | null };
  status: RunStatus;
  details: Record<string, unknown> | null;
  error: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  targets: RunTarget[];
}

export interface LogChunk {
  id: number;
  targetId: number;
  stream: LogStream;
  text: string;
}

const span = (a: string | null, b: string | null) => (a && b ? Date.parse(b) - Date.parse(a) : null);

export function toRunTarget(t: RunTargetRow): RunTarget {
  return {
    id: t.id,
    key: t.target_key,
    name: t.name,
    status: t.status,
    exitCode: t.exit_code,
    error: t.error,
    truncated: t.truncated === 1,
    startedAt: t.started_at,
    finishedAt: t.finished_at,
    durationMs: span(t.started_at, t.finished_at),
  };
}

export function toRun(r: RunRow, targets: RunTargetRow[]): Run {
  return {
    id: r.id,
    kind: r.kind,
    subject: { type: r.subject_type, id: r.subject_id },
    project: r.project,
    trigger: r.trigger,
    startedBy: { id: r.started_by, name: r.started_by_name },
    status: r.status,
    details: r.details ? (JSON.parse(r.details) as Record<string, unknown>) : null,
    error: r.error,
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    durationMs: span(r.started_at, r.finished_at),
    targets: targets.map(toRunTarget),
  };
}
