#!/usr/bin/env node
// Gatehouse as a user runs it, on the harness's hosts (../shared/bench/fanout/hosts-up.sh N first):
// a real server process (server/dist/main.js, SQLite, fresh data dir), N targets created through
// POST /api/targets with the harness's client key (username root), each checked once (which pins its
// host key, as a user's first check does), one bash script `uname -a; echo done`, one task with
// concurrency N. Then RUNS times: POST /api/tasks/:id/run → the run's finished status on the
// WebSocket topic run:<id>; the hosts whose stored stdout has a `done` line are counted.
// Rows go to --tsv in run-anchors.sh's layout (tool expect run wall cpu busy mem ok rc), where
// cpu is the Gatehouse process's own user+sys CPU (ssh2 runs inside it; there are no ssh children).
// Usage: node bench/fanout/gatehouse-fanout.mjs --n 100 --tsv FILE [--runs 5] [--name gatehouse]
//        [--unwatched] [--fanout-dir /tmp/fanout] [--cpu-prof DIR]   (the server writes a .cpuprofile)
// --unwatched: nobody on the WebSocket; the client looks every 500 ms and the wall time is the run's
// stored finishedAt − the POST (row name gatehouse-unwatched). With an IPC channel (forked by
// session.mjs) it runs when told to, one run per message, so it can interleave with the anchors.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { ADMIN_PASSWORD, root, sleep, startGatehouse } from '../lib.mjs';
import { api, login } from '../jenkins-lib.mjs';
import { arg, procCpuS, saidDone, startMeasure, tsvRow } from './measure.mjs';

const N = Number(arg('n'));
const RUNS = Number(arg('runs', 5));
const TSV = arg('tsv');
const NAME = arg('name', 'gatehouse');
const D = arg('fanout-dir', process.env.FANOUT_DIR ?? '/tmp/fanout');
const PROF = arg('cpu-prof', null);
const UNWATCHED = process.argv.includes('--unwatched');
const PROJECT = 'fanout';
const SCRIPT = 'uname -a; echo done\n';
const IN_FLIGHT = 20; // setup calls at once (creating and checking targets is not timed)
const FINISHED = new Set(['succeeded', 'failed', 'cancelled', 'interrupted']);
if (!N || !TSV) throw new Error('usage: gatehouse-fanout.mjs --n N --tsv FILE [--runs 5]');

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

