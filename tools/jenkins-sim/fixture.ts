/**
 * The demo fixture: multibranch projects with main/develop/feature/login/release/1.2, a
 * parameterized pipeline, finished runs of every result with commit messages, a long coloured log,
 * artifacts, and pipelines waiting at input steps. Also a generator of N projects × M branches.
 */
import type { JenkinsSim } from './index.js';
import type { Commit, ParamDef, Result } from './model.js';
import { ansi, colouredBuildLine, longColouredLog, pipelineLine, standardPipeline, type BuildStep } from './script.js';
import { shaOf } from './builds.js';

export const DEMO_BRANCHES = ['main', 'develop', 'feature/login', 'release/1.2'];

export const DEPLOY_PARAMS: ParamDef[] = [
  { type: 'string', name: 'TARGET', description: 'Environment', default: 'staging' },
  { type: 'choice', name: 'REGION', description: '', choices: ['eu-west-1', 'us-east-1', 'ap-southeast-1'] },
  { type: 'boolean', name: 'DRY_RUN', description: null, default: false },
  { type: 'text', name: 'NOTES', description: 'Release notes', default: '' },
  { type: 'password', name: 'API_KEY', description: 'Deploy key', default: 'changeme' },
];

const HOUR = 3_600_000;

function commit(repo: string, msg: string, author: string, at: number, paths: string[] = ['src/app.ts']): Commit {
  return { id: shaOf(`${repo}:${msg}:${at}`), msg, author, timestamp: at, paths };
}

function history(
  s: JenkinsSim,
  path: string[],
  now: number,
  runs: [Result, string, string][],
  extra: (i: number) => object = () => ({}),
): void {
  runs.forEach(([result, msg, author], i) => {
    const start = now - (runs.length - i) * 6 * HOUR;
    s.addHistory(path, {
      result,
      timestamp: start,
      durationMs: 45_000 + i * 7_000,
      commits: [commit(path.join('/'), msg, author, start - 600_000)],
      ...extra(i),
    });
  });
}

const jar = (name: string) => ({ path: `build/libs/${name}`, content: { size: 48_000 } });
const report = {
  path: 'build/reports/tests/index.html',
  content: '<html><body><h1>Test report</h1><p>42 tests, 0 failures</p></body></html>',
};

/** Loads the demo fixture into an emulator (normally a fresh one). */
export function loadDemoFixture(s: JenkinsSim, now = Date.now()): void {
  s.addUser('viewer', {
    fullName: 'Vera Viewer',
    password: 'viewer',
    tokens: ['viewer-token'],
    permissions: ['Overall/Read', 'Item/Read'],
  });
  s.addUser('dev', {
    fullName: 'Dev Eloper',
    password: 'dev',
    tokens: ['dev-token'],
    permissions: ['Overall/Read', 'Item/Read', 'Item/Build'],
  });
  s.addUser('alice', { fullName: 'Alice Release', password: 'alice', tokens: ['alice-token'], groups: ['release-managers'] });

  shopWeb(s, now);
  payments(s, now);
  platform(s, now);
  mobileApp(s, now);

  s.createJob('release-train', {
    description: 'Cuts and ships a release train',
    params: DEPLOY_PARAMS,
    concurrentBuild: false,
    script: releaseTrainScript,
  });
  history(
    s,
    ['release-train'],
    now,
    [
      ['SUCCESS', 'Release 2026.1', 'Alice'],
      ['FAILURE', 'Release 2026.2', 'Alice'],
    ],
    () => ({
      params: [
        { type: 'string', name: 'TARGET', value: 'prod' },
        { type: 'choice', name: 'REGION', value: 'eu-west-1' },
        { type: 'boolean', name: 'DRY_RUN', value: false },
        { type: 'text', name: 'NOTES', value: '' },
        { type: 'password', name: 'API_KEY', value: 'x' },
      ],
      causes: [{ kind: 'user', userId: 'alice', userName: 'Alice Release' }],
    }),
  );

  s.createJob('nightly-backup', { kind: 'freestyle', description: 'Backs up the database every night' });
  history(
    s,
    ['nightly-backup'],
    now,
    [
      ['SUCCESS', 'Rotate backups', 'Ops'],
      ['SUCCESS', 'Compress dumps', 'Ops'],
    ],
    () => ({ causes: [{ kind: 'timer' }] }),
  );
  s.createJob('legacy-build', { kind: 'freestyle', description: 'Disabled since the migration', disabled: true });
}

