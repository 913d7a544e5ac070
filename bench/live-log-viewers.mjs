#!/usr/bin/env node
// 5,000 WebSocket viewers of one running build's log (DESIGN.md target: p99 delivery lag < 250 ms),
// side by side with the anchor: a bare `ws` server broadcasting the same frames to as many clients
// (live-log-anchor.mjs). The emulator's build appends a line `tick <seq> <epoch ms> xxx…` every
// --every-ms; Gatehouse polls progressiveText every jenkins.logPollMs and fans each chunk out.
// Lags, per (viewer, chunk):
//   delivery  = viewer received − the chunk left Jenkins (the emulator's arrival time of the poll
//               that returned it; for the anchor, the moment it serialised the chunk)  ← the target
//   spread    = viewer received − the first viewer received the same chunk
//   line age  = viewer received − the line was written (bounded below by the poll interval)
// Usage: npm run bench:live-log [-- --viewers 5000 --seconds 30 --every-ms 50 --bytes 100 --poll-ms 1000]
import { execSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';
import { rssMb, root, sleep, writeResults } from './lib.mjs';
import { api, fmtMs, forkIpc, login, percentile, ratio, startGatehouseOn, startSim, waitSyncDone, loadNote } from './jenkins-lib.mjs';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const VIEWERS = arg('viewers', 5000);
const SECONDS = arg('seconds', 30);
const EVERY_MS = arg('every-ms', 50);
const BYTES = arg('bytes', 100);
const POLL_MS = arg('poll-ms', 1000);
const CONNECT_IN_FLIGHT = 200;
const PROJECT = 'live-bench';
const BRANCH = 'main';

// Each viewer is a socket in this process and in the server: the open-files limit must allow them.
// ulimit is per process and inherited, so when the soft limit is too low, re-run under a shell that
// raises it (up to the hard limit) for this process and the children it starts.
const softLimit = () => Number(/Max open files\s+(\d+)/.exec(readFileSync('/proc/self/limits', 'utf8'))?.[1] ?? 0);
const LIMIT_BEFORE = softLimit();
if (LIMIT_BEFORE < VIEWERS + 1024 && !process.env.BENCH_RAISED_NOFILE) {
  const want = VIEWERS * 2 + 4096;
  const r = spawnSync(
    'sh',
    ['-c', `ulimit -n ${want} 2>/dev/null || ulimit -n hard; exec "$0" "$@"`, process.execPath, ...process.argv.slice(1)],
    {
      stdio: 'inherit',
      env: { ...process.env, BENCH_RAISED_NOFILE: String(LIMIT_BEFORE) },
    },
  );
  process.exit(r.status ?? 1);
}
if (softLimit() < VIEWERS + 1024) throw new Error(`open-files limit ${softLimit()} is too low for ${VIEWERS} viewers`);
const limitNote = process.env.BENCH_RAISED_NOFILE
  ? `the open-files limit was ${process.env.BENCH_RAISED_NOFILE}; the bench re-ran itself under \`ulimit -n\` → ${softLimit()} (inherited by Gatehouse, the emulator and the anchor)`
  : `the open-files limit (${softLimit()}) was high enough; not raised`;

const now = () => performance.timeOrigin + performance.now();

/** One viewer: auth, subscribe, then record every frame it gets. Resolves once it has the log so far. */
function viewer(url, token, topic, rec) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    const me = { ws, lastNext: null, got: new Map(), gaps: 0, holes: 0, ends: 0, errors: [] };
    let subscribed = false;
    ws.on('open', () => ws.send(JSON.stringify({ type: 'auth', token })));
    ws.on('error', reject);
    ws.on('close', (code) => !subscribed && reject(new Error(`viewer closed before subscribing (${code})`)));
    ws.on('message', (data) => {
      const t = now();
      const m = JSON.parse(String(data));
      if (m.type === 'ready') return ws.send(JSON.stringify({ type: 'subscribe', topic }));
      if (m.gap) return void me.gaps++;
      if (m.type === 'error') return void me.errors.push(m.code);
      if (m.type === 'end') return void me.ends++;
      if (m.type !== 'log') return;
      if (me.lastNext !== null && m.start !== me.lastNext) me.holes++;
      me.lastNext = m.nextStart;
      me.got.set(m.start, t);
      if (!rec.texts.has(m.start)) rec.texts.set(m.start, m.text);
      if (!subscribed) {
        subscribed = true;
        resolve(me);
      }
    });
  });
}

async function connectAll(url, token, topic, rec) {
  const t0 = performance.now();
  const out = [];
  let next = 0;
  const worker = async () => {
    while (next < VIEWERS) {
      next++;
      out.push(await viewer(url, token, topic, rec));
    }
  };
  await Promise.all(Array.from({ length: CONNECT_IN_FLIGHT }, worker));
  return { viewers: out, ms: performance.now() - t0 };
}

