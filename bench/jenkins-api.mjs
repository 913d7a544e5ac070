#!/usr/bin/env node
// Authorised Jenkins list calls under load with 500 projects × 20 branches synced (DESIGN.md target:
// p99 < 10 ms at 2,000 req/s on 2 cores), side by side with the framework floor: a bare Fastify
// route at the same rate on the same machine (as api-latency.mjs). The caller is a normal user with
// a few grants (exact, glob and regex scopes), so every call filters the catalogue by grants.
// Usage: npm run bench:jenkins-api [-- --seconds 10 --rate 2000 --projects 500 --branches 20]
import { spawn, execSync } from 'node:child_process';
import autocannon from 'autocannon';
import { root, sleep, writeResults } from './lib.mjs';
import { api, grantedUser, login, paced, startGatehouseOn, startSim, waitSyncDone, loadNote } from './jenkins-lib.mjs';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const SECONDS = arg('seconds', 10);
const RATE = arg('rate', 2000);
const PROJECTS = arg('projects', 500);
const BRANCHES = arg('branches', 20);
const GRANTS = [
  { project: 'proj-0001', branch: '*', canView: true, canBuild: true },
  { project: 'proj-00*', branch: 'main', canView: true, canBuild: false },
  { project: '/^proj-01[0-4][0-9]$/', branch: 'release/*', canView: true, canBuild: false },
  { project: 'proj-0250', branch: 'feature/*', canView: true, canBuild: true },
];

const run = (opts) => new Promise((resolve, reject) => autocannon({ connections: 50, ...opts }, (e, r) => (e ? reject(e) : resolve(r))));
/** autocannon's numbers in the shape paced() answers. */
const fromAutocannon = (r) => ({
  rate: r.requests.average,
  p50: r.latency.p50,
  p99: r.latency.p99,
  p999: r.latency.p99_9 ?? r.latency.p999,
  errors: r.errors + r.non2xx,
});
const ms = (v) => `${v >= 10 ? Math.round(v) : v.toFixed(1)} ms`;
const row = (name, gen, r, anchor, capacity) => ({
  load: name,
  generator: gen,
  'req/s achieved': `${Math.round(r.rate)}${r.saturated ? ' (saturated, stopped)' : ''}`,
  'capacity (unpaced)': `${Math.round(capacity)} req/s`,
  p50: ms(r.p50),
  p99: ms(r.p99),
  'p99.9': ms(r.p999),
  errors: r.errors,
  'vs floor (p99)': anchor ? `${(r.p99 / Math.max(anchor.p99, 1)).toFixed(1)}×` : '1× (floor)',
  verdict: anchor ? (r.p99 < 10 && r.errors === 0 && !r.saturated ? 'met' : 'missed') : '—',
});

execSync('node scripts/ensure-built.mjs', { cwd: root, stdio: 'inherit' });
const sim = await startSim({ projects: PROJECTS, branches: BRANCHES });
const g = await startGatehouseOn(sim, { port: 18620 });
const admin = await login(g.url);
const synced = await waitSyncDone(g.url, admin);
if (synced.sync.status !== 'succeeded') throw new Error(`sync ${synced.sync.status}: ${synced.sync.error}`);

const token = await grantedUser(g.url, admin, GRANTS);
const auth = { authorization: `Bearer ${token}` };

// What the user sees, checked before loading it (a list that came back empty would measure nothing).
const projects = await api(g.url, token, 'GET', '/api/projects');
const branches = await api(g.url, token, 'GET', '/api/projects/proj-0001/branches');
const all = await api(g.url, admin, 'GET', '/api/projects');
if (!projects.items.length || branches.items.length !== BRANCHES) throw new Error('the grants do not show what they should');
const visibleBranches = projects.items.reduce((n, p) => n + p.branchCount, 0);

const floor = spawn(process.execPath, ['-e', `require('fastify')().get('/x',async()=>({ok:true})).listen({port:18621,host:'127.0.0.1'})`], {
  cwd: root,
});
await sleep(1500);

const targets = {
  branches: { url: `${g.url}/api/projects/proj-0001/branches`, headers: auth },
  projects: { url: `${g.url}/api/projects`, headers: auth },
  adminProjects: { url: `${g.url}/api/projects`, headers: { authorization: `Bearer ${admin}` } },
};
for (const t of Object.values(targets)) await run({ ...t, duration: 2, overallRate: RATE }); // warm-up
// Each load twice: autocannon as in api-latency.mjs, then the open-loop constant-rate generator.
// Capacity: closed loop, 10 connections, no rate — what the endpoint can serve at most here.
const both = async (t) => ({
  ac: fromAutocannon(await run({ ...t, duration: SECONDS, overallRate: RATE })),
  paced: await paced({ ...t, rate: RATE, seconds: SECONDS }),
  capacity: (await run({ ...t, duration: 5, connections: 10 })).requests.average,
});
const floorR = await both({ url: 'http://127.0.0.1:18621/x' });
const branchesR = await both(targets.branches);
const projectsR = await both(targets.projects);
const adminR = await both(targets.adminProjects);
floor.kill();
await g.stop();
await sim.stop();

const loads = [
  ['bare Fastify GET (anchor)', floorR],
  [`GET /api/projects/proj-0001/branches, user (${branches.items.length} branches)`, branchesR],
  [`GET /api/projects, user (${projects.items.length} projects)`, projectsR],
  [`GET /api/projects, admin (${all.items.length} projects)`, adminR],
];
const rows = [];
for (const [gen, key, anchor] of [
  ['autocannon', 'ac', floorR.ac],
  ['open loop', 'paced', floorR.paced],
]) {
  for (const [name, r] of loads) rows.push(row(name, gen, r[key], r === floorR ? null : anchor, r.capacity));
}
writeResults(
  'jenkins-api',
  `Jenkins list calls at ${RATE} req/s for ${SECONDS} s, ${PROJECTS} × ${BRANCHES} synced (SQLite, 2 cores shared with the load generator)`,
  rows,
  [
    `Target: p99 < 10 ms at ${RATE} req/s for authorised list calls. The user holds ${GRANTS.length} grants (${GRANTS.map((x) => `${x.project} » ${x.branch}`).join('; ')}) and sees ${projects.items.length} projects / ${visibleBranches} branches of ${all.items.length} / ${PROJECTS * BRANCHES}.`,
    'Each call authenticates the bearer token (session and user re-read), takes the compiled grants from the cache, and filters the in-memory catalogue (every branch of every project for GET /api/projects) — no per-branch query. The admin row is extra context: the largest answer (every project).',
    `Answer sizes: branches ${(JSON.stringify(branches).length / 1024).toFixed(1)} KB, user's projects ${(JSON.stringify(projects).length / 1024).toFixed(1)} KB, admin's projects ${(JSON.stringify(all).length / 1024).toFixed(1)} KB.`,
    'Two generators, both in the bench process with 50 connections; the emulator (idle after the sync) and the bare-Fastify anchor run in their own processes on the same 2 cores. **autocannon** (as bench/api-latency.mjs) enforces its rate as a per-connection quota reset every second, so each second starts with a closed-loop burst of all 2,000 requests, and with a rate set it records each latency with coordinated-omission correction at a 1 ms expected interval (a 60 ms answer adds 60 samples) — that is why even the bare-Fastify floor shows a p99 of tens of ms. **open loop** (jenkins-lib.mjs `paced`, wrk2-style) sends request i at t0 + i/rate and measures from that moment: evenly spaced load, latency including any queueing; it stops early (saturated) once 2 s of requests are outstanding. Capacity: autocannon without a rate, 10 connections, 5 s.',
    loadNote(),
  ],
);
