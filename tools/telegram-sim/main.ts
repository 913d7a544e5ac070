/**
 * Standalone emulator: `npm run telegram-sim -- --port 8081 --token 123:ABC`. Point the bot's API
 * root at the printed URL; drive users through /__control/… (see README.md).
 */
import { parseArgs } from 'node:util';
import { createTelegramSim } from './index.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8081' },
    host: { type: 'string', default: '127.0.0.1' },
    token: { type: 'string', default: '123456:TEST-TOKEN' },
    username: { type: 'string', default: 'gatehouse_bot' },
    'strict-chats': { type: 'boolean', default: false },
  },
});

const sim = await createTelegramSim({
  port: Number(values.port),
  host: values.host,
  token: values.token,
  botUsername: values.username,
  strictChats: values['strict-chats'],
});

console.log(`Telegram Bot API emulator listening on ${sim.url} (token ${sim.token}, bot @${sim.botUsername})`);
console.log(`  e.g. curl -X POST ${sim.url}/__control/sendUserMessage -H 'content-type: application/json' \\`);
console.log(`         -d '{"from":{"id":1001,"username":"alice","first_name":"Alice"},"text":"/start"}'`);

const stop = () => {
  void sim.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
