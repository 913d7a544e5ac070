/**
 * Export schemas of the root, folders, multibranch projects and jobs (reference §§3–5), plus the
 * small top-level objects (whoAmI, crumb issuer, queue).
 */
import type { Folder, Item, Job, QueueItem } from './model.js';
import { displayNameOf, fullDisplayName, fullName, isJob } from './model.js';
import { type Prop, type Ref, type Schema, OPAQUE, ref } from './tree.js';
import { itemUrl, jobColor, permalink } from './jobs.js';
import { classOnly, type Env } from './schemas-runs.js';
import type { Schemas } from './schemas.js';

const p = <T>(name: string, vis: number, get: (o: T) => unknown, extra: Partial<Prop<T>> = {}): Prop<T> => ({ name, vis, get, ...extra });

const FOLDER_CLASS: Record<Folder['kind'], string> = {
  root: 'hudson.model.Hudson',
  folder: 'com.cloudbees.hudson.plugins.folder.Folder',
  multibranch: 'org.jenkinsci.plugins.workflow.multibranch.WorkflowMultiBranchProject',
  organization: 'jenkins.branch.OrganizationFolder',
};

export function itemSchemas(env: Env, S: Schemas): void {
  const { sim, base, who } = env;
  const children = (f: Folder): Ref[] => sim.users.visibleChildren(who, f).map((c) => ref(isJob(c) ? S.job : S.folder, c));
  const allView = (f: Folder) => ({ f });

  S.view = {
    cls: () => 'hudson.model.AllView',
    props: [
      p('description', 1, () => null),
      p('jobs', 1, (v: { f: Folder }) => children(v.f)),
      p('name', 999, () => 'all'),
      p('property', 1, () => [], { inline: true }),
      p('url', 999, (v: { f: Folder }) => (v.f.kind === 'root' ? `${base}/` : itemUrl(base, v.f))),
    ],
  };
  S.health = {
    cls: () => 'hudson.model.HealthReport',
    props: ['description', 'iconClassName', 'iconUrl', 'score'].map((k) => p(k, 999, (h: any) => h[k])),
  };

  // Properties every item has (AbstractItem), in Jenkins' order.
  const itemProps = <T extends Item>(actions: (i: T) => Ref[]): Prop<T>[] => [
    p('actions', 1, actions),
    p('description', 1, (i) => (i.kind === 'root' ? null : i.description)),
    p('displayName', 1, (i) => displayNameOf(i)),
    p('displayNameOrNull', 1, (i) => i.displayName ?? (isJob(i) ? i.branch : null)),
    p('fullDisplayName', 1, (i) => fullDisplayName(i)),
    p('fullName', 1, (i) => fullName(i)),
    p('name', 999, (i) => i.name),
    p('url', 999, (i) => itemUrl(base, i)),
  ];

  S.folder = {
    cls: (f: Folder) => FOLDER_CLASS[f.kind],
    props: [
      ...itemProps<Folder>(() => [OPAQUE, classOnly('com.cloudbees.plugins.credentials.ViewCredentialsAction')]),
      p('healthReport', 1, () => []),
      p('jobs', 1, children),
      p('primaryView', 1, (f: Folder) => ref(S.view, allView(f))),
      p('views', 1, (f: Folder) => [ref(S.view, allView(f))]),
    ],
  };
  S.root = rootSchema(env, S, children, allView);
  S.paramsProperty = {
    cls: () => 'hudson.model.ParametersDefinitionProperty',
    props: [p('parameterDefinitions', 1, (j: Job) => (j.params ?? []).map((d) => ref(S.paramDef, d)))],
  };
  S.job = jobSchema(env, S, itemProps);
}

function rootSchema(env: Env, S: Schemas, children: (f: Folder) => Ref[], allView: (f: Folder) => { f: Folder }): Schema<Folder> {
  const { sim, base } = env;
  return {
    cls: () => 'hudson.model.Hudson',
    props: [
      p('assignedLabels', 1, () => [{ name: 'built-in' }]),
      p('mode', 1, () => 'NORMAL'),
      p('nodeDescription', 1, () => "the Jenkins controller's built-in node"),
      p('nodeName', 1, () => ''),
      p('numExecutors', 1, () => sim.opts.executors),
      p('description', 1, () => null),
      p('jobs', 1, children),
      p('overallLoad', 1, () => ({})),
      p('primaryView', 1, (f: Folder) => ref(S.view, allView(f))),
      p('quietDownReason', 1, () => null),
      p('quietingDown', 1, () => false),
      p('slaveAgentPort', 1, () => -1),
      p('unlabeledLoad', 1, () => classOnly('jenkins.model.UnlabeledLoadStatistics')),
      p('url', 1, () => `${base}/`),
      p('useCrumbs', 1, () => true),
      p('useSecurity', 1, () => true),
      p('views', 1, (f: Folder) => [ref(S.view, allView(f))]),
    ],
  };
}

