import { onBeforeUnmount, ref } from 'vue';
import { isApiError } from '@/api/errors';
import { jenkinsApi, type SyncState } from '@/components/jenkins/jenkins-api';
import { socketOpen, subscribe, type SocketFrame } from './use-live-socket';

/**
 * The latest Jenkins sync, followed live while it runs: frames of the `sync` topic when the socket
 * is up, GET /api/jenkins/sync/latest every second when it is not (and every few seconds anyway).
 */
const POLL_MS = 1000;

export function useSyncProgress(opts: { onFinished?: (s: SyncState) => void } = {}) {
  const sync = ref<SyncState | null>(null);
  const neverRun = ref(false);
  let unsubscribe: (() => void) | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let alive = true;

  function update(s: SyncState) {
    const wasRunning = sync.value?.status === 'running';
    // Frames of an older sync may still arrive; keep the newest.
    if (sync.value && s.id < sync.value.id) return;
    sync.value = s;
    neverRun.value = false;
    if (s.status === 'running') follow();
    else {
      unfollow();
      if (wasRunning) opts.onFinished?.(s);
    }
  }

  function onFrame(f: SocketFrame) {
    if (f.type === 'sync' && typeof f.id === 'number' && typeof f.status === 'string') update(f as unknown as SyncState);
  }

  let polls = 0;
  async function poll() {
    if (!alive || sync.value?.status !== 'running') return;
    // With the socket up a look every few seconds still catches an end we may have missed.
    if (!socketOpen() || ++polls % 5 === 0) await load().catch(() => undefined);
    if (alive && sync.value?.status === 'running') timer = setTimeout(poll, POLL_MS);
  }

  function follow() {
    if (!unsubscribe) unsubscribe = subscribe({ topic: 'sync', onFrame });
    clearTimeout(timer);
    timer = setTimeout(poll, POLL_MS);
  }

  function unfollow() {
    unsubscribe?.();
    unsubscribe = null;
    clearTimeout(timer);
  }

  async function load() {
    try {
      update(await jenkinsApi.latestSync());
    } catch (e) {
      if (isApiError(e, 'SYNC_NEVER_RUN')) neverRun.value = true;
      else throw e;
    }
  }

  async function start() {
    update(await jenkinsApi.startSync());
  }

  onBeforeUnmount(() => {
    alive = false;
    unfollow();
  });
  return { sync, neverRun, load, start };
}
