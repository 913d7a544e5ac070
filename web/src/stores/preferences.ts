import { defineStore } from 'pinia';
import { i18n, initialLocale, type LocaleCode } from '@/plugins/i18n';
import { vuetify } from '@/plugins/vuetify';

export type ThemeName = 'light' | 'dark';
const KEY = 'gatehouse.preferences';

interface Saved {
  theme?: ThemeName;
  locale?: LocaleCode;
}

function load(): Saved {
  try {
    return JSON.parse(localStorage.getItem(KEY) ?? '{}') as Saved;
  } catch {
    return {};
  }
}

/** Theme and language, remembered in this browser (they also apply on the login page, before any account). */
export const usePreferencesStore = defineStore('preferences', {
  state: () => {
    const saved = load();
    const prefersDark = window.matchMedia?.('(prefers-color-scheme: dark)').matches;
    return {
      theme: (saved.theme ?? (prefersDark ? 'dark' : 'light')) as ThemeName,
      locale: initialLocale(saved.locale ?? null),
    };
  },
  actions: {
    apply() {
      i18n.global.locale.value = this.locale;
      document.documentElement.lang = this.locale;
      vuetify.theme.change(this.theme);
    },
    save() {
      localStorage.setItem(KEY, JSON.stringify({ theme: this.theme, locale: this.locale }));
      this.apply();
    },
    setLocale(locale: LocaleCode) {
      this.locale = locale;
      this.save();
    },
    toggleTheme() {
      this.theme = this.theme === 'dark' ? 'light' : 'dark';
      this.save();
    },
  },
});
