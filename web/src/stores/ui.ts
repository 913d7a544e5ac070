import { defineStore } from 'pinia';
import { i18n } from '@/plugins/i18n';
import { ApiError } from '@/api/errors';

export interface Snack {
  id: number;
  text: string;
  color: 'error' | 'success' | 'info' | 'warning';
  code?: string;
}

interface ConfirmRequest {
  title: string;
  text: string;
  confirmText?: string;
  danger?: boolean;
  resolve: (ok: boolean) => void;
}

let seq = 0;

/** Translated text for an API error: our own message for known codes, else the server's (English) message. */
export function errorText(e: unknown): string {
  const t = i18n.global.t as (key: string, named?: Record<string, unknown>) => string;
  if (e instanceof ApiError) {
    const key = `errors.${e.code}`;
    return i18n.global.te(key) ? t(key, (e.details as Record<string, unknown>) ?? {}) : e.message;
  }
  return e instanceof Error ? e.message : String(e);
}

/** App-wide feedback: the snackbar (errors from any request) and the confirmation dialog. */
export const useUiStore = defineStore('ui', {
  state: () => ({ snacks: [] as Snack[], confirmRequest: null as ConfirmRequest | null }),
  actions: {
    notify(text: string, color: Snack['color'] = 'success', code?: string) {
      this.snacks.push({ id: ++seq, text, color, code });
    },
    error(e: unknown) {
      this.notify(errorText(e), 'error', e instanceof ApiError ? e.code : undefined);
    },
    dismiss(id: number) {
      this.snacks = this.snacks.filter((s) => s.id !== id);
    },
    confirm(opts: Omit<ConfirmRequest, 'resolve'>): Promise<boolean> {
      this.confirmRequest?.resolve(false);
      return new Promise((resolve) => {
        this.confirmRequest = { ...opts, resolve };
      });
    },
    answer(ok: boolean) {
      this.confirmRequest?.resolve(ok);
      this.confirmRequest = null;
    },
  },
});