function shopWeb(s: JenkinsSim, now: number): void {
  s.createMultibranch('shop-web', { description: 'Customer-facing web shop', repoUrl: 'https://git.example.com/acme/shop-web.git' });
  for (const b of DEMO_BRANCHES) s.addBranch('shop-web', b, { script: standardPipeline({ archive: [jar('shop-web.jar'), report] }) });
  history(
    s,
    ['shop-web', 'main'],
    now,
    [
      ['SUCCESS', 'Bump version to 1.4.0', 'Alice'],
      ['FAILURE', 'Switch checkout to the new payment API', 'Bob'],
      ['SUCCESS', 'Fix checkout total rounding', 'Bob'],
    ],
    (i) => (i === 2 ? { artifacts: [jar('shop-web-1.4.0.jar'), report], log: () => longLogText(1200) } : {}),
  );
  history(s, ['shop-web', 'develop'], now, [
    ['SUCCESS', 'Merge feature/cart', 'Carol'],
    ['UNSTABLE', 'Add flaky search test', 'Dave'],
  ]);
  history(
    s,
    ['shop-web', 'feature/login'],
    now,
    [
      ['FAILURE', 'Add login form', 'Erin'],
      ['ABORTED', 'Login: remember me', 'Erin'],
    ],
    () => ({ causes: [{ kind: 'branch-event', branch: 'feature/login' }] }),
  );
  history(s, ['shop-web', 'release/1.2'], now, [['SUCCESS', 'Release 1.2.0', 'Alice']], () => ({
    artifacts: [jar('shop-web-1.2.0.jar'), report],
  }));
}

function payments(s: JenkinsSim, now: number): void {
  s.createMultibranch('payments', {
    description: 'Payment service (parameterized deploys)',
    repoUrl: 'https://git.example.com/acme/payments.git',
  });
  for (const b of DEMO_BRANCHES) s.addBranch('payments', b, { params: DEPLOY_PARAMS, script: releaseTrainScript });
  history(s, ['payments', 'main'], now, [
    ['SUCCESS', 'PCI: rotate keys', 'Frank'],
    ['SUCCESS', 'Idempotent refunds', 'Grace'],
  ]);
  history(s, ['payments', 'develop'], now, [['FAILURE', 'Try new ledger schema', 'Heidi']]);
  history(s, ['payments', 'release/1.2'], now, [['UNSTABLE', 'Release 1.2 candidate', 'Frank']]);
}

function platform(s: JenkinsSim, now: number): void {
  s.createFolder('platform', { description: 'Platform team' });
  s.createMultibranch('platform/deploy-api', { description: 'Deployment API', repoUrl: 'https://git.example.com/acme/deploy-api.git' });
  const approve: BuildStep[] = [
    ...standardPipeline({ stepMs: 300, lines: 6 }).slice(0, -1),
    { stage: 'Deploy' },
    { input: { id: 'approve', message: 'Deploy to production?', ok: 'Deploy' } },
    { log: `${ansi.green('Deployed')} to production\n` },
    { log: pipelineLine('End of Pipeline') },
  ];
  const promote: BuildStep[] = [
    { stage: 'Promote' },
    {
      input: {
        id: 'Promote',
        message: 'Promote release 1.2?',
        ok: 'Promote',
        submitter: 'admin,release-managers',
        parameters: [DEPLOY_PARAMS[1]],
      },
    },
    { log: 'Promoted\n' },
  ];
  s.addBranch('platform/deploy-api', 'main', { script: approve });
  s.addBranch('platform/deploy-api', 'develop');
  s.addBranch('platform/deploy-api', 'feature/login');
  s.addBranch('platform/deploy-api', 'release/1.2', { script: promote });
  history(s, ['platform', 'deploy-api', 'main'], now, [
    ['SUCCESS', 'Health checks on /ready', 'Ivan'],
    ['SUCCESS', 'Blue/green switch', 'Ivan'],
  ]);
  history(s, ['platform', 'deploy-api', 'develop'], now, [['SUCCESS', 'Refactor deploy planner', 'Judy']]);
  // Runs that wait at their input steps as soon as the emulator starts.
  s.trigger(['platform', 'deploy-api', 'main'], { user: 'alice' });
  s.trigger(['platform', 'deploy-api', 'release/1.2'], { user: 'alice' });
}

