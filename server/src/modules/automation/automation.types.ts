import type { AuditActor } from '../audit/index.js';

/** Rows as stored (see migrations/0008-automation.ts) and the shapes the API returns. */
export type Language = 'bash' | 'sh' | 'python3';
export const LANGUAGES: Language[] = ['bash', 'sh', 'python3'];
export type AuthMethod = 'gatehouse-key' | 'private-key';
export type CheckStatus = 'reachable' | 'auth-failed' | 'unreachable' | 'host-key-changed' | 'timeout';

/** Who is calling: the request's principal plus ip/user agent for the audit trail. */
export type Actor = AuditActor & { userId: number; username: string; scopes?: string[] };

interface Authored {
  created_by: number | null;
  created_by_name: string | null;
  created_at: string;
  updated_at: string;
}

export interface ScriptRow extends Authored {
  id: number;
  name: string;
  language: Language;
  description: string;
  project: string;
  version: number;
}

export interface ScriptVersionRow {
  id: number;
  script_id: number;
  version: number;
  language: Language;
  content: string;
  created_by: number | null;
  created_by_name: string | null;
  created_at: string;
}

export interface JumpHostRow extends Authored {
  id: number;
  name: string;
  host: string;
  port: number;
  username: string;
  project: string | null;
  auth_method: AuthMethod;
  private_key_enc: string | null;
  host_fingerprint: string | null;
}

export interface TargetRow extends Authored {
  id: number;
  name: string;
  host: string;
  port: number;
  username: string;
  labels: string;
  project: string;
  auth_method: AuthMethod;
  private_key_enc: string | null;
  jump_host_ids: string;
  host_fingerprint: string | null;
  last_check_status: CheckStatus | null;
  last_check_at: string | null;
  last_check_message: string | null;
}

export interface TaskRow extends Authored {
  id: number;
  name: string;
  project: string;
  script_id: number;
  script_version: number | null;
  target_ids: string;
  label_selector: string;
  parameters: string;
  timeout_seconds: number;
  concurrency: number;
  schedule: string | null;
  timezone: string;
  enabled: number;
}

export interface KeyPairRow {
  id: number;
  public_key: string;
  private_key_enc: string;
  fingerprint: string;
  created_at: string;
}

export interface AutomationTables {
  automation_scripts: ScriptRow;
  automation_script_versions: ScriptVersionRow;
  automation_jump_hosts: JumpHostRow;
  automation_targets: TargetRow;
  automation_tasks: TaskRow;
  automation_key_pair: KeyPairRow;
}

export const parseList = <T>(json: string): T[] => JSON.parse(json) as T[];

export interface Script {
  id: number;
  name: string;
  language: Language;
  description: string;
  project: string;
  version: number;
  createdBy: number | null;
  createdByName: string | null;
  createdAt: string;
  updatedAt: string;
}

export const toScript = (r: ScriptRow): Script => ({
  id: r.id,
  name: r.name,
  language: r.language,
  description: r.description,
  project: r.project,
  version: r.version,
  createdBy: r.created_by,
  createdByName: r.created_by_name,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export interface JumpHost {
  id: number;
  name: string;
  host: string;
  port: number;
  username: string;
  project: string | null;
  authMethod: AuthMethod;
  hostKeyFingerprint: string | null;
  createdBy: number | null;
  createdByName: string | null;
  createdAt: string;
  updatedAt: string;
}

export const toJumpHost = (r: JumpHostRow): JumpHost => ({
  id: r.id,
  name: r.name,
  host: r.host,
  port: r.port,
  username: r.username,
  project: r.project,
  authMethod: r.auth_method,
  hostKeyFingerprint: r.host_fingerprint,
  createdBy: r.created_by,
  createdByName: r.created_by_name,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export interface Target extends Omit<JumpHost, 'project'> {
  project: string;
  labels: string[];
  jumpHostIds: number[];
  lastCheck: { status: CheckStatus; at: string; message: string } | null;
}

export const toTarget = (r: TargetRow): Target => ({
  ...toJumpHost({ ...r }),
  project: r.project,
  labels: parseList<string>(r.labels),
  jumpHostIds: parseList<number>(r.jump_host_ids),
  lastCheck:
    r.last_check_status && r.last_check_at
      ? { status: r.last_check_status, at: r.last_check_at, message: r.last_check_message ?? '' }
      : null,
});
