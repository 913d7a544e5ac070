// Helpers shared by the Jenkins benchmarks: the emulator in a child process (jenkins-sim-host.mjs,
// driven over IPC), Gatehouse pointed at it, sign-in, sync polling and percentiles.
import { fork } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { ADMIN_PASSWORD, root, sleep, startGatehouse } from './lib.mjs';

/**
 * Fork a helper script that answers {id, cmd, ...} messages with {id, ok, ...} and first sends
 * {ready: true, ...}. Resolves with that ready message, call(cmd, args) and stop().
 */
export async function forkIpc(script, args = [], execArgv = []) {
  const child = fork(join(root, script), args, { cwd: root, execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const pending = new Map();
  let nextId = 1;
  const ready = await new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
    child.on('message', (m) => {
      if (m.ready) return resolve(m);
      const p = pending.get(m.id);
      pending.delete(m.id);
      if (m.ok) p?.resolve(m);
      else p?.reject(new Error(m.error));
    });
  });
  return {
    ...ready,
    child,
    call: (cmd, a = {}) =>
      new Promise((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { resolve, reject });
        child.send({ id, cmd, ...a });
      }),
    stop: () =>
      new Promise((r) => {
        if (child.exitCode !== null) return r();
        child.once('exit', r);
        child.disconnect();
      }),
  };
}

/** The emulator in a child process (TypeScript via tsx); `url` is its base URL. */
export const startSim = (opts = {}) => forkIpc('bench/jenkins-sim-host.mjs', [JSON.stringify(opts)], ['--import', 'tsx']);

/** Gatehouse with the emulator as its default Jenkins (it starts the first sync by itself). */
export function startGatehouseOn(sim, { port, env = {}, main }) {
  return startGatehouse({
    port,
    main,
    env: {
      JENKINS_URL: sim.url,
      JENKINS_USER: 'admin',
      JENKINS_TOKEN: 'admin-token',
      // No scheduled re-sync in the middle of a measurement.
      GATEHOUSE__JENKINS__SYNC_INTERVAL_MINUTES: '0',
      ...env,
    },
  });
}

export async function api(base, token, method, path, body) {
  const r = await fetch(`${base}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await r.text();
  const json = text ? JSON.parse(text) : null;
  if (r.status >= 400) throw new Error(`${method} ${path} → ${r.status} ${text}`);
  return json;
}

/** A plain user with these grants, signed in: the caller the list benchmarks measure. */
export async function grantedUser(base, admin, grants, username = 'bench-dev', password = 'Bench#User1234') {
  const user = await api(base, admin, 'POST', '/api/users', { username, password, roles: ['user'], mustChangePassword: false });
  for (const gr of grants) await api(base, admin, 'POST', '/api/grants', { userId: user.id, ...gr });
  return login(base, username, password);
}

export async function login(base, username = 'admin', password = ADMIN_PASSWORD) {
  const r = await api(base, null, 'POST', '/api/auth/login', { username, password });
  return r.accessToken;
}

/**
 * Poll GET /api/jenkins/sync/latest every `everyMs` until a sync other than `notId` is finished.
 * Returns the row and the wall-clock time (Date.now()) it was first seen finished.
 */
export async function waitSyncDone(base, token, { notId = null, everyMs = 10, timeoutMs = 120_000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await fetch(`${base}/api/jenkins/sync/latest`, { headers: { authorization: `Bearer ${token}` } });
    if (r.status === 200) {
      const s = await r.json();
      if (s.id !== notId && s.status !== 'running') return { sync: s, seenAt: Date.now() };
    }
    if (Date.now() > deadline) throw new Error('the sync did not finish in time');
    await sleep(everyMs);
  }
}

export function percentile(sorted, p) {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export const fmtMs = (ms) => (ms >= 100 ? `${Math.round(ms)} ms` : `${ms.toFixed(1)} ms`);
export const ratio = (a, b) => `${(a / Math.max(b, 1e-9)).toFixed(1)}×`;

/**
 * Open-loop load at a constant rate (wrk2-style): request i is due at t0 + i / rate whatever the
 * answers before it did, and its latency counts from when it was due, so a stall is not hidden by
 * the generator waiting (coordinated omission). Timers tick every ~1 ms and send what is due.
 * When more than 2 s worth of requests are outstanding the server cannot keep up: sending stops
 * there and the run is marked `saturated` (its latencies then only say how long the queue was).
 */
export function paced({ url, headers = {}, rate, seconds, connections = 50 }) {
  const agent = new Agent({ connections });
  const lat = [];
  let errors = 0;
  let done = 0;
  let sent = 0;
  let total = Math.round(rate * seconds);
  let saturated = false;
  const interval = 1000 / rate;
  const t0 = performance.now() + 20;
  return new Promise((resolve) => {
    const finish = () => {
      if (++done < total) return;
      const elapsed = (performance.now() - t0) / 1000;
      void agent.close();
      lat.sort((a, b) => a - b);
      resolve({
        rate: lat.length / elapsed,
        saturated,
        errors,
        p50: percentile(lat, 50),
        p99: percentile(lat, 99),
        p999: percentile(lat, 99.9),
        max: lat.at(-1),
      });
    };
    const tick = () => {
      const now = performance.now();
      if (sent - done > rate * 2) {
        saturated = true;
        total = sent;
      }
      while (sent < total && t0 + sent * interval <= now) {
        const due = t0 + sent * interval;
        sent++;
        request(url, { dispatcher: agent, headers })
          .then(async (r) => {
            await r.body.dump();
            if (r.statusCode >= 300) errors++;
            else lat.push(performance.now() - due);
          })
          .catch(() => errors++)
          .finally(finish);
      }
      if (sent < total) setTimeout(tick, 1);
    };
    setTimeout(tick, 20);
  });
}

const LOAD_AT_START = loadavg()[0];
/** A results note: the machine's 1-minute load before this bench loaded it, and at its end. */
export const loadNote = () =>
  `Machine load (1-min load average, 2 cores): ${LOAD_AT_START.toFixed(1)} when the bench started (other helpers' work; above ~1 the tails are noisier), ${loadavg()[0].toFixed(1)} at its end (this bench's own processes included).`;