/** Lags over every (viewer, chunk with tick lines); `polls` maps chunk start → when it left the source. */
function lags(viewers, rec, polls) {
  const delivery = [];
  const spread = [];
  const age = [];
  let chunks = 0;
  let missing = 0;
  for (const [start, text] of rec.texts) {
    const written = [...text.matchAll(/tick \d+ (\d+) /g)].map((x) => Number(x[1]));
    if (!written.length) continue; // the log from before the ticks started (catch-up on join)
    chunks++;
    const times = viewers.map((v) => v.got.get(start));
    const first = Math.min(...times.filter((t) => t !== undefined));
    const left = polls.get(start);
    for (const t of times) {
      if (t === undefined) {
        missing++;
        continue;
      }
      spread.push(t - first);
      if (left !== undefined) delivery.push(t - left);
      for (const w of written) age.push(t - w);
    }
  }
  const sort = (a) => a.sort((x, y) => x - y);
  return { delivery: sort(delivery), spread: sort(spread), age: sort(age), chunks, missing };
}

/** Connect, tick for SECONDS, stop; returns what the viewers saw and the server's memory. */
async function session({ label, wsUrl, token, topic, pid, startTicks, stopTicks, polls }) {
  const rec = { texts: new Map() };
  const rssIdle = rssMb(pid);
  const conn = await connectAll(wsUrl, token, topic, rec);
  console.log(`${label}: ${VIEWERS} viewers subscribed in ${Math.round(conn.ms)} ms`);
  await sleep(POLL_MS * 2);
  rec.texts.clear();
  for (const v of conn.viewers) v.got.clear();
  const tickFrom = Date.now();
  await startTicks();
  let rssMax = 0;
  for (let s = 0; s < SECONDS; s++) {
    await sleep(1000);
    rssMax = Math.max(rssMax, rssMb(pid));
  }
  const stopped = await stopTicks();
  const tickTo = Date.now();
  const deadline = Date.now() + POLL_MS * 3 + 5000;
  while (Date.now() < deadline && conn.viewers.some((v) => v.ends === 0)) await sleep(50);
  const pollList = await polls(stopped);
  const l = lags(conn.viewers, rec, new Map(pollList.map((x) => [x.start, x.at])));
  const pollsInRun = pollList.filter((x) => x.at >= tickFrom && x.at <= tickTo).length;
  const sum = (f) => conn.viewers.reduce((n, v) => n + f(v), 0);
  const errors = [...new Set(conn.viewers.flatMap((v) => v.errors))];
  for (const v of conn.viewers) v.ws.terminate();
  return {
    ...l,
    connectMs: conn.ms,
    rssIdle,
    rssMax,
    lines: stopped.lines,
    pollsPerSecond: (pollsInRun * 1000) / (tickTo - tickFrom),
    gaps: sum((v) => v.gaps),
    holes: sum((v) => v.holes),
    ends: sum((v) => (v.ends ? 1 : 0)),
    errors,
  };
}

execSync('node scripts/ensure-built.mjs', { cwd: root, stdio: 'inherit' });

// Gatehouse: the emulator serves one multibranch project whose build holds (it keeps running).
const sim = await startSim({});
const { number } = await sim.call('live', { project: PROJECT, branch: BRANCH });
const g = await startGatehouseOn(sim, { port: 18640, env: { GATEHOUSE__JENKINS__LOG_POLL_MS: String(POLL_MS) } });
const token = await login(g.url);
const synced = await waitSyncDone(g.url, token);
if (synced.sync.status !== 'succeeded') throw new Error(`sync ${synced.sync.status}: ${synced.sync.error}`);
await api(g.url, token, 'GET', `/api/projects/${PROJECT}/branches`);
const topic = `build-log:${encodeURIComponent(PROJECT)}/${encodeURIComponent(BRANCH)}/${number}`;
const gh = await session({
  label: 'Gatehouse',
  wsUrl: `${g.url.replace('http', 'ws')}/api/ws`,
  token,
  topic,
  pid: g.child.pid,
  startTicks: () => sim.call('ticks', { everyMs: EVERY_MS, bytes: BYTES }),
  stopTicks: () => sim.call('stopLive'),
  polls: async () => (await sim.call('polls')).polls,
});
await g.stop();
await sim.stop();

const anchor = await forkIpc('bench/live-log-anchor.mjs', [
  JSON.stringify({ port: 18641, topic, everyMs: EVERY_MS, pollMs: POLL_MS, bytes: BYTES }),
]);
const an = await session({
  label: 'anchor',
  wsUrl: anchor.url,
  token: 'none',
  topic,
  pid: anchor.child.pid,
  startTicks: () => anchor.call('start'),
  stopTicks: () => anchor.call('stop'),
  polls: async (stopped) => stopped.polls,
});
await anchor.stop();

