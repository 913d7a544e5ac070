import { computed, onBeforeUnmount } from 'vue';
import { socketOpen, socketState, subscribe, type SocketFrame } from '@/composables/use-live-socket';

/**
 * Changes of approval requests, live: the server's `approvals` topic sends {id, type, status} for
 * every request, vote, decision, reminder and timeout. The views simply load again (debounced);
 * while the socket is down they look again every 30 s instead.
 */
const POLL_MS = 30_000;

export function useApprovalsLive(onChange: () => void, opts: { id?: () => number | null } = {}) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const unsubscribe = subscribe({
    topic: 'approvals',
    onFrame(f: SocketFrame) {
      if (f.type === 'error' || f.gap) return;
      const want = opts.id?.();
      if (want && typeof f.id === 'number' && f.id !== want) return;
      clearTimeout(timer);
      timer = setTimeout(onChange, 250);
    },
  });
  const poll = setInterval(() => !socketOpen() && onChange(), POLL_MS);
  onBeforeUnmount(() => {
    unsubscribe();
    clearTimeout(timer);
    clearInterval(poll);
  });
  return { live: computed(() => socketState.value === 'open') };
}
