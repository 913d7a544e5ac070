/** Rows as stored, and the shapes the service returns. */
export interface ServerRow {
  id: number;
  name: string;
  url: string;
  username: string;
  token_enc: string;
  proxy_url: string | null;
  from_config: number;
  created_at: string;
  updated_at: string;
}

export interface ProjectRow {
  id: number;
  server_id: number;
  name: string;
  /** JSON array of Jenkins item names from the root to the job. */
  path: string;
  kind: string;
  description: string | null;
  url: string;
  removed_at: string | null;
  first_seen_at: string;
  synced_at: string;
}

export interface BranchRow {
  id: number;
  project_id: number;
  name: string;
  item_name: string;
  buildable: number;
  last_number: number | null;
  last_result: string | null;
  last_building: number;
  last_at: string | null;
  last_duration_ms: number | null;
  commit_id: string | null;
  commit_message: string | null;
  commit_author: string | null;
  removed_at: string | null;
  synced_at: string;
}

export interface SyncRow {
  id: number;
  status: 'running' | 'succeeded' | 'failed';
  trigger: 'manual' | 'schedule';
  started_by: number | null;
  started_at: string;
  finished_at: string | null;
  done: number;
  total: number;
  projects: number;
  branches: number;
  changes: string | null;
  error: string | null;
}

export interface BuildRow {
  id: number;
  server_id: number;
  project: string;
  branch: string;
  queue_id: number;
  number: number | null;
  status: 'queued' | 'started' | 'cancelled' | 'unknown';
  why: string | null;
  user_id: number | null;
  username: string | null;
  parameters: string | null;
  queued_at: string;
  started_at: string | null;
}

export interface JenkinsTables {
  jenkins_servers: ServerRow;
  jenkins_projects: ProjectRow;
  jenkins_branches: BranchRow;
  jenkins_syncs: SyncRow;
  jenkins_builds: BuildRow;
  jenkins_favourites: { user_id: number; project: string; created_at: string };
  jenkins_kept_orphans: { grant_id: number; kept_by: number | null; kept_at: string };
}

/** Published after the catalogue changed (sync, server removed): every instance drops its copy. */
export const CATALOG_CHANGED = 'jenkins.catalog.changed';

/** A standalone (non-multibranch) job is a project with one branch of this name. */
export const STANDALONE_BRANCH = 'default';

export interface SyncChanges {
  added: { projects: string[]; branches: string[] };
  removed: { projects: string[]; branches: string[] };
}

export interface SyncStatus {
  id: number;
  status: SyncRow['status'];
  trigger: SyncRow['trigger'];
  startedAt: string;
  finishedAt: string | null;
  progress: { done: number; total: number };
  projects: number;
  branches: number;
  added: SyncChanges['added'];
  removed: SyncChanges['removed'];
  error: string | null;
}

const NO_CHANGES: SyncChanges = { added: { projects: [], branches: [] }, removed: { projects: [], branches: [] } };

export function toSyncStatus(r: SyncRow): SyncStatus {
  const ch = r.changes ? (JSON.parse(r.changes) as SyncChanges) : NO_CHANGES;
  return {
    id: r.id,
    status: r.status,
    trigger: r.trigger,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    progress: { done: r.done, total: r.total },
    projects: r.projects,
    branches: r.branches,
    added: ch.added,
    removed: ch.removed,
    error: r.error,
  };
}

export interface LastBuildView {
  number: number;
  result: string | null;
  building: boolean;
  at: string | null;
  durationMs: number | null;
  commit: { id: string | null; message: string; author: string | null } | null;
}

export function lastBuildOf(b: BranchRow): LastBuildView | null {
  if (b.last_number === null) return null;
  return {
    number: b.last_number,
    result: b.last_result,
    building: b.last_building === 1,
    at: b.last_at,
    durationMs: b.last_duration_ms,
    commit: b.commit_message !== null ? { id: b.commit_id, message: b.commit_message, author: b.commit_author } : null,
  };
}
