#!/usr/bin/env node
// Authorised API latency under load (DESIGN.md target: p99 < 10 ms at 2,000 req/s on 2 cores),
// side by side with the framework floor: a bare Fastify route at the same rate on the same machine.
// Sign-in latency is reported too; it is bound by bcrypt cost 12 by design.
// Usage: npm run bench:api [-- --seconds 10 --rate 2000]
import { spawn, execSync } from 'node:child_process';
import autocannon from 'autocannon';
import { ADMIN_PASSWORD, root, sleep, startGatehouse, writeResults } from './lib.mjs';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const SECONDS = arg('seconds', 10);
const RATE = arg('rate', 2000);

const run = (opts) => new Promise((resolve, reject) => autocannon({ connections: 50, ...opts }, (e, r) => (e ? reject(e) : resolve(r))));
const row = (name, r, anchor) => ({
  load: name,
  'req/s achieved': Math.round(r.requests.average),
  p50: `${r.latency.p50} ms`,
  p99: `${r.latency.p99} ms`,
  'p99.9': `${r.latency.p99_9 ?? r.latency.p999} ms`,
  errors: r.errors + r.non2xx,
  'vs floor (p99)': anchor ? `${(r.latency.p99 / Math.max(anchor.latency.p99, 1)).toFixed(1)}×` : '1× (floor)',
});

execSync('node scripts/ensure-built.mjs', { cwd: root, stdio: 'inherit' });
const g = await startGatehouse({ port: 18600 });
const login = await fetch(`${g.url}/api/auth/login`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
});
const { accessToken } = await login.json();
const auth = { authorization: `Bearer ${accessToken}` };

// The framework floor: bare Fastify, one JSON route, in its own process.
const floor = spawn(process.execPath, ['-e', `require('fastify')().get('/x',async()=>({ok:true})).listen({port:18601,host:'127.0.0.1'})`], {
  cwd: root,
});
await sleep(1500);

await run({ url: `${g.url}/api/me`, headers: auth, duration: 3, overallRate: RATE }); // warm-up
const floorR = await run({ url: 'http://127.0.0.1:18601/x', duration: SECONDS, overallRate: RATE });
const meR = await run({ url: `${g.url}/api/me`, headers: auth, duration: SECONDS, overallRate: RATE });
const usersR = await run({ url: `${g.url}/api/users?page=1&pageSize=20`, headers: auth, duration: SECONDS, overallRate: RATE });
const loginR = await run({
  url: `${g.url}/api/auth/login`,
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
  connections: 4,
  duration: 5,
});
floor.kill();
await g.stop();

writeResults(
  'api-latency',
  `API latency at ${RATE} req/s for ${SECONDS} s (SQLite, 2 cores shared with the load generator)`,
  [
    row('bare Fastify GET (anchor)', floorR),
    row('GET /api/me (authorised)', meR, floorR),
    row('GET /api/users page of 20 (authorised list)', usersR, floorR),
    row('POST /api/auth/login, 4 connections (bcrypt cost 12)', loginR, floorR),
  ],
  [
    `Target: p99 < 10 ms at ${RATE} req/s for authorised calls. Every authorised call re-reads its session and user and checks the grant cache, so revocation is immediate.`,
    'Sign-in is bound by bcrypt cost 12 on purpose (about 0.3 s of CPU per attempt); its throughput is at most ~2 × cores / 0.3 s.',
  ],
);
