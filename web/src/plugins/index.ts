import type { App } from 'vue';
import { createPinia } from 'pinia';
import { i18n } from './i18n';
import { vuetify } from './vuetify';
import { router } from '@/router';
import { usePreferencesStore } from '@/stores/preferences';

/** Everything the app needs, in order: state first (preferences pick the language and theme), then UI, then routes. */
export function registerPlugins(app: App): void {
  app.use(createPinia());
  app.use(i18n);
  app.use(vuetify);
  usePreferencesStore().apply();
  app.use(router);
}
