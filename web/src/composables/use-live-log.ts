import { onBeforeUnmount, ref, shallowRef } from 'vue';
import { LogBuffer } from '@/components/jenkins/log-buffer';
import { logTopic } from '@/components/jenkins/build-status';
import { jenkinsApi, type BuildRef } from '@/components/jenkins/jenkins-api';
import { resubscribe, socketOpen, subscribe, type SocketFrame, type Subscription } from './use-live-socket';

/**
 * A build's log, live. Offsets are Jenkins' byte positions while the text has console notes and
 * CRs removed, so a chunk cannot be cut at an offset on our side: we only ever append a chunk that
 * starts exactly where our log ends. Hence two modes that never mix:
 * - socket: every chunk from the server's log pump (subscribed from 0; after a reconnect or a gap,
 *   from our offset, which is one of the pump's own chunk boundaries);
 * - poll: GET …/log?start=<offset> until Jenkins says there is no more. Any offset we reached is a
 *   valid start, so the socket can hand over to polling at any time, but not the other way round.
 * A finished build is read in one GET.
 */

const POLL_MS = 1500;
const RESYNC_MS = 3000;
// How long the socket may be down before we stop waiting for it and poll instead.
const DOWN_GRACE_MS = 5000;
// Transient: the server keeps the subscription and resumes when Jenkins answers again.
const TRANSIENT = new Set(['JENKINS_UNAVAILABLE']);

export type LiveLogMode = 'idle' | 'loading' | 'socket' | 'poll' | 'done';

export function useLiveLog(opts: { onEnd?: (result: string | null) => void } = {}) {
  const buffer = shallowRef(new LogBuffer());
  const version = ref(0);
  const offset = ref(0);
  const mode = ref<LiveLogMode>('idle');
  const error = ref<unknown>(null);
  const warning = ref<string | null>(null);
  let target: BuildRef | null = null;
  let sub: Subscription | null = null;
  let unsubscribe: (() => void) | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let resyncUntil = 0;
  let resets = 0;
  let generation = 0;

  function append(text: string, nextStart: number) {
    if (text) buffer.value.append(text);
    offset.value = nextStart;
    version.value++;
  }

  function reset() {
    buffer.value = new LogBuffer();
    offset.value = 0;
    version.value++;
  }

  function clear() {
    unsubscribe?.();
    unsubscribe = null;
    sub = null;
    clearTimeout(timer);
  }

  async function finish(result: string | null) {
    const mine = generation;
    clear();
    // Anything written after the last chunk we saw (normally nothing) is read once more.
    if (target) {
      const rest = await jenkinsApi.log(target, offset.value).catch(() => null);
      if (mine === generation && rest && rest.nextStart > offset.value) append(rest.text, rest.nextStart);
    }
    if (mine !== generation) return;
    mode.value = 'done';
    warning.value = null;
    opts.onEnd?.(result);
  }

  /**
   * A chunk that does not start where we are. Ask again from our offset; a chunk that began before
   * it means the server's pump cut its chunks elsewhere (a restart, another instance), so we read
   * the log again from 0. If the next answer does not fit either, poll instead.
   */
  function misaligned(start: number) {
    if (!sub || Date.now() < resyncUntil) return;
    resyncUntil = Date.now() + RESYNC_MS;
    if (resets > 0) return startPolling();
    resets++;
    if (start < offset.value) reset();
    resubscribe(sub);
  }

  function onLog(f: SocketFrame) {
    const start = Number(f.start);
    const next = Number(f.nextStart);
    if (!Number.isFinite(start) || !Number.isFinite(next) || next <= offset.value) return;
    if (start !== offset.value) return misaligned(start);
    resyncUntil = 0;
    resets = 0;
    warning.value = null;
    append(typeof f.text === 'string' ? f.text : '', next);
  }

  function onFrame(f: SocketFrame) {
    if (f.gap) {
      // Frames still in flight after the gap do not fit; the replay from our offset does.
      resyncUntil = Date.now() + RESYNC_MS;
      if (sub) resubscribe(sub);
      return;
    }
    if (f.type === 'log') return onLog(f);
    if (f.type === 'end') return void finish(typeof f.result === 'string' ? f.result : null);
    if (f.type !== 'error') return;
    if (TRANSIENT.has(String(f.code))) warning.value = typeof f.message === 'string' ? f.message : String(f.code);
    // Refused (FORBIDDEN, BUILD_NOT_FOUND, UNAUTHENTICATED…): the REST answer says why, and polling works if anything does.
    else startPolling();
  }

  async function pollOnce(mine: number) {
    if (!target || mine !== generation) return;
    const from = offset.value;
    try {
      const r = await jenkinsApi.log(target, from);
      if (mine !== generation) return;
      error.value = null;
      if (from === offset.value && r.nextStart >= from) append(r.text, r.nextStart);
      if (!r.more) return void finish(null);
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

  function listen(b: BuildRef) {
    mode.value = 'socket';
    sub = {
      topic: logTopic(b.project, b.branch, b.number),
      from: () => offset.value,
      onFrame,
      onDown: () => {
        clearTimeout(timer);
        timer = setTimeout(() => mode.value === 'socket' && !socketOpen() && startPolling(), DOWN_GRACE_MS);
      },
    };
    unsubscribe = subscribe(sub);
  }

  /** `building`: the build runs, so follow it live; otherwise its log is read whole. */
  async function start(b: BuildRef, building: boolean) {
    stop();
    const mine = ++generation;
    target = b;
    reset();
    resets = 0;
    error.value = null;
    warning.value = null;
    if (building) return listen(b);
    mode.value = 'loading';
    try {
      const all = await jenkinsApi.log(b, 0);
      if (mine !== generation) return;
      append(all.text, all.nextStart);
      // Jenkins may say "more" right after the build ended; polling picks up the rest.
      if (all.more) startPolling();
      else await finish(null);
    } catch (e) {
      if (mine !== generation) return;
      error.value = e;
      mode.value = 'idle';
    }
  }

  function stop() {
    generation++;
    clear();
    if (mode.value !== 'done') mode.value = 'idle';
  }

  onBeforeUnmount(stop);
  return { buffer, version, offset, mode, error, warning, start, stop };
}
