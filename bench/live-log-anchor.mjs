// The anchor of the live-log benchmark: a bare `ws` server that speaks just enough of Gatehouse's
// /api/ws protocol (auth → ready, subscribe → the log so far) and broadcasts the same frames —
// lines `tick <seq> <epoch ms> xxx…` written every everyMs, sent as one {topic,type:'log',text,
// start,nextStart} frame every pollMs, serialised once for all viewers. No auth, no permission
// check, no Jenkins, no backpressure bookkeeping: the floor of fanning a log out over WebSocket.
// Forked by live-log-viewers.mjs; commands over IPC: start, stop.
import { WebSocketServer } from 'ws';

const { port, topic, everyMs, pollMs, bytes } = JSON.parse(process.argv[2]);
const header = 'live log benchmark\n';
let offset = Buffer.byteLength(header);
let pending = '';
let seq = 0;
const flushes = [];
const subs = new Set();
const timers = [];

const wss = new WebSocketServer({ port, host: '127.0.0.1', maxPayload: 64 * 1024 });
wss.on('connection', (ws) => {
  ws.on('message', (data) => {
    const m = JSON.parse(String(data));
    if (m.type === 'auth') ws.send(JSON.stringify({ type: 'ready', user: 'anchor' }));
    else if (m.type === 'subscribe') {
      subs.add(ws);
      ws.send(JSON.stringify({ topic, type: 'log', text: header, start: 0, nextStart: Buffer.byteLength(header) }));
    }
  });
  ws.on('close', () => subs.delete(ws));
});

function start() {
  timers.push(
    setInterval(() => {
      const head = `tick ${++seq} ${Date.now()} `;
      pending += head + 'x'.repeat(Math.max(0, bytes - head.length - 1)) + '\n';
    }, everyMs),
    setInterval(() => {
      if (!pending) return;
      const s = offset;
      offset += Buffer.byteLength(pending);
      flushes.push({ start: s, at: Date.now() });
      const frame = JSON.stringify({ topic, type: 'log', text: pending, start: s, nextStart: offset });
      pending = '';
      for (const ws of subs) ws.send(frame);
    }, pollMs),
  );
}

function stop() {
  for (const t of timers) clearInterval(t);
  const end = JSON.stringify({ topic, type: 'end', result: 'SUCCESS', nextStart: offset });
  for (const ws of subs) ws.send(end);
  return { lines: seq, polls: flushes };
}

process.on('message', (m) => {
  if (m.cmd === 'start') start();
  const r = m.cmd === 'stop' ? stop() : {};
  process.send({ id: m.id, ok: true, ...r });
});
process.on('disconnect', () => process.exit(0));
wss.on('listening', () => process.send({ ready: true, url: `ws://127.0.0.1:${port}` }));
