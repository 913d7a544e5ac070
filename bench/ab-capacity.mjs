#!/usr/bin/env node
// Capacity of authorised calls, this build against another one, in alternating rounds on the same
// emulator catalogue (500 projects × 20 branches): what a change did, free of machine-to-machine
// differences. Usage: node bench/ab-capacity.mjs /path/to/other/server/dist/main.js [--rounds 2]
import autocannon from 'autocannon';
import { execSync } from 'node:child_process';
import { MAIN, root, writeResults } from './lib.mjs';
import { grantedUser, login, startGatehouseOn, startSim, waitSyncDone } from './jenkins-lib.mjs';

const other = process.argv[2];
if (!other) throw new Error('usage: node bench/ab-capacity.mjs <other server/dist/main.js> [--rounds N]');
const i = process.argv.indexOf('--rounds');
const ROUNDS = i > 0 ? Number(process.argv[i + 1]) : 2;
const PATHS = ['/api/me', '/api/projects/proj-0001/branches', '/api/projects', '/api/users?page=1&pageSize=20'];
const GRANTS = [
  { project: 'proj-0001', branch: '*', canView: true, canBuild: false },
  { project: 'proj-00*', branch: 'main', canView: true, canBuild: false },
  { project: '/^proj-01[0-4][0-9]$/', branch: 'release/*', canView: true, canBuild: false },
];
const run = (opts) => new Promise((res, rej) => autocannon({ connections: 10, ...opts }, (e, r) => (e ? rej(e) : res(r))));

execSync('node scripts/ensure-built.mjs', { cwd: root, stdio: 'inherit' });
const sim = await startSim({ projects: 500, branches: 20 });

async function measure(main, port) {
  const g = await startGatehouseOn(sim, { port, main });
  const admin = await login(g.url);
  await waitSyncDone(g.url, admin);
  const token = await grantedUser(g.url, admin, GRANTS);
  const out = {};
  for (const path of PATHS) {
    const headers = { authorization: `Bearer ${path.startsWith('/api/users') ? admin : token}` };
    await run({ url: g.url + path, headers, duration: 2 });
    out[path] = (await run({ url: g.url + path, headers, duration: 5 })).requests.average;
  }
  await g.stop();
  return out;
}

const samples = { this: [], other: [] };
for (let r = 0; r < ROUNDS; r++) {
  // Alternate which goes first, so a machine that slows down over time favours neither.
  const order = r % 2 ? ['other', 'this'] : ['this', 'other'];
  for (const who of order) samples[who].push(await measure(who === 'this' ? MAIN : other, 18640));
}
await sim.stop();
const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rows = PATHS.map((p) => {
  const a = med(samples.this.map((s) => s[p]));
  const b = med(samples.other.map((s) => s[p]));
  return {
    call: `GET ${p}`,
    'this build (req/s)': Math.round(a),
    'other build (req/s)': Math.round(b),
    'this / other': `${(a / b).toFixed(2)}×`,
  };
});
writeResults('ab-capacity', `Capacity of authorised calls: this build vs ${other} (${ROUNDS} alternating rounds, SQLite)`, rows, [
  'Closed loop, 10 connections, 5 s per call after 2 s of warm-up; median of the rounds. The user holds 3 grants and sees 150 projects; /api/users is called by the administrator.',
  'Both builds run against one emulator process with the same catalogue; each round starts a fresh data directory.',
]);
