#!/usr/bin/env node
// `npm run demo`: the Jenkins emulator with its demo fixture, and Gatehouse connected to it, in one
// command. Gatehouse keeps its data in ./data-demo (GATEHOUSE_DATA_DIR overrides) and syncs at start.
// Ports: PORT (Gatehouse, 8080) and JENKINS_SIM_PORT (emulator, 8081).
import { spawn, execSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const simPort = process.env.JENKINS_SIM_PORT ?? '8081';
const port = process.env.PORT ?? '8080';
const password = process.env.GATEHOUSE_ADMIN_PASSWORD ?? 'Demo#Pass1234';

execSync(`${process.execPath} scripts/ensure-built.mjs`, { cwd: root, stdio: 'inherit' });

const children = [];
const stop = () => {
  for (const c of children) c.kill('SIGTERM');
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

const sim = spawn(join(root, 'node_modules/.bin/tsx'), ['tools/jenkins-sim/main.ts', '--port', simPort, '--time-scale', '0.3'], {
  cwd: root,
  stdio: ['ignore', 'pipe', 'inherit'],
});
children.push(sim);
await new Promise((resolve, reject) => {
  sim.stdout.on('data', (d) => {
    process.stdout.write(`[jenkins-sim] ${d}`);
    if (String(d).includes('listening')) resolve();
  });
  sim.on('exit', (code) => reject(new Error(`the Jenkins emulator exited (${code}); is port ${simPort} free? Set JENKINS_SIM_PORT.`)));
});

const gh = spawn(process.execPath, ['server/dist/main.js'], {
  cwd: root,
  stdio: 'inherit',
  env: {
    ...process.env,
    PORT: port,
    GATEHOUSE_DATA_DIR: process.env.GATEHOUSE_DATA_DIR ?? join(root, 'data-demo'),
    GATEHOUSE_ADMIN_PASSWORD: password,
    JENKINS_URL: `http://127.0.0.1:${simPort}`,
    JENKINS_USER: 'admin',
    JENKINS_TOKEN: 'admin-token',
  },
});
children.push(gh);
console.log(`\nGatehouse demo: http://localhost:${port}  (admin / ${password}), Jenkins emulator: http://127.0.0.1:${simPort}\n`);
gh.on('exit', (code) => {
  stop();
  process.exit(code ?? 0);
});
sim.on('exit', () => gh.kill('SIGTERM'));
