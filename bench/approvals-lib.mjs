// Helpers of bench/approvals.mjs: a fresh PostgreSQL database, a /proc sampler for the Gatehouse
// process (CPU ticks, RSS) that also counts the reminders sent so far (read from the database, so
// "while reminders fire" is what Gatehouse did, not what the bench guessed), latency probes, and
// small statistics and markdown helpers.
import { execSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import pg from 'pg';
import { request } from 'undici';
import { root, sleep } from './lib.mjs';
import { percentile } from './jenkins-lib.mjs';

export const now = () => performance.timeOrigin + performance.now();
const CLK_TCK = (() => {
  try {
    return Number(execSync('getconf CLK_TCK', { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

export const PG_ADMIN_URL = process.env.GATEHOUSE_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A fresh database on the local PostgreSQL (trust auth); drop() removes it. */
export async function createPgDatabase() {
  const name = `gatehouse_bench_approvals_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

const REMINDED = `select count(*) as n from approvals_history where action = 'reminded'`;

/**
 * A read-only look into Gatehouse's database for the bench's own bookkeeping: how many reminders
 * it has sent, and how large the database is. SQLite: a second (reader) connection on the WAL file;
 * PostgreSQL: one client on the bench database.
 */
export async function openDbProbe(kind, { dataDir, pgUrl }) {
  if (kind === 'postgres') {
    const c = new pg.Client({ connectionString: pgUrl });
    await c.connect();
    return {
      reminders: async () => Number((await c.query(REMINDED)).rows[0].n),
      sizeBytes: async () => Number((await c.query('select pg_database_size(current_database()) as s')).rows[0].s),
      close: () => c.end(),
    };
  }
  const Database = createRequire(join(root, 'package.json'))('better-sqlite3');
  const file = join(dataDir, 'gatehouse.db');
  const db = new Database(file, { readonly: true, fileMustExist: true });
  const stmt = db.prepare(REMINDED);
  const size = (f) => (existsSync(f) ? statSync(f).size : 0);
  return {
    reminders: async () => Number(stmt.get().n),
    // The WAL holds committed pages not yet copied back: both files are what the data takes on disk.
    sizeBytes: async () => size(file) + size(`${file}-wal`),
    close: async () => db.close(),
  };
}

function procSample(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(f[11]) + Number(f[12]); // utime + stime
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return { ticks, rssMb: m ? Number(m[1]) / 1024 : NaN };
}

/** Every `everyMs`: the process's CPU ticks and RSS, and the reminders sent so far. */
export function startSampler(pid, dbProbe, everyMs = 1000) {
  const samples = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const t = now();
      const p = procSample(pid);
      const reminders = await dbProbe.reminders().catch(() => NaN);
      samples.push({ t, ...p, reminders });
      await sleep(Math.max(0, everyMs - (now() - t)));
    }
  })();
  return {
    samples,
    /** The reminders counted at the last sample. */
    last: () => samples.at(-1),
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
}

/** Intervals between consecutive samples, with CPU % of one core and reminders sent in each. */
export function intervals(samples) {
  const out = [];
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1];
    const b = samples[i];
    const seconds = (b.t - a.t) / 1000;
    out.push({
      from: a.t,
      to: b.t,
      seconds,
      cpuPct: ((b.ticks - a.ticks) / CLK_TCK / seconds) * 100,
      ticks: b.ticks - a.ticks,
      rssMb: b.rssMb,
      reminded: Number.isFinite(b.reminders - a.reminders) ? b.reminders - a.reminders : 0,
      reminders: b.reminders,
    });
  }
  return out;
}

/** CPU and RSS over a set of intervals. */
export function usage(ivs) {
  if (!ivs.length) return null;
  const seconds = ivs.reduce((s, x) => s + x.seconds, 0);
  const ticks = ivs.reduce((s, x) => s + x.ticks, 0);
  return {
    seconds,
    cpuPct: (ticks / CLK_TCK / seconds) * 100,
    cpuPeakPct: Math.max(...ivs.map((x) => x.cpuPct)),
    rssAvgMb: ivs.reduce((s, x) => s + x.rssMb, 0) / ivs.length,
    rssMaxMb: Math.max(...ivs.map((x) => x.rssMb)),
    reminded: ivs.reduce((s, x) => s + x.reminded, 0),
  };
}

/**
 * Latency probes: one GET at a time, round-robin over the targets, one every `everyMs`; each
 * result is kept with the moment it was sent, so phases are cut afterwards by time.
 */
export function startProbes(targets, everyMs) {
  const results = [];
  let stopped = false;
  const loop = (async () => {
    for (let i = 0; !stopped; i++) {
      const tg = targets[i % targets.length];
      const t = now();
      try {
        const r = await request(tg.url, { headers: tg.headers ?? {} });
        await r.body.dump();
        results.push({ t, name: tg.name, ms: now() - t, ok: r.statusCode < 300 });
      } catch {
        results.push({ t, name: tg.name, ms: now() - t, ok: false });
      }
      await sleep(Math.max(0, everyMs - (now() - t)));
    }
  })();
  return {
    results,
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
}

/** p50/p95/p99/max of a list of ms values. */
export function stats(values) {
  const s = [...values].sort((a, b) => a - b);
  return {
    n: s.length,
    p50: percentile(s, 50),
    p95: percentile(s, 95),
    p99: percentile(s, 99),
    max: s.at(-1) ?? NaN,
    mean: s.reduce((a, b) => a + b, 0) / Math.max(1, s.length),
  };
}

export const ms = (v) => (!Number.isFinite(v) ? '—' : v >= 100 ? `${Math.round(v)} ms` : `${v.toFixed(1)} ms`);
export const times = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(1)}×` : '—');
export const mb = (v) => (Number.isFinite(v) ? `${v.toFixed(1)} MB` : '—');
export const pct = (v) => (Number.isFinite(v) ? `${v.toFixed(1)} %` : '—');

/** A markdown table (for the results' second table; writeResults renders the first). */
export function mdTable(rows) {
  const head = Object.keys(rows[0]);
  return [
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${head.map((h) => r[h]).join(' | ')} |`),
  ];
}

/** Run `fn(i)` for i < count with at most `concurrency` at once; resolves with the results in order. */
export async function pool(count, concurrency, fn) {
  const out = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      out[i] = await fn(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return out;
}
