#!/usr/bin/env node
// Idle memory and time to healthy (DESIGN.md targets: ≤ 80 MB RSS with every module loaded,
// ≤ 500 ms from launch to a healthy /health), side by side with bare Node as the anchor.
// Usage: npm run bench:footprint   (builds first if needed; runs `npm start`'s server/dist/main.js)
import { spawn } from 'node:child_process';
import { execSync } from 'node:child_process';
import { relative } from 'node:path';
import { ADMIN_PASSWORD, MAIN, rssMb, sleep, startGatehouse, writeResults, median, root } from './lib.mjs';

execSync('node scripts/ensure-built.mjs', { cwd: root, stdio: 'inherit' });
const LAUNCHES = 5;
const IDLE_MS = 3000;
const SETTLED_MS = 30_000;
const times = [];
const idle = [];
let settled = NaN;
let firstStart = NaN;
let dataDir;
for (let i = 0; i <= LAUNCHES; i++) {
  // Launch 0 is a first start (migrations, bcrypt-hashing the admin password); the rest restart it.
  const g = await startGatehouse({ port: 18500 + i, dataDir });
  dataDir = g.dir;
  if (i === 0) firstStart = g.healthyMs;
  else times.push(g.healthyMs);
  // Sign in once so the session, access and audit paths are loaded too, then let it settle.
  await fetch(`${g.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
  });
  await sleep(IDLE_MS);
  idle.push(rssMb(g.child.pid));
  if (i === 0) {
    // Left alone longer, V8 shrinks the young generation it grew during start-up.
    await sleep(SETTLED_MS - IDLE_MS);
    settled = rssMb(g.child.pid);
  }
  await g.stop();
}

const bareRss = [];
const bareStart = [];
for (let i = 0; i < 3; i++) {
  const bare = spawn(process.execPath, ['-e', 'setInterval(()=>{},1000)']);
  await sleep(1500);
  bareRss.push(rssMb(bare.pid));
  bare.kill();
  const t0 = performance.now();
  execSync(`${process.execPath} -e "require('http').createServer().listen(0,()=>process.exit(0))"`);
  bareStart.push(performance.now() - t0);
}
const anchorRss = median(bareRss);
const anchorStart = median(bareStart);
const idleMb = median(idle);

writeResults(
  'footprint',
  'Footprint: idle memory and time to healthy',
  [
    {
      measure: `idle RSS ${IDLE_MS / 1000} s after start + one sign-in (median of ${idle.length} launches)`,
      gatehouse: `${idleMb.toFixed(1)} MB (${Math.min(...idle).toFixed(1)}–${Math.max(...idle).toFixed(1)})`,
      anchor: `bare Node ${anchorRss.toFixed(1)} MB`,
      ratio: `${(idleMb / anchorRss).toFixed(2)}× bare Node`,
      target: '≤ 80 MB',
      verdict: idleMb <= 80 ? 'met' : 'missed',
    },
    {
      measure: `RSS ${SETTLED_MS / 1000} s after the first start + sign-in`,
      gatehouse: `${settled.toFixed(1)} MB`,
      anchor: `bare Node ${anchorRss.toFixed(1)} MB`,
      ratio: `${(settled / anchorRss).toFixed(2)}× bare Node`,
      target: '—',
      verdict: '—',
    },
    {
      measure: 'first start → healthy (migrations + admin bcrypt)',
      gatehouse: `${firstStart.toFixed(0)} ms`,
      anchor: `bare Node listen ${anchorStart.toFixed(0)} ms`,
      ratio: `${(firstStart / anchorStart).toFixed(1)}× bare Node`,
      target: '—',
      verdict: '—',
    },
    {
      measure: `restart → healthy /health (median of ${LAUNCHES})`,
      gatehouse: `${median(times).toFixed(0)} ms (best ${Math.min(...times).toFixed(0)})`,
      anchor: `bare Node listen ${anchorStart.toFixed(0)} ms`,
      ratio: `${(median(times) / anchorStart).toFixed(1)}× bare Node`,
      target: '≤ 500 ms',
      verdict: median(times) <= 500 ? 'met' : 'missed',
    },
  ],
  [
    'SQLite mode (the embedded default). Launch 0 starts on a fresh data directory (migrations, first',
    'admin); launches 1–5 restart on it. Every launch signs in once; RSS is read from /proc. Bare Node:',
    'medians of 3 (an idle `node -e` timer; spawn → listening HTTP server → exit).',
    `Server: ${relative(root, MAIN)}.`,
  ],
);
