/** Public shapes of the Jenkins client. Field meanings follow shared/reference/jenkins-http-api.md. */

export interface JenkinsConnection {
  name: string;
  /** Jenkins root URL, with its context path if any (http://ci.example:8080/jenkins). */
  url: string;
  username: string;
  /** API token (authMode 'token') or the real password (authMode 'password'). */
  token: string;
  /** HTTP(S) proxy, e.g. http://user:pass@proxy:3128; null/absent = direct. */
  proxyUrl?: string | null;
  /** Connect, response-headers and body-idle timeout in ms (default 15000). */
  timeoutMs?: number;
  /** 'password' sends crumbs (+ their session cookie) on every POST; default 'token'. */
  authMode?: 'token' | 'password';
}

export interface CallRecord {
  method: string;
  /** Root-relative path without the query string. */
  path: string;
  status: number | null;
  ms: number;
  error?: string;
}

export interface ClientOptions {
  /** Extra tries after the first on network errors, timeouts and 5xx (default 3). */
  retries?: number;
  /** First backoff in ms, doubled each try, with jitter (default 250). */
  backoffMs?: number;
  breaker?: { failureThreshold: number; resetMs: number };
  /** Clock of the circuit breaker (default Date.now). */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Called once per HTTP exchange (also for retries and crumb fetches) and per breaker refusal. */
  onCall?: (c: CallRecord) => void;
}

/** Item names from Jenkins JSON, e.g. ['shop-web', 'feature%2Flogin']. Empty names are skipped. */
export type JobPath = string[];

export type ItemKind = 'folder' | 'multibranch' | 'org-folder' | 'pipeline' | 'freestyle' | 'other';

export interface JenkinsItem {
  path: JobPath;
  /** path joined with '/' (Jenkins' fullName). */
  fullName: string;
  kind: ItemKind;
  description: string | null;
  url: string;
}

export interface LastCommit {
  id: string | null;
  message: string;
  author: string | null;
}

export interface LastBuild {
  number: number;
  result: string | null;
  building: boolean;
  timestamp: number;
  durationMs: number;
  commit: LastCommit | null;
}

export interface BranchInfo {
  /** Decoded SCM branch name, e.g. feature/login. */
  name: string;
  /** The branch job's item name, e.g. feature%2Flogin ('' = the job itself). */
  itemName: string;
  buildable: boolean;
  color: string | null;
  lastBuild: LastBuild | null;
}

export interface ProjectInfo {
  description: string | null;
  kind: ItemKind;
  /** Multibranch: its branch jobs; a standalone job: one entry 'default' with itemName ''; a folder: []. */
  branches: BranchInfo[];
}

export interface ParamDef {
  name: string;
  type: 'string' | 'text' | 'boolean' | 'choice' | 'password' | 'other';
  jenkinsClass: string;
  default: string | boolean | null;
  description: string | null;
  choices?: string[];
}

export interface QueueInfo {
  id: number;
  why: string | null;
  cancelled: boolean;
  inQueueSince: number;
  executable: { number: number; url: string } | null;
  /** The item left the queue (started or cancelled). */
  left: boolean;
}

export interface BuildSummary {
  number: number;
  result: string | null;
  building: boolean;
  timestamp: number;
  durationMs: number;
  estimatedDurationMs: number;
  causes: string[];
}

export interface BuildDetail extends BuildSummary {
  url: string;
  parameters: { name: string; value: unknown }[];
  artifacts: { fileName: string; relativePath: string; displayPath: string | null }[];
}

export interface PendingInput {
  id: string;
  message: string;
  proceedText: string | null;
  inputs: { name: string; type: string }[];
}

export interface ArtifactDownload {
  contentType: string;
  contentLength: number | null;
  body: import('node:stream').Readable;
}
