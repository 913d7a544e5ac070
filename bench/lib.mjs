// Shared helpers for the benchmarks: start Gatehouse in its own process on a fresh data dir, wait
// for /health, read a process's resident memory, and write a results table.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const ADMIN_PASSWORD = 'Bench#Pass1234';
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function rssMb(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** What `npm start` runs; GATEHOUSE_BENCH_MAIN points the benchmarks at another build to compare. */
export const MAIN = process.env.GATEHOUSE_BENCH_MAIN ?? join(root, 'server/dist/main.js');

/** Spawn `node server/dist/main.js`; resolves once /health answers 200, with the launch time. */
export async function startGatehouse({ port, env = {}, dataDir, main = MAIN } = {}) {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'gatehouse-bench-'));
  const t0 = performance.now();
  const child = spawn(process.execPath, [main], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      GATEHOUSE_DATA_DIR: dir,
      GATEHOUSE_ADMIN_PASSWORD: ADMIN_PASSWORD,
      GATEHOUSE_LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Gatehouse exited with ${child.exitCode}`);
    try {
      const r = await fetch(`http://127.0.0.1:${port}/health`);
      if (r.status === 200) break;
    } catch {}
    await sleep(5);
  }
  const healthyMs = performance.now() - t0;
  return {
    child,
    dir,
    healthyMs,
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise((r) => {
        child.once('exit', r);
        child.kill('SIGTERM');
      }),
  };
}

export function writeResults(name, title, rows, notes = []) {
  const head = Object.keys(rows[0]);
  const md = [
    `# ${title}`,
    '',
    `Run: ${new Date().toISOString()} on ${process.platform}/${process.arch}, Node ${process.version}.`,
    '',
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${head.map((h) => r[h]).join(' | ')} |`),
    '',
    ...notes,
    '',
  ].join('\n');
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  writeFileSync(join(root, `bench/results/${name}.md`), md);
  console.log('\n' + md);
}

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
