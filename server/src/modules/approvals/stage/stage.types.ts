/** Rows and shapes of the Jenkins stage (migration 0012). */

export interface StageRequestRow {
  id: number;
  approval_id: number;
  server_id: number | null;
  job: string;
  build: number;
  input_id: string | null;
  wait: number;
  created_at: string;
}

export interface BuildResultRow {
  id: number;
  project: string;
  environment: string;
  job: string;
  build: number;
  result: string;
  duration_ms: number | null;
  url: string | null;
  approval_id: number | null;
  log_tail: string | null;
  reported_by: number | null;
  notified_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface StageTables {
  approvals_stage_requests: StageRequestRow;
  approvals_build_results: BuildResultRow;
}

/** The parameters of /api/stage/approval/wait after parsing (seed names plus inputId, server, wait). */
export interface StageParams {
  project: string;
  env: string;
  job: string;
  build: number;
  version: string | null;
  desc: string | null;
  action: string | null;
  /** Seconds; null = the policy's timeout. */
  timeoutSeconds: number | null;
  /** Jenkins' form of the input id (first letter upper-cased), or null for no input step. */
  inputId: string | null;
  server: string | null;
  wait: boolean;
}

/** Where a request's pipeline run lives in Jenkins, as stored in the approval's facts. */
export interface StageRef {
  serverId: number | null;
  job: string;
  build: number;
  inputId: string | null;
  wait: boolean;
}

export const SUBJECT_TYPE = 'jenkins-input';
