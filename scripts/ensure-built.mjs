#!/usr/bin/env node
// Builds the server and the web app when their output is missing or older than their sources, so
// `npm start` works right after `npm ci` and after every pull, without rebuilding when nothing changed.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { execSync } from 'node:child_process';

function newest(path) {
  if (!statSync(path).isDirectory()) return statSync(path).mtimeMs;
  let t = 0;
  for (const name of readdirSync(path)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    t = Math.max(t, newest(join(path, name)));
  }
  return t;
}
const stale = (out, srcs) => !existsSync(out) || Math.max(...srcs.filter(existsSync).map(newest)) > statSync(out).mtimeMs;

// [name, output, sources (all must exist), further inputs, command]. The server bundle contains its
// dependencies' code, so an install (npm rewrites node_modules/.package-lock.json) or a changed
// build script rebuilds it too.
const serverInputs = ['package-lock.json', 'node_modules/.package-lock.json', 'scripts/build-server.mjs'];
const steps = [
  ['server', 'server/dist/main.js', ['server/src'], serverInputs, 'npm run build:server'],
  ['web app', 'web/dist/index.html', ['web/src', 'server/src'], [], 'npm run build:web'],
];
for (const [name, out, srcs, inputs, cmd] of steps) {
  if (!srcs.every(existsSync)) continue;
  if (stale(out, [...srcs, ...inputs])) {
    console.log(`Building the ${name} (${cmd}) …`);
    execSync(cmd, { stdio: 'inherit' });
  }
}
