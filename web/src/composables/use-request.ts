import { ref } from 'vue';
import { useUiStore } from '@/stores/ui';

/**
 * Loading state plus error reporting for one view's requests: `run` returns the result, or
 * undefined after showing the error in the snackbar (pass `throwErrors` to handle them yourself).
 */
export function useRequest() {
  const loading = ref(false);
  const ui = useUiStore();
  async function run<T>(fn: () => Promise<T>, opts: { throwErrors?: boolean } = {}): Promise<T | undefined> {
    loading.value = true;
    try {
      return await fn();
    } catch (e) {
      if (opts.throwErrors) throw e;
      ui.error(e);
      return undefined;
    } finally {
      loading.value = false;
    }
  }
  return { loading, run };
}
