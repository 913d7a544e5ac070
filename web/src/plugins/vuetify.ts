import 'vuetify/styles';
import '@mdi/font/css/materialdesignicons.css';
import { createVuetify } from 'vuetify';
import { createVueI18nAdapter } from 'vuetify/locale/adapters/vue-i18n';
import { useI18n } from 'vue-i18n';
import { i18n } from './i18n';

export const vuetify = createVuetify({
  theme: {
    defaultTheme: 'light',
    themes: {
      light: {
        dark: false,
        colors: {
          primary: '#1565C0',
          secondary: '#455A64',
          background: '#F5F7FA',
          surface: '#FFFFFF',
          error: '#C62828',
          warning: '#EF6C00',
          success: '#2E7D32',
          info: '#0277BD',
        },
      },
      dark: {
        dark: true,
        colors: {
          primary: '#64B5F6',
          secondary: '#90A4AE',
          background: '#121417',
          surface: '#1E2227',
          error: '#EF5350',
          warning: '#FFA726',
          success: '#66BB6A',
          info: '#4FC3F7',
        },
      },
    },
  },
  // The adapter's I18n type is generic over any schema; ours is typed by en.ts.
  locale: { adapter: createVueI18nAdapter({ i18n: i18n as unknown as Parameters<typeof createVueI18nAdapter>[0]['i18n'], useI18n }) },
  defaults: {
    VTextField: { variant: 'outlined', density: 'comfortable', hideDetails: 'auto' },
    VSelect: { variant: 'outlined', density: 'comfortable', hideDetails: 'auto' },
    VAutocomplete: { variant: 'outlined', density: 'comfortable', hideDetails: 'auto' },
    VTextarea: { variant: 'outlined', hideDetails: 'auto' },
    VCard: { rounded: 'lg' },
    VBtn: { style: 'text-transform: none; letter-spacing: normal' },
    VDataTableServer: { density: 'comfortable', hover: true },
    VDataTable: { density: 'comfortable', hover: true },
  },
});
