import { onBeforeUnmount, ref, shallowRef } from 'vue';
import { automationApi, type RunDetail } from '@/components/automation/automation-api';
import { isFinished } from '@/components/automation/run-status';
import { LogBuffer } from '@/components/jenkins/log-buffer';
import { resubscribe, socketOpen, subscribe, type SocketFrame, type Subscription } from './use-live-socket';

/**
 * A script run, live: REST for the run's facts, the `run:<id>` topic for its output and status.
 * Chunks carry increasing ids and the run target's own id (not the automation target's); the
 * status frame maps one to the other (run.targets[].id → key). We keep the last chunk id we applied
 * and (re)subscribe from it, so a reconnect or a gap neither loses nor repeats output; chunks at or
 * below it (still in flight from before a resubscribe) are skipped. A finished run is read in one GET.
 * If the socket stays down, the run is polled over REST (whole text per target) until it ends.
 */

export type Stream = 'stdout' | 'stderr' | 'system';
export const STREAMS: Stream[] = ['stdout', 'stderr', 'system'];
export type LiveMode = 'idle' | 'loading' | 'socket' | 'poll' | 'done';

export interface TargetView {
  key: string;
  name: string;
  status: string;
  exitCode: number | null;
  truncated: boolean;
  error: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
}

interface Chunk {
  id: number;
  targetId: number;
  stream: Stream;
  text: string;
}

interface LiveTarget extends Omit<TargetView, 'key'> {
  id: number;
  key: string;
}

interface LiveRun {
  status: string;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  targets: LiveTarget[];
}

type Buffers = Record<Stream, LogBuffer>;

const POLL_MS = 2000;
const DOWN_GRACE_MS = 5000;

const newBuffers = (): Buffers => ({ stdout: new LogBuffer(), stderr: new LogBuffer(), system: new LogBuffer() });

