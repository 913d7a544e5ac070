/**
 * Export schemas of runs and what hangs off them: actions, causes, parameter values, artifacts,
 * change sets, queue items (reference §§5–8). Visibilities follow the "what depth 0 shows" rules.
 */
import type { Sim } from './context.js';
import type { Principal } from './auth.js';
import type { Artifact, Build, Cause, Commit, ParamDef, ParamValue, PendingInput, QueueItem } from './model.js';
import { type Prop, type Ref, type Schema, OPAQUE, ref } from './tree.js';
import { buildUrl, estimatedDuration } from './jobs.js';
import { causeText } from './builds.js';
import { PARAM_CLASSES, defaultValue, paramsText } from './params.js';
import { fullDisplayName } from './model.js';
import type { Schemas } from './schemas.js';

export interface Env {
  sim: Sim;
  base: string;
  who: Principal;
}

const p = <T>(name: string, vis: number, get: (o: T) => unknown, extra: Partial<Prop<T>> = {}): Prop<T> => ({ name, vis, get, ...extra });
export const classOnly = (cls: string): Ref => ref({ cls: () => cls, props: [] }, null);

const CAUSE_CLASS: Record<Cause['kind'], string> = {
  user: 'hudson.model.Cause$UserIdCause',
  remote: 'hudson.model.Cause$RemoteCause',
  timer: 'hudson.triggers.TimerTrigger$TimerTriggerCause',
  scm: 'hudson.triggers.SCMTrigger$SCMTriggerCause',
  'branch-indexing': 'jenkins.branch.BranchIndexingCause',
  'branch-event': 'jenkins.branch.BranchEventCause',
  upstream: 'hudson.model.Cause$UpstreamCause',
};

export function runSchemas(env: Env, S: Schemas): void {
  const { sim, base } = env;

  S.cause = {
    cls: (c: Cause) => CAUSE_CLASS[c.kind],
    props: [
      p('shortDescription', 999, (c: Cause) => causeText(sim, c, false)),
      ...(['userId', 'userName'] as const).map((k) => p(k, 999, (c: Cause) => (c.kind === 'user' ? c[k] : undefined))),
      p('addr', 999, (c: Cause) => (c.kind === 'remote' ? c.addr : undefined)),
      p('note', 999, (c: Cause) => (c.kind === 'remote' ? c.note : undefined)),
      p('upstreamBuild', 999, (c: Cause) => (c.kind === 'upstream' ? c.build : undefined)),
      p('upstreamProject', 999, (c: Cause) => (c.kind === 'upstream' ? c.project : undefined)),
      p('upstreamUrl', 999, (c: Cause) => (c.kind === 'upstream' ? c.url : undefined)),
    ],
  };
  S.paramValue = {
    cls: (v: ParamValue) => PARAM_CLASSES[v.type].value,
    props: [p('name', 999, (v: ParamValue) => v.name), p('value', 999, (v: ParamValue) => (v.type === 'password' ? undefined : v.value))],
  };
  S.paramDef = {
    cls: (d: ParamDef) => PARAM_CLASSES[d.type].def,
    props: [
      p('defaultParameterValue', 3, (d: ParamDef) => ref(S.paramValue, { type: d.type, name: d.name, value: defaultValue(d) })),
      p('description', 3, (d: ParamDef) => d.description ?? null),
      p('name', 3, (d: ParamDef) => d.name),
      p('type', 3, (d: ParamDef) => PARAM_CLASSES[d.type].simple),
      p('choices', 3, (d: ParamDef) => (d.type === 'choice' ? (d.choices ?? []) : undefined)),
    ],
  };
  S.causeAction = { cls: () => 'hudson.model.CauseAction', props: [p('causes', 999, (c: Cause[]) => c.map((x) => ref(S.cause, x)))] };
  S.paramsAction = {
    cls: () => 'hudson.model.ParametersAction',
    props: [p('parameters', 999, (v: ParamValue[]) => v.map((x) => ref(S.paramValue, x)))],
  };
  S.buildData = buildDataSchema();
  S.inputAction = inputActionSchema(S);
  S.artifact = {
    cls: () => 'hudson.model.Run$Artifact',
    props: [
      p('displayPath', 3, (a: { a: Artifact; display: string }) => a.display),
      p('fileName', 3, (a: { a: Artifact; display: string }) => a.a.relativePath.split('/').pop()),
      p('relativePath', 3, (a: { a: Artifact; display: string }) => a.a.relativePath),
    ],
  };
  S.user = {
    cls: () => 'hudson.model.User',
    props: [
      p('absoluteUrl', 999, (n: string) => `${base}/user/${encodeURIComponent(n.toLowerCase())}`),
      p('fullName', 999, (n: string) => n),
    ],
  };
  S.commit = commitSchema(S);
  S.changeSetList = {
    cls: () => 'hudson.plugins.git.GitChangeSetList',
    props: [p('items', 3, (cs: Commit[]) => cs.map((c) => ref(S.commit, c))), p('kind', 3, () => 'git')],
  };
  S.executor = {
    cls: (b: Build) => (b.job.kind === 'pipeline' ? 'hudson.model.OneOffExecutor' : 'hudson.model.Executor'),
    props: [
      p('currentExecutable', 1, (b: Build) => ref(S.run, b)),
      p('idle', 1, () => false),
      p('likelyStuck', 1, () => false),
      p('number', 1, () => 0),
      p('progress', 1, (b: Build) => progressOf(b)),
    ],
  };
  S.run = runSchema(env, S);
  S.queueItem = queueItemSchema(env, S);
}

