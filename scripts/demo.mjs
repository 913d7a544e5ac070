#!/usr/bin/env node
// `npm run demo`: the Jenkins emulator with its demo fixture, the Telegram Bot API emulator, and
// Gatehouse connected to both, in one command. Gatehouse keeps its data in ./data-demo
// (GATEHOUSE_DATA_DIR overrides) and syncs at start. Ports: PORT (Gatehouse, 8080),
// JENKINS_SIM_PORT (8081) and TELEGRAM_SIM_PORT (8082).
import { spawn, execSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const simPort = process.env.JENKINS_SIM_PORT ?? '8081';
const port = process.env.PORT ?? '8080';
const tgPort = process.env.TELEGRAM_SIM_PORT ?? '8082';
const tgToken = '123456:DEMO-TOKEN';
// The demo approval chat: every approval request is posted there (see /__control on the emulator).
const tgChat = '-1001000';
const password = process.env.GATEHOUSE_ADMIN_PASSWORD ?? 'Demo#Pass1234';

execSync(`${process.execPath} scripts/ensure-built.mjs`, { cwd: root, stdio: 'inherit' });

const children = [];
const stop = () => {
  for (const c of children) c.kill('SIGTERM');
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

/** Start an emulator and resolve once it prints that it is listening. */
function startEmulator(name, args, portVar, portValue) {
  const child = spawn(join(root, 'node_modules/.bin/tsx'), args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => {
      process.stdout.write(`[${name}] ${d}`);
      if (String(d).includes('listening')) resolve(child);
    });
    child.on('exit', (code) => reject(new Error(`the ${name} emulator exited (${code}); is port ${portValue} free? Set ${portVar}.`)));
  });
}

const sim = await startEmulator(
  'jenkins-sim',
  ['tools/jenkins-sim/main.ts', '--port', simPort, '--time-scale', '0.3'],
  'JENKINS_SIM_PORT',
  simPort,
);
const tg = await startEmulator(
  'telegram-sim',
  ['tools/telegram-sim/main.ts', '--port', tgPort, '--token', tgToken],
  'TELEGRAM_SIM_PORT',
  tgPort,
);

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
    TELEGRAM_BOT_TOKEN: tgToken,
    TELEGRAM_API_ROOT: `http://127.0.0.1:${tgPort}`,
    GATEHOUSE__TELEGRAM__APPROVAL_CHATS: tgChat,
  },
});
children.push(gh);
console.log(
  `\nGatehouse demo: http://localhost:${port}  (admin / ${password}), Jenkins emulator: http://127.0.0.1:${simPort}, Telegram emulator: http://127.0.0.1:${tgPort} (approval chat ${tgChat})\n`,
);
gh.on('exit', (code) => {
  stop();
  process.exit(code ?? 0);
});
sim.on('exit', () => gh.kill('SIGTERM'));
tg.on('exit', () => gh.kill('SIGTERM'));
