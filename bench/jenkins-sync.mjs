#!/usr/bin/env node
// Jenkins sync of 500 projects × 20 branches on the emulator (DESIGN.md target: < 5 s and ≤ 1
// request per project), side by side with the floor: the same tree queries (one listing, then one
// per project) fetched with plain undici at the same concurrency, JSON-parsed, no database.
// Requests are counted by the emulator itself (its in-memory request log, read over IPC from the
// child process that runs it — see jenkins-sim-host.mjs), so nothing sits between Gatehouse and it.
// Usage: npm run bench:jenkins-sync [-- --projects 500 --branches 20 --quiet-runs 3]
import { execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { root, median, writeResults } from './lib.mjs';
import { api, fmtMs, login, ratio, startGatehouseOn, startSim, waitSyncDone, loadNote } from './jenkins-lib.mjs';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const PROJECTS = arg('projects', 500);
const BRANCHES = arg('branches', 20);
const QUIET_RUNS = arg('quiet-runs', 3);
const CONCURRENCY = 8; // jenkins.syncConcurrency default

execSync('node scripts/ensure-built.mjs', { cwd: root, stdio: 'inherit' });
// The exact tree specs Gatehouse sends, from the built client (so the floor asks the same questions).
const q = await import(join(root, 'server/dist/modules/jenkins/client/queries.js'));
const { jobUrlPath } = await import(join(root, 'server/dist/modules/jenkins/client/paths.js'));

/** CPU seconds (user + system) a process has used so far. */
function cpuSeconds(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

/** The floor: listing + one tree query per project, `CONCURRENCY` in flight, keep-alive pool of 16. */
async function floorSync(url) {
  const agent = new Agent({ connections: 16 });
  const auth = { authorization: `Basic ${Buffer.from('admin:admin-token').toString('base64')}` };
  const get = async (path) => {
    const r = await request(url + path, { dispatcher: agent, headers: auth });
    if (r.statusCode !== 200) throw new Error(`${path} → ${r.statusCode}`);
    return JSON.parse(await r.body.text());
  };
  const t0 = performance.now();
  const rootJson = await get(`/${q.api(q.itemsTree())}`);
  const names = rootJson.jobs.map((j) => j.name);
  let next = 0;
  let branches = 0;
  const worker = async () => {
    while (next < names.length) {
      const p = await get(jobUrlPath([names[next++]]) + q.api(q.PROJECT_TREE));
      branches += p.jobs.length;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const ms = performance.now() - t0;
  await agent.close();
  return { ms, projects: names.length, branches };
}

const sim = await startSim({ projects: PROJECTS, branches: BRANCHES });
const span = (s) => s.lastAt - s.firstAt;
// Warm the emulator's code paths once, so neither side pays its JIT warm-up.
await floorSync(sim.url);
await sim.call('clear');

// First sync: Gatehouse starts it by itself at start (Jenkins configured, never synced).
const g = await startGatehouseOn(sim, { port: 18610 });
const token = await login(g.url);
const first = await waitSyncDone(g.url, token, { everyMs: 5 });
const firstStats = await sim.call('stats');
if (first.sync.status !== 'succeeded') throw new Error(`first sync ${first.sync.status}: ${first.sync.error}`);
const firstMs = first.seenAt - Date.parse(first.sync.startedAt);

// Quiet re-syncs: nothing changed in Jenkins.
const quiet = [];
let lastId = first.sync.id;
for (let i = 0; i < QUIET_RUNS; i++) {
  await sim.call('clear');
  const cpu0 = cpuSeconds(g.child.pid);
  const t0 = Date.now();
  await api(g.url, token, 'POST', '/api/jenkins/sync');
  const done = await waitSyncDone(g.url, token, { notId: lastId, everyMs: 5 });
  if (done.sync.status !== 'succeeded') throw new Error(`re-sync ${done.sync.status}: ${done.sync.error}`);
  lastId = done.sync.id;
  quiet.push({ ms: done.seenAt - t0, cpu: cpuSeconds(g.child.pid) - cpu0, stats: await sim.call('stats'), sync: done.sync });
}
await g.stop();

const floors = [];
for (let i = 0; i < 3; i++) {
  await sim.call('clear');
  const f = await floorSync(sim.url);
  floors.push({ ...f, stats: await sim.call('stats') });
}
await sim.stop();

const floorMs = median(floors.map((f) => f.ms));
const floorSpan = median(floors.map((f) => span(f.stats)));
const quietMs = median(quiet.map((x) => x.ms));
const perProject = (s) => {
  const perProj = s.byKind['GET project tree'] ?? 0;
  return { total: s.total, perProj, other: s.total - perProj };
};
const reqCell = (s) => {
  const c = perProject(s);
  return `${c.total} (${c.perProj} project trees + ${c.other} other)`;
};
const verdict = (ms, s) => {
  const c = perProject(s);
  return ms < 5000 && c.perProj <= PROJECTS && s.non2xx === 0 ? 'met' : 'missed';
};

writeResults(
  'jenkins-sync',
  `Jenkins sync: ${PROJECTS} projects × ${BRANCHES} branches on the emulator (SQLite, 2 cores)`,
  [
    {
      run: `floor: same tree queries, undici, ${CONCURRENCY} in flight, no DB (median of 3)`,
      'wall time': fmtMs(floorMs),
      'emulator span (1st→last request)': fmtMs(floorSpan),
      'requests to Jenkins': reqCell(floors[0].stats),
      'Gatehouse CPU': '—',
      'vs floor': '1× (floor)',
      verdict: '—',
    },
    {
      run: 'Gatehouse first sync (empty catalogue, started by itself at start)',
      'wall time': fmtMs(firstMs),
      'emulator span (1st→last request)': fmtMs(span(firstStats)),
      'requests to Jenkins': reqCell(firstStats),
      'Gatehouse CPU': '—',
      'vs floor': ratio(firstMs, floorMs),
      verdict: verdict(firstMs, firstStats),
    },
    {
      run: `Gatehouse quiet re-sync, nothing changed (median of ${QUIET_RUNS})`,
      'wall time': `${fmtMs(quietMs)} (${quiet.map((x) => Math.round(x.ms)).join(', ')})`,
      'emulator span (1st→last request)': fmtMs(median(quiet.map((x) => span(x.stats)))),
      'requests to Jenkins': reqCell(quiet[0].stats),
      'Gatehouse CPU': `${median(quiet.map((x) => x.cpu)).toFixed(2)} s`,
      'vs floor': ratio(quietMs, floorMs),
      verdict: verdict(quietMs, quiet[0].stats),
    },
  ],
  [
    `Target: a full sync < 5 s and ≤ 1 request per project (here ${PROJECTS} project-tree requests plus the one listing request). Synced: ${first.sync.projects} projects, ${first.sync.branches} branches (floor saw ${floors[0].projects} / ${floors[0].branches}).`,
    "Wall time: first sync from the sync row's startedAt to the first poll (every 5 ms) that sees it finished — it includes the job runner picking the job up while Gatehouse is still booting; re-sync from POST /api/jenkins/sync to the poll that sees it finished. Both include writing the catalogue in one transaction. The floor is timed in-process from the first request to the last answer.",
    'The emulator (tools/jenkins-sim) runs in its own process (bench/jenkins-sim-host.mjs under `node --import tsx`); requests are counted from its own request log over IPC, no proxy in between. The emulator is warmed with one discarded floor pass first. It shares the 2 cores with Gatehouse, so part of each wall time is the emulator building JSON.',
    loadNote(),
  ],
);