export function useRunLive() {
  const detail = shallowRef<RunDetail | null>(null);
  const status = ref('');
  const times = ref<{ startedAt: string | null; finishedAt: string | null; durationMs: number | null }>({
    startedAt: null,
    finishedAt: null,
    durationMs: null,
  });
  const targets = ref<TargetView[]>([]);
  const mode = ref<LiveMode>('idle');
  const error = ref<unknown>(null);
  // Bumped on every change of any log; viewers re-render only their last block.
  const version = ref(0);
  const logs = new Map<string, Buffers>();
  // Characters applied per target and stream, to tell whether a REST text has more than we show.
  const sizes = new Map<string, number>();
  const keyOf = new Map<number, string>();
  const pending = new Map<number, Chunk[]>();
  let offset = 0;
  let runId = 0;
  let generation = 0;
  let sub: Subscription | null = null;
  let unsubscribe: (() => void) | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const buffersOf = (key: string): Buffers => {
    let b = logs.get(key);
    if (!b) logs.set(key, (b = newBuffers()));
    return b;
  };
  const buffer = (key: string, stream: Stream): LogBuffer => buffersOf(key)[stream];

  function append(key: string, stream: Stream, text: string) {
    buffersOf(key)[stream].append(text);
    sizes.set(`${key}/${stream}`, (sizes.get(`${key}/${stream}`) ?? 0) + text.length);
  }

  /** Take the whole text of every target from a REST answer where it holds more than we show. */
  function absorb(d: RunDetail) {
    let changed = false;
    for (const x of d.targets) {
      const key = String(x.targetId);
      for (const s of STREAMS) {
        const text = x[s] ?? '';
        if (text.length === (sizes.get(`${key}/${s}`) ?? 0)) continue;
        const b = buffersOf(key);
        b[s] = new LogBuffer();
        sizes.set(`${key}/${s}`, 0);
        append(key, s, text);
        changed = true;
      }
    }
    if (changed) version.value++;
  }

  function setDetail(d: RunDetail) {
    detail.value = d;
    status.value = d.status;
    times.value = { startedAt: d.startedAt, finishedAt: d.finishedAt, durationMs: d.durationMs };
    targets.value = d.targets.map((x) => ({
      key: String(x.targetId),
      name: x.name,
      status: x.status,
      exitCode: x.exitCode,
      truncated: x.truncated,
      error: x.error,
      startedAt: x.startedAt,
      finishedAt: x.finishedAt,
      durationMs: x.durationMs,
    }));
  }

  function applyChunks(chunks: Chunk[]) {
    for (const c of chunks) {
      if (c.id <= offset) continue;
      const key = keyOf.get(c.targetId);
      if (key === undefined) pending.set(c.targetId, [...(pending.get(c.targetId) ?? []), c]);
      else append(key, c.stream, c.text);
      offset = c.id;
    }
  }

  function onStatus(r: LiveRun) {
    status.value = r.status;
    times.value = { startedAt: r.startedAt, finishedAt: r.finishedAt, durationMs: r.durationMs };
    for (const x of r.targets) {
      keyOf.set(x.id, x.key);
      const held = pending.get(x.id);
      if (held) {
        pending.delete(x.id);
        for (const c of held) append(x.key, c.stream, c.text);
      }
    }
    const byKey = new Map(targets.value.map((x) => [x.key, x]));
    targets.value = r.targets.map(({ id: _id, ...x }) => ({ ...byKey.get(x.key), ...x }));
    version.value++;
    if (isFinished(r.status)) void finish(generation);
  }

  function onFrame(f: SocketFrame) {
    if (f.gap) return sub && resubscribe(sub);
    if (f.type === 'status' && f.run) return onStatus(f.run as LiveRun);
    if (f.type === 'log' && Array.isArray(f.chunks)) {
      applyChunks(f.chunks as Chunk[]);
      const next = Number(f.next);
      if (Number.isFinite(next) && next > offset && !pending.size) offset = next;
      version.value++;
      return;
    }
    // Refused (FORBIDDEN, NOT_FOUND, …): REST says why, and polling works if anything does.
    if (f.type === 'error') startPolling();
  }

  function clear() {
    unsubscribe?.();
    unsubscribe = null;
    sub = null;
    clearTimeout(timer);
  }

  async function finish(mine: number) {
    clear();
    try {
      const d = await automationApi.run(runId);
      if (mine !== generation) return;
      setDetail(d);
      absorb(d);
    } catch (e) {
      if (mine === generation) error.value = e;
    }
    if (mine === generation) mode.value = 'done';
  }

  async function pollOnce(mine: number) {
    if (mine !== generation) return;
    try {
      const d = await automationApi.run(runId);
      if (mine !== generation) return;
      error.value = null;
      setDetail(d);
      absorb(d);
      if (isFinished(d.status)) return void (mode.value = 'done');
    } catch (e) {
      if (mine === generation) error.value = e;
    }
    if (mine === generation) timer = setTimeout(() => pollOnce(mine), POLL_MS);
  }

  function startPolling() {
    if (mode.value === 'done' || mode.value === 'poll') return;
    clear();
    mode.value = 'poll';
    void pollOnce(generation);
  }

  function listen() {
    mode.value = 'socket';
    sub = {
      topic: `run:${runId}`,
      from: () => offset,
      onFrame,
      onDown: () => {
        clearTimeout(timer);
        timer = setTimeout(() => mode.value === 'socket' && !socketOpen() && startPolling(), DOWN_GRACE_MS);
      },
    };
    unsubscribe = subscribe(sub);
  }

  async function start(id: number) {
    stop();
    const mine = ++generation;
    runId = id;
    offset = 0;
    logs.clear();
    sizes.clear();
    keyOf.clear();
    pending.clear();
    error.value = null;
    detail.value = null;
    mode.value = 'loading';
    try {
      const d = await automationApi.run(id);
      if (mine !== generation) return;
      setDetail(d);
      if (isFinished(d.status)) {
        absorb(d);
        mode.value = 'done';
      } else listen();
    } catch (e) {
      if (mine !== generation) return;
      error.value = e;
      mode.value = 'idle';
    }
    version.value++;
  }

  function stop() {
    generation++;
    clear();
    if (mode.value !== 'done') mode.value = 'idle';
  }

  onBeforeUnmount(stop);
  return { detail, status, times, targets, mode, error, version, buffer, start, stop };
}
