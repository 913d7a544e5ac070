// The columns of ../shared/bench/fanout/timeit.py, measured the same way, for a tool that is not a
// child process of the timer (the Gatehouse server, or this process for the engine-only row):
//   wall_s   perf_counter around the run
//   cpu_s    user+sys CPU of the measured process (Gatehouse is one process: ssh2 runs in it)
//   busy_pct share of ALL cores busy during the run (/proc/stat), 200 = 2 cores
//   mem_mb   peak rise of used memory (MemTotal - MemAvailable), sampled every 50 ms
// Rows are written in run-anchors.sh's TSV layout, so the harness's report.py reads them as they are.
import { appendFileSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';

const TICKS_PER_S = 100; // USER_HZ on Linux

function cpuJiffies() {
  const v = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = v.reduce((a, b) => a + b, 0);
  return { busy: total - v[3] - v[4], total }; // idle + iowait count as not busy, as in timeit.py
}

function usedMb() {
  const m = Object.fromEntries(
    readFileSync('/proc/meminfo', 'utf8')
      .trim()
      .split('\n')
      .map((l) => {
        const [k, v] = l.split(':');
        return [k, Number(v.trim().split(/\s+/)[0])];
      }),
  );
  return (m.MemTotal - m.MemAvailable) / 1024;
}

/** user+sys CPU seconds of a process (fields 14 and 15 of /proc/PID/stat, after the command name). */
export function procCpuS(pid) {
  const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / TICKS_PER_S;
}

/** Starts the counters; stop() returns {wall, cpu, busy, mem} since start. `cpu` reads the CPU seconds. */
export function startMeasure(cpu) {
  const base = usedMb();
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, usedMb() - base)), 50);
  const c0 = cpu();
  const j0 = cpuJiffies();
  const w0 = performance.now();
  return () => {
    const w1 = performance.now();
    const j1 = cpuJiffies();
    const c1 = cpu();
    clearInterval(sampler);
    peak = Math.max(peak, usedMb() - base);
    return {
      wall: (w1 - w0) / 1000,
      cpu: c1 - c0,
      busy: (100 * cpus().length * (j1.busy - j0.busy)) / Math.max(j1.total - j0.total, 1),
      mem: peak,
    };
  };
}

/** One row as run-anchors.sh writes it: tool expect run wall cpu busy mem ok rc. */
export function tsvRow(file, tool, expect, run, m, ok, rc) {
  const row = [tool, expect, run, m.wall.toFixed(3), m.cpu.toFixed(2), m.busy.toFixed(0), m.mem.toFixed(0), ok, rc].join('\t');
  appendFileSync(file, row + '\n');
  console.error(`  ${tool} #${run}: ${row.split('\t').slice(3).join('\t')}`);
}

/** Distinct hosts whose output has a line that is exactly `done` (timeit.py's check). */
export const saidDone = (text) => text.split('\n').some((l) => l.replace(/\r$/, '') === 'done');

export function arg(name, dflt) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
}