function mobileApp(s: JenkinsSim, now: number): void {
  s.createMultibranch('mobile-app', { description: 'Android app', repoUrl: 'https://git.example.com/acme/mobile-app.git' });
  s.addBranch('mobile-app', 'main', {
    script: standardPipeline({ archive: [{ path: 'app/build/outputs/apk/release/app-release.apk', content: { size: 120_000 } }] }),
  });
  s.addBranch('mobile-app', 'develop', {
    script: [...longColouredLog(3000), { archive: { path: 'app/build/outputs/apk/debug/app-debug.apk', content: { size: 90_000 } } }],
  });
  history(s, ['mobile-app', 'main'], now, [['SUCCESS', 'Material 3 theme', 'Ken']], () => ({
    artifacts: [{ path: 'app/build/outputs/apk/release/app-release.apk', content: { size: 120_000 } }],
  }));
  // A long coloured log that is still growing when the demo starts.
  s.trigger(['mobile-app', 'develop'], { user: 'dev' });
}

function releaseTrainScript(ctx: { params: Record<string, string | boolean> }): BuildStep[] {
  const steps = standardPipeline({ lines: 8 }).slice(0, -1);
  steps.push(
    { stage: 'Deploy' },
    {
      log: `Deploying to ${ctx.params.TARGET ?? 'staging'} in ${ctx.params.REGION ?? 'eu-west-1'}${ctx.params.DRY_RUN ? ' (dry run)' : ''}\n`,
    },
  );
  if (ctx.params.TARGET === 'fail') steps.push({ fail: 'deployment target refused the release' });
  steps.push({ log: pipelineLine('End of Pipeline') });
  return steps;
}

function longLogText(lines: number): string {
  let out = pipelineLine('stage') + pipelineLine('{ (Build)');
  for (let i = 1; i <= lines; i++) out += colouredBuildLine(i);
  return out + pipelineLine('End of Pipeline');
}

/**
 * N multibranch projects × M branches with one finished run each (logs produced only when read):
 * the data set of the sync benchmark. Names: proj-0001 … and main, develop, feature/f-1 …
 */
export function generateProjects(s: JenkinsSim, opts: { projects: number; branches: number; folder?: string; now?: number }): void {
  const now = opts.now ?? Date.now();
  const results: Result[] = ['SUCCESS', 'SUCCESS', 'FAILURE', 'SUCCESS', 'UNSTABLE', 'ABORTED'];
  if (opts.folder) s.createFolder(opts.folder);
  for (let p = 1; p <= opts.projects; p++) {
    const name = `${opts.folder ? `${opts.folder}/` : ''}proj-${String(p).padStart(4, '0')}`;
    s.createMultibranch(name, { description: `Generated project ${p}`, repoUrl: `https://git.example.com/gen/${p}.git` });
    for (let b = 0; b < opts.branches; b++) {
      const branch = b === 0 ? 'main' : b === 1 ? 'develop' : b % 5 === 0 ? `release/1.${b}` : `feature/f-${b}`;
      const job = s.addBranch(name, branch);
      const at = now - ((p * 31 + b * 7) % 240) * 60_000;
      s.addHistory([...name.split('/'), job.name], {
        result: results[(p + b) % results.length],
        timestamp: at,
        durationMs: 30_000 + b * 1000,
        commits: [commit(name, `Change ${b} of ${name}`, `dev${b % 9}`, at - 60_000)],
      });
    }
  }
}
