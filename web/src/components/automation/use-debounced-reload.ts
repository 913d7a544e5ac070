import { watch, type Ref } from 'vue';

/** Filters changed: back to page 1 (which reloads through the table's options), or reload now. */
export function useDebouncedReload(source: () => unknown[], page: Ref<number>, load: () => Promise<void>, ms = 300): void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  watch(source, () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (page.value !== 1) page.value = 1;
      else void load();
    }, ms);
  });
}
