import type { Approval } from './stage-deps.js';
import { SUBJECT_TYPE, type StageParams, type StageRef } from './stage.types.js';

/** Subject id and dedupe key: server + job + build + input, e.g. "1:platform/deploy-api/main#3:Approve". */
export function subjectIdOf(serverId: number | null, p: Pick<StageParams, 'job' | 'build' | 'inputId'>): string {
  return `${serverId ?? 0}:${p.job}#${p.build}:${p.inputId ?? ''}`;
}

/** The run's page in Jenkins: root URL + /job/a/job/b/N/. */
export const buildUrlOf = (root: string, job: string, build: number): string =>
  `${root}/${job
    .split('/')
    .map((n) => `job/${encodeURIComponent(n)}`)
    .join('/')}/${build}/`;

/** The facts stored on the approval (shown on its page, read back by the follow-up). */
export function factsOf(server: { id: number; name: string; url: string } | null, p: StageParams): Record<string, string | number | null> {
  return {
    job: p.job,
    build: p.build,
    inputId: p.inputId,
    server: server?.name ?? null,
    serverId: server?.id ?? null,
    buildUrl: server ? buildUrlOf(server.url, p.job, p.build) : null,
    mode: p.wait ? 'wait' : 'async',
  };
}

const SUBJECT_RE = /^(\d+):(.+)#(\d+):(.*)$/;

/** Where the approval's pipeline run is: from its facts, else from its subject id. Null when it is not ours. */
export function stageRefOf(a: Approval): StageRef | null {
  if (a.subjectType !== SUBJECT_TYPE) return null;
  const m = SUBJECT_RE.exec(a.subjectId);
  if (!m) return null;
  const facts = (a.facts ?? {}) as Record<string, unknown>;
  const serverId = Number(m[1]) || null;
  return { serverId, job: m[2], build: Number(m[3]), inputId: m[4] || null, wait: facts.mode === 'wait' };
}
