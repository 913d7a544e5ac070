import { onBeforeUnmount, ref, shallowRef } from 'vue';
import { LogBuffer } from '@/components/jenkins/log-buffer';
import { logTopic } from '@/components/jenkins/build-status';
import { jenkinsApi, type BuildRef } from '@/components/jenkins/jenkins-api';
import { resubscribe, socketOpen, subscribe, type SocketFrame, type Subscription } from './use-live-socket';

/**
 * A build's log, live: what is there now over REST, then the rest over the WebSocket from that
 * offset. Frames are taken only when they continue exactly where the log ends; a gap, a reconnect or
 * an out-of-order frame makes us ask again from our offset. While the socket is down we poll.
 */

const POLL_MS = 1500;
const RESYNC_MS = 3000;

export type LiveLogMode = 'idle' | 'loading' | 'socket' | 'poll' | 'done';

export function useLiveLog(opts: { onEnd?: (result: string | null) => void } = {}) {
  const buffer = shallowRef(new LogBuffer());
  const version = ref(0);
  const offset = ref(0);
  const mode = ref<LiveLogMode>('idle');
  const error = ref<unknown>(null);
  let target: BuildRef | null = null;
  let sub: Subscription | null = null;
  let unsubscribe: (() => void) | null = null;
  let pollTimer: ReturnType<typeof setTimeout> | undefined;
  let resyncUntil = 0;
  let generation = 0;

  function append(text: string, nextStart: number) {
    if (text) buffer.value.append(text);
    offset.value = nextStart;
    version.value++;
  }

  function clear() {
    unsubscribe?.();
    unsubscribe = null;
    sub = null;
    clearTimeout(pollTimer);
  }

  async function finish(result: string | null) {
    const mine = generation;
    clear();
    // Whatever Jenkins wrote after the last frame (the "Finished:" line) is fetched once more.
    if (target) {
      const rest = await jenkinsApi.log(target, offset.value).catch(() => null);
      if (mine === generation && rest && rest.nextStart > offset.value) append(rest.text, rest.nextStart);
    }
    if (mine !== generation) return;
    mode.value = 'done';
    opts.onEnd?.(result);
  }

  function resync() {
    if (!sub || Date.now() < resyncUntil) return;
    resyncUntil = Date.now() + RESYNC_MS;
    resubscribe(sub);
  }

  function onLog(f: SocketFrame) {
    const start = Number(f.start);
    const next = Number(f.nextStart);
    if (!Number.isFinite(start) || !Number.isFinite(next) || next <= offset.value) return;
    if (start !== offset.value) return resync();
    resyncUntil = 0;
    append(typeof f.text === 'string' ? f.text : '', next);
  }

  function onFrame(f: SocketFrame) {
    if (f.gap) return resync();
    if (f.type === 'log') return onLog(f);
    if (f.type === 'end') return void finish(typeof f.result === 'string' ? f.result : null);
    // Refused (say, FORBIDDEN) or unknown to the socket: polling shows the REST answer instead.
    if (f.type === 'error') startPolling();
  }

  async function pollOnce(mine: number) {
    if (!target || mine !== generation) return;
    if (sub && socketOpen() && mode.value === 'socket') return;
    const from = offset.value;
    try {
      const r = await jenkinsApi.log(target, from);
      if (mine !== generation) return;
      if (from === offset.value && r.nextStart >= from) append(r.text, r.nextStart);
      if (!r.more) return void finish(null);
    } catch (e) {
      if (mine === generation) error.value = e;
    }
    if (mine === generation) pollTimer = setTimeout(() => pollOnce(mine), POLL_MS);
  }

  function startPolling() {
    if (mode.value === 'done') return;
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
      // While the socket reconnects, poll; the re-sent subscription resumes from our offset.
      onDown: () => {
        if (mode.value !== 'socket') return;
        clearTimeout(pollTimer);
        pollTimer = setTimeout(() => pollOnce(generation), POLL_MS);
      },
    };
    unsubscribe = subscribe(sub);
  }

  async function start(b: BuildRef) {
    stop();
    const mine = ++generation;
    target = b;
    buffer.value = new LogBuffer();
    offset.value = 0;
    version.value++;
    error.value = null;
    mode.value = 'loading';
    try {
      const first = await jenkinsApi.log(b, 0);
      if (mine !== generation) return;
      append(first.text, first.nextStart);
      if (!first.more) return void finish(null);
      listen(b);
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
  return { buffer, version, offset, mode, error, start, stop };
}