function progressOf(b: Build): number {
  const est = estimatedDuration(b.job);
  return est <= 0 ? -1 : Math.min(99, Math.round(((Date.now() - b.timestamp) / est) * 100));
}

function buildDataSchema(): Schema<Build> {
  const branchRef = (b: Build) => ({ SHA1: b.revision, name: b.job.branch ?? 'refs/remotes/origin/main' });
  const revision = (b: Build) => ({ SHA1: b.revision, branch: [branchRef(b)] });
  return {
    cls: () => 'hudson.plugins.git.util.BuildData',
    props: [
      p('buildsByBranchName', 999, (b: Build) => ({
        [branchRef(b).name]: ref(
          {
            cls: () => 'hudson.plugins.git.util.Build',
            props: ['buildNumber', 'buildResult', 'marked', 'revision'].map((k) => p(k, 999, (x: any) => x[k])),
          },
          { buildNumber: b.number, buildResult: null, marked: revision(b), revision: revision(b) },
        ),
      })),
      p('lastBuiltRevision', 999, revision),
      p('remoteUrls', 999, (b: Build) => [b.job.parent.repoUrl ?? `https://git.example.com/${b.job.name}.git`]),
      p('scmName', 999, () => ''),
    ],
  };
}

function inputActionSchema(S: Schemas): Schema<Build> {
  const defs = (pi: PendingInput) => pi.parameters.map((d) => ref(S.paramDef, d));
  const step: Schema<PendingInput> = {
    cls: () => 'org.jenkinsci.plugins.workflow.support.steps.input.InputStep',
    props: [
      p('id', 1, (pi) => pi.id),
      p('message', 1, (pi) => pi.message),
      p('ok', 1, (pi) => pi.ok),
      p('parameters', 1, defs),
      p('submitter', 1, (pi) => pi.submitter),
      p('submitterParameter', 1, () => null),
    ],
  };
  const exec: Schema<PendingInput> = {
    cls: () => 'org.jenkinsci.plugins.workflow.support.steps.input.InputStepExecution',
    props: [p('id', 1, (pi) => pi.id), p('input', 1, (pi) => ref(step, pi))],
  };
  return {
    cls: () => 'org.jenkinsci.plugins.workflow.support.steps.input.InputAction',
    props: [
      p('executions', 1, (b: Build) => b.pendingInputs.map((pi) => ref(exec, pi))),
      p('waitingForInput', 1, (b: Build) => b.pendingInputs.length > 0),
    ],
  };
}

function commitSchema(S: Schemas): Schema<Commit> {
  return {
    cls: () => 'hudson.plugins.git.GitChangeSet',
    props: [
      p('affectedPaths', 999, (c) => c.paths ?? []),
      p('commitId', 999, (c) => c.id),
      p('timestamp', 999, (c) => c.timestamp),
      p('author', 999, (c) => ref(S.user, c.author), { sameClass: true }),
      p('authorEmail', 999, (c) => c.email ?? `${c.author.toLowerCase().replace(/\s+/g, '.')}@example.com`),
      p('comment', 999, (c) => `${c.msg}\n`),
      p('date', 999, (c) =>
        new Date(c.timestamp)
          .toISOString()
          .replace('T', ' ')
          .replace(/\.\d+Z$/, ' +0000'),
      ),
      p('id', 999, (c) => c.id),
      p('msg', 999, (c) => c.msg.split('\n')[0]),
      p('paths', 999, (c) => (c.paths ?? []).map((f) => ({ editType: 'edit', file: f }))),
    ],
  };
}

/** displayPath: the file name, or the shortest unique trailing path when names collide. */
function displayPaths(arts: Artifact[]): { a: Artifact; display: string }[] {
  return arts.map((a) => {
    const parts = a.relativePath.split('/');
    for (let n = 1; n <= parts.length; n++) {
      const tail = parts.slice(-n).join('/');
      if (arts.filter((o) => o === a || o.relativePath.endsWith('/' + tail) || o.relativePath === tail).length === 1)
        return { a, display: tail };
    }
    return { a, display: a.relativePath };
  });
}

