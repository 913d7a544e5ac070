import { JenkinsError, type JenkinsClient, type JobPath } from '../../jenkins/index.js';
import type { Servers, ServerRow } from './stage-deps.js';
import { StageUnknownServer } from './stage.errors.js';
import type { StageRef } from './stage.types.js';

/** A failure that trying again cannot fix (the input is gone, Jenkins refused): no more retries. */
export class PermanentFollowUpError extends Error {
  override name = 'PermanentFollowUpError';
  readonly permanent = true;
}

export interface Target {
  server: ServerRow;
  client: JenkinsClient;
  path: JobPath;
  /** "platform/deploy-api/main #3" for messages. */
  label: string;
}

/** Jenkins' full name "a/b/c" (JOB_NAME; branch item names keep their %2F) → item names. */
export const jobPath = (job: string): JobPath => job.split('/').filter((s) => s !== '');

/** The server a stage call names (default: the configured one, else the first), or null when none exists. */
export async function serverForName(servers: Servers, name: string | null): Promise<ServerRow | null> {
  const rows = await servers.list();
  if (name) {
    const row = rows.find((r) => r.name === name);
    if (!row) throw new StageUnknownServer({ server: name, known: rows.map((r) => r.name) });
    return row;
  }
  if (!rows.length) return null;
  return servers.defaultServer();
}

/** Resolve a request's pipeline run to a client; a missing server is permanent. */
export async function targetOf(servers: Servers, ref: Pick<StageRef, 'serverId' | 'job' | 'build'>): Promise<Target> {
  const label = `${ref.job} #${ref.build}`;
  if (ref.serverId === null) throw new PermanentFollowUpError(`No Jenkins server was configured when ${label} asked for approval.`);
  const server = (await servers.list()).find((r) => r.id === ref.serverId);
  if (!server) throw new PermanentFollowUpError(`The Jenkins server of ${label} (id ${ref.serverId}) has been removed from Gatehouse.`);
  return { server, client: servers.client(server), path: jobPath(ref.job), label };
}

/** Human text for a Jenkins failure, with what Jenkins said when it said something. */
export function jenkinsReason(e: unknown): string {
  if (e instanceof JenkinsError) return e.jenkinsMessage ? `${e.jenkinsMessage} (HTTP ${e.status})` : e.message;
  return e instanceof Error ? e.message : String(e);
}

/** Answered with a refusal (4xx other than 404): asking again gets the same answer. */
export const isRefusal = (e: unknown): boolean =>
  e instanceof JenkinsError && (e.kind === 'auth' || (e.kind === 'http' && e.status !== null && e.status >= 400 && e.status < 500));

export const isNotFound = (e: unknown): boolean => e instanceof JenkinsError && e.kind === 'not-found';