const p = (xs, q) => fmtMs(percentile(xs, q));
const lagRow = (what, key, target) => ({
  measure: what,
  'Gatehouse p50 / p99 / max': `${p(gh[key], 50)} / ${p(gh[key], 99)} / ${fmtMs(gh[key].at(-1))}`,
  'anchor p50 / p99 / max': `${p(an[key], 50)} / ${p(an[key], 99)} / ${fmtMs(an[key].at(-1))}`,
  'ratio (p99)': ratio(percentile(gh[key], 99), percentile(an[key], 99)),
  target: target ?? '—',
  verdict: target ? (percentile(gh[key], 99) < 250 ? 'met' : 'missed') : '—',
});
const frames = (r) =>
  `${r.chunks} chunks × ${VIEWERS} = ${r.chunks * VIEWERS - r.missing} delivered, ${r.missing} missing, ${r.gaps} gap frames, ${r.holes} offset holes; ${r.ends}/${VIEWERS} got the end`;
writeResults(
  'live-log-viewers',
  `Live log: ${VIEWERS} WebSocket viewers of one running build, ${SECONDS} s (poll every ${POLL_MS} ms, a ${BYTES}-byte line every ${EVERY_MS} ms)`,
  [
    lagRow('delivery lag: chunk left Jenkins → viewer has it', 'delivery', 'p99 < 250 ms'),
    lagRow('fan-out spread: first viewer → viewer k', 'spread'),
    lagRow('line age: written in Jenkins → viewer has it', 'age'),
    {
      measure: 'frames',
      'Gatehouse p50 / p99 / max': frames(gh),
      'anchor p50 / p99 / max': frames(an),
      'ratio (p99)': '—',
      target: 'no gaps',
      verdict: gh.missing + gh.gaps + gh.holes === 0 ? 'met' : 'missed',
    },
    {
      measure: 'polls of the log source per second while ticking',
      'Gatehouse p50 / p99 / max': `${gh.pollsPerSecond.toFixed(2)} progressiveText requests/s to Jenkins`,
      'anchor p50 / p99 / max': `${an.pollsPerSecond.toFixed(2)} flushes/s`,
      'ratio (p99)': '—',
      target: `${(1000 / POLL_MS).toFixed(2)}/s (one poller per build)`,
      verdict: gh.pollsPerSecond <= (1000 / POLL_MS) * 1.1 ? 'met' : 'missed',
    },
    {
      measure: `server RSS: idle → max with ${VIEWERS} viewers`,
      'Gatehouse p50 / p99 / max': `${gh.rssIdle.toFixed(0)} MB → ${gh.rssMax.toFixed(0)} MB (${(((gh.rssMax - gh.rssIdle) * 1024) / VIEWERS).toFixed(1)} KB/viewer)`,
      'anchor p50 / p99 / max': `${an.rssIdle.toFixed(0)} MB → ${an.rssMax.toFixed(0)} MB (${(((an.rssMax - an.rssIdle) * 1024) / VIEWERS).toFixed(1)} KB/viewer)`,
      'ratio (p99)': ratio(gh.rssMax, an.rssMax),
      target: '—',
      verdict: '—',
    },
    {
      measure: `connect + auth + subscribe ${VIEWERS} (${CONNECT_IN_FLIGHT} at a time)`,
      'Gatehouse p50 / p99 / max': fmtMs(gh.connectMs),
      'anchor p50 / p99 / max': fmtMs(an.connectMs),
      'ratio (p99)': ratio(gh.connectMs, an.connectMs),
      target: '—',
      verdict: '—',
    },
  ],
  [
    `Target: ${VIEWERS} viewers, p99 delivery lag < 250 ms. Delivery lag runs from the moment the chunk left Jenkins — the emulator's arrival time of the progressiveText poll that returned it (the emulator answers in-process, well under a millisecond) — to the moment a viewer's socket in the bench process had the frame parsed; the anchor's starts when it serialised the chunk. Samples: every (viewer, chunk) pair, ${gh.chunks * VIEWERS - gh.missing} for Gatehouse.`,
    `Line age adds the poll: a line waits in Jenkins until Gatehouse asks again, up to jenkins.logPollMs (${POLL_MS} ms, the default is 1000) — so it is bounded below by the poll, not by the fan-out. Lower logPollMs trades Jenkins requests (one per running build per poll, however many viewers) for age.`,
    `All viewers use one admin access token; each socket authenticates and subscribes on its own (permission check per subscription); the pump polls Jenkins once per interval for all of them (${gh.lines} lines written). Viewers run in the bench process (one event loop parsing ${VIEWERS} frames per chunk), which adds the same receive-side delay to both columns. Gap frames: Gatehouse drops frames for a socket with more than 1 MB unsent and says {gap:true}; offset holes: a chunk whose start is not the previous nextStart.`,
    `Open files: ${limitNote}. Errors seen by viewers: Gatehouse ${gh.errors.join(', ') || 'none'}, anchor ${an.errors.join(', ') || 'none'}.`,
    loadNote(),
  ],
);
