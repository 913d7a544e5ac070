#!/usr/bin/env node
// Builds the server and the web app when their output is missing or older than their sources, so
// `npm start` works right after `npm ci` and after every pull, without rebuilding when nothing changed.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { execSync } from 'node:child_process';

function newest(dir) {
  let t = 0;
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const p = join(dir, name);
    const st = statSync(p);
    t = Math.max(t, st.isDirectory() ? newest(p) : st.mtimeMs);
  }
  return t;
}
const stale = (out, ...srcs) => !existsSync(out) || Math.max(...srcs.map(newest)) > statSync(out).mtimeMs;

const steps = [
  ['server', 'server/dist/main.js', ['server/src'], 'npm run build:server'],
  ['web app', 'web/dist/index.html', ['web/src', 'server/src'], 'npm run build:web'],
];
for (const [name, out, srcs, cmd] of steps) {
  if (!srcs.every(existsSync)) continue;
  if (stale(out, ...srcs)) {
    console.log(`Building the ${name} (${cmd}) …`);
    execSync(cmd, { stdio: 'inherit' });
  }
}