function runActions(S: Schemas, b: Build): Ref[] {
  const out: Ref[] = [ref(S.causeAction, b.causes)];
  if (b.params) out.push(ref(S.paramsAction, b.params));
  if (b.revision) out.push(ref(S.buildData, b));
  out.push(OPAQUE);
  if (b.job.kind === 'pipeline') {
    if (b.hadInput) out.push(ref(S.inputAction, b));
    out.push(
      classOnly('org.jenkinsci.plugins.workflow.job.views.FlowGraphAction'),
      classOnly('org.jenkinsci.plugins.displayurlapi.actions.RunDisplayAction'),
    );
  }
  return out;
}

function runSchema(env: Env, S: Schemas): Schema<Build> {
  const { base } = env;
  const pipeline = (b: Build) => b.job.kind === 'pipeline';
  const neighbour = (b: Build, d: number) => b.job.builds[b.job.builds.indexOf(b) + d];
  const near = (b: Build, d: number) => {
    const n = neighbour(b, d);
    return n ? ref(S.run, n) : null;
  };
  return {
    cls: (b) => (pipeline(b) ? 'org.jenkinsci.plugins.workflow.job.WorkflowRun' : 'hudson.model.FreeStyleBuild'),
    props: [
      p('actions', 1, (b) => runActions(S, b)),
      p('artifacts', 1, (b) => displayPaths(b.artifacts).map((a) => ref(S.artifact, a)), { sameClass: true }),
      p('building', 1, (b) => b.building),
      p('description', 1, (b) => b.description),
      p('displayName', 1, (b) => `#${b.number}`),
      p('duration', 1, (b) => (b.building ? 0 : b.duration)),
      p('estimatedDuration', 1, (b) => estimatedDuration(b.job)),
      p('executor', 1, (b) => (b.building ? ref(S.executor, b) : null)),
      p('fullDisplayName', 1, (b) => `${fullDisplayName(b.job)} #${b.number}`),
      p('id', 1, (b) => String(b.number)),
      p('keepLog', 1, (b) => b.keepLog),
      p('number', 999, (b) => b.number),
      p('queueId', 1, (b) => b.queueId),
      p('result', 1, (b) => b.result),
      p('timestamp', 1, (b) => b.timestamp),
      p('url', 999, (b) => buildUrl(base, b)),
      p('builtOn', 1, (b) => (pipeline(b) ? undefined : '')),
      p('changeSet', 1, (b) => (pipeline(b) ? undefined : ref(S.changeSetList, b.commits))),
      p('changeSets', 1, (b) => (pipeline(b) ? (b.commits.length ? [ref(S.changeSetList, b.commits)] : []) : undefined)),
      p('culprits', 1, (b) => [...new Set(b.commits.map((c) => c.author))].map((a) => ref(S.user, a)), { sameClass: true }),
      p('inProgress', 1, (b) => (pipeline(b) ? b.building : undefined)),
      p('nextBuild', 1, (b) => (pipeline(b) ? near(b, 1) : undefined), { sameClass: true }),
      p('previousBuild', 1, (b) => (pipeline(b) ? near(b, -1) : undefined), { sameClass: true }),
    ],
  };
}

const QUEUE_CLASS: Record<QueueItem['state'], string> = {
  waiting: 'hudson.model.Queue$WaitingItem',
  blocked: 'hudson.model.Queue$BlockedItem',
  buildable: 'hudson.model.Queue$BuildableItem',
  left: 'hudson.model.Queue$LeftItem',
};

function queueItemSchema(env: Env, S: Schemas): Schema<QueueItem> {
  const { sim } = env;
  const only = (states: QueueItem['state'][], f: (i: QueueItem) => unknown) => (i: QueueItem) =>
    states.includes(i.state) ? f(i) : undefined;
  return {
    cls: (i) => QUEUE_CLASS[i.state],
    props: [
      p('actions', 999, (i) => [...(i.params ? [ref(S.paramsAction, i.params)] : []), ref(S.causeAction, i.causes)]),
      p('blocked', 999, (i) => i.state === 'blocked'),
      p('buildable', 999, (i) => i.state === 'buildable'),
      p('id', 999, (i) => i.id),
      p('inQueueSince', 999, (i) => i.inQueueSince),
      p('params', 999, (i) => paramsText(i.params)),
      p('stuck', 999, () => false),
      p('task', 999, (i) => ref(S.job, i.job)),
      p('url', 999, (i) => `queue/item/${i.id}/`),
      p('why', 999, (i) => sim.queue.why(i)),
      p(
        'timestamp',
        999,
        only(['waiting'], (i) => i.runnableAt),
      ),
      p(
        'buildableStartMilliseconds',
        999,
        only(['blocked', 'buildable'], (i) => i.buildableSince),
      ),
      p(
        'pending',
        999,
        only(['buildable'], () => false),
      ),
      p(
        'cancelled',
        999,
        only(['left'], (i) => i.cancelled),
      ),
      p(
        'executable',
        999,
        only(['left'], (i) => (i.build ? ref(S.run, i.build) : null)),
      ),
    ],
  };
}