async function eachLimit(items, limit, fn) {
  const out = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** `node server/dist/main.js` on a fresh data dir (bench/lib.mjs's way), with --cpu-prof if asked. */
async function startServer(port) {
  if (!PROF) return startGatehouse({ port });
  // --cpu-prof is refused in NODE_OPTIONS, so this spawn passes it on the command line.
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-'));
  const child = spawn(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${PROF}`, join(root, 'server/dist/main.js')], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      GATEHOUSE_DATA_DIR: dir,
      GATEHOUSE_ADMIN_PASSWORD: ADMIN_PASSWORD,
      GATEHOUSE_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Gatehouse exited with ${child.exitCode}`);
    if (
      await fetch(`${url}/health`).then(
        (r) => r.status === 200,
        () => false,
      )
    )
      break;
    await sleep(5);
  }
  const stop = () => new Promise((r) => (child.once('exit', r), child.kill('SIGTERM')));
  return { child, url, stop };
}

/** Targets for every harness host, each checked once (pins the host key; must be reachable). */
async function setUp(url, token) {
  const hosts = readFileSync(`${D}/hosts-${N}.txt`, 'utf8').trim().split('\n');
  const privateKey = readFileSync(`${D}/id_ed25519`, 'utf8');
  const ids = await eachLimit(hosts, IN_FLIGHT, async (host) => {
    const t = await api(url, token, 'POST', '/api/targets', {
      name: `fanout-${host}`,
      host,
      port: 22,
      username: 'root',
      project: PROJECT,
      privateKey,
    });
    return t.id;
  });
  const checks = await eachLimit(ids, IN_FLIGHT, (id) => api(url, token, 'POST', `/api/targets/${id}/check`));
  const bad = checks.filter((c) => c.status !== 'reachable');
  if (bad.length) throw new Error(`${bad.length} targets are not reachable, e.g. ${bad[0].message}`);
  const script = await api(url, token, 'POST', '/api/scripts', { name: 'fanout', language: 'bash', content: SCRIPT, project: PROJECT });
  const task = await api(url, token, 'POST', '/api/tasks', {
    name: `fanout-${N}`,
    scriptId: script.id,
    targetIds: ids,
    project: PROJECT,
    concurrency: N,
  });
  return task.id;
}

/** A signed-in WebSocket; wait(runId) resolves once run:<runId> reports a finished status. */
async function liveSocket(url, token) {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/api/ws`, { perMessageDeflate: false });
  const waiting = new Map();
  await new Promise((resolve, reject) => {
    ws.once('error', reject);
    ws.on('open', () => ws.send(JSON.stringify({ type: 'auth', token })));
    ws.on('message', (data) => {
      const m = JSON.parse(String(data));
      if (m.type === 'ready') return resolve();
      if (m.type === 'error') {
        console.error(`WebSocket error ${m.code}: ${m.message}`);
        return reject(new Error(m.code));
      }
      const w = waiting.get(m.topic);
      if (!w) return;
      // A dropped frame (the server's buffer was full) could be the last status: ask over HTTP then.
      if (m.gap) return w.onGap();
      if (m.type === 'status' && FINISHED.has(m.run.status)) w.resolve(m.run.status);
    });
  });
  return {
    wait: (runId) =>
      new Promise((resolve) => {
        const topic = `run:${runId}`;
        const done = (status) => {
          waiting.delete(topic);
          ws.send(JSON.stringify({ type: 'unsubscribe', topic }));
          resolve(status);
        };
        const onGap = async () => {
          const r = await api(url, token, 'GET', `/api/runs/${runId}`);
          if (FINISHED.has(r.status)) done(r.status);
        };
        waiting.set(topic, { resolve: done, onGap });
        ws.send(JSON.stringify({ type: 'subscribe', topic }));
      }),
    close: () => ws.close(),
  };
}

/** No viewer: look once every 500 ms; the wall time then comes from the run's stored finishedAt. */
async function unwatched(url, token, runId) {
  for (;;) {
    await sleep(500);
    const r = await api(url, token, 'GET', `/api/runs/${runId}`);
    if (FINISHED.has(r.status)) return r.status;
  }
}

/** One timed run: POST → finished (seen live, or from the stored finishedAt when unwatched). */
async function timedRun(gh, token, taskId, live, r, unwatchedRun) {
  const stop = startMeasure(() => procCpuS(gh.child.pid));
  const t0 = Date.now();
  const { runId } = await api(gh.url, token, 'POST', `/api/tasks/${taskId}/run`);
  const status = await (unwatchedRun ? unwatched(gh.url, token, runId) : live.wait(runId));
  const m = stop();
  const run = await api(gh.url, token, 'GET', `/api/runs/${runId}`);
  if (unwatchedRun) m.wall = (Date.parse(run.finishedAt) - t0) / 1000;
  const ok = run.targets.filter((t) => saidDone(t.stdout)).length;
  tsvRow(TSV, unwatchedRun ? `${NAME}-unwatched` : NAME, N, r, m, ok, status === 'succeeded' ? 0 : 1);
}

/**
 * Standalone: RUNS runs, then exit. Forked with IPC (run.sh's session.mjs): say {ready} once set up,
 * then do one run per {id, cmd: 'run', run, unwatched} message, so rounds interleave with the anchors.
 */
async function main() {
  const gh = await startServer(await freePort());
  try {
    const token = await login(gh.url);
    const taskId = await setUp(gh.url, token);
    const live = await liveSocket(gh.url, token);
    if (process.send) {
      await new Promise((resolve) => {
        process.on('disconnect', resolve);
        process.on('message', (m) =>
          timedRun(gh, token, taskId, live, m.run, m.unwatched).then(
            () => process.send({ id: m.id, ok: true }),
            (e) => process.send({ id: m.id, ok: false, error: String(e) }),
          ),
        );
        process.send({ ready: true });
      });
    } else for (let r = 1; r <= RUNS; r++) await timedRun(gh, token, taskId, live, r, UNWATCHED);
    live.close();
  } finally {
    await gh.stop();
  }
}

await main();