function health(job: Job): Record<string, unknown>[] {
  const recent = job.builds.filter((b) => !b.building).slice(-5);
  if (!recent.length) return [];
  const failed = recent.filter((b) => b.result === 'FAILURE').length;
  const score = Math.round(((recent.length - failed) / recent.length) * 100);
  const bucket = score > 80 ? '80plus' : score > 60 ? '60to79' : score > 40 ? '40to59' : score > 20 ? '20to39' : '00to19';
  const description = failed
    ? `Build stability: ${failed} out of the last ${recent.length} builds failed.`
    : 'Build stability: No recent builds failed.';
  return [{ description, iconClassName: `icon-health-${bucket}`, iconUrl: `health-${bucket}.png`, score }];
}

function jobProperties(S: Schemas, j: Job): Ref[] {
  const out: Ref[] = [];
  if (j.branch !== null)
    out.push(
      ref({ cls: () => 'org.jenkinsci.plugins.workflow.multibranch.BranchJobProperty', props: [p('branch', 1, () => OPAQUE)] }, null),
    );
  if (j.params) out.push(ref(S.paramsProperty, j));
  if (j.kind === 'pipeline' && !j.concurrentBuild)
    out.push(classOnly('org.jenkinsci.plugins.workflow.job.properties.DisableConcurrentBuildsJobProperty'));
  return out;
}

function jobSchema(env: Env, S: Schemas, itemProps: <T extends Item>(actions: (i: T) => Ref[]) => Prop<T>[]): Schema<Job> {
  const { sim } = env;
  const run = (b: ReturnType<typeof permalink>) => (b ? ref(S.run, b) : null);
  const link = (name: string) => p(name, 1, (j: Job) => run(permalink(j, name)));
  const pipeline = (j: Job) => j.kind === 'pipeline';
  const queued = (j: Job): QueueItem | null => sim.queue.itemFor(j);
  const actions = (j: Job): Ref[] => [
    OPAQUE,
    ...(j.params ? [classOnly('hudson.model.ParametersDefinitionProperty')] : []),
    classOnly('org.jenkinsci.plugins.displayurlapi.actions.JobDisplayAction'),
    classOnly('com.cloudbees.plugins.credentials.ViewCredentialsAction'),
  ];
  return {
    cls: (j) => (pipeline(j) ? 'org.jenkinsci.plugins.workflow.job.WorkflowJob' : 'hudson.model.FreeStyleProject'),
    props: [
      ...itemProps<Job>(actions),
      p('buildable', 1, (j) => !j.disabled && !j.orphaned),
      p('builds', 1, (j) =>
        j.builds
          .slice(-100)
          .reverse()
          .map((b) => ref(S.run, b)),
      ),
      p('allBuilds', -2, (j) => [...j.builds].reverse().map((b) => ref(S.run, b))),
      p('color', 2, (j) => jobColor(j)),
      p('firstBuild', 1, (j) => run(j.builds[0] ?? null)),
      p('healthReport', 1, (j) => health(j).map((h) => ref(S.health, h)), { sameClass: true }),
      p('inQueue', 1, (j) => queued(j) !== null),
      p('keepDependencies', 1, () => false),
      link('lastBuild'),
      link('lastCompletedBuild'),
      link('lastFailedBuild'),
      link('lastStableBuild'),
      link('lastSuccessfulBuild'),
      link('lastUnstableBuild'),
      link('lastUnsuccessfulBuild'),
      p('nextBuildNumber', 1, (j) => j.nextBuildNumber),
      p('property', 1, (j) => jobProperties(S, j), { inline: true }),
      p('queueItem', 1, (j) => {
        const q = queued(j);
        return q ? ref(S.queueItem, q) : null;
      }),
      p('concurrentBuild', 1, (j) => j.concurrentBuild),
      p('disabled', 1, (j) => j.disabled),
      p('downstreamProjects', 1, (j) => (pipeline(j) ? undefined : [])),
      p('labelExpression', 1, (j) => (pipeline(j) ? undefined : null)),
      p('resumeBlocked', 1, (j) => (pipeline(j) ? false : undefined)),
      p('scm', 1, (j) => (pipeline(j) ? undefined : classOnly('hudson.scm.NullSCM'))),
      p('upstreamProjects', 1, (j) => (pipeline(j) ? undefined : [])),
    ],
  };
}
