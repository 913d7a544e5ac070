import { createI18n } from 'vue-i18n';
import { en as vuetifyEn, zhHans as vuetifyZh } from 'vuetify/locale';
import en from '@/locales/en';
import zhCN from '@/locales/zh-CN';

export const LOCALES = [
  { code: 'en', label: 'English' },
  { code: 'zh-CN', label: '简体中文' },
] as const;
export type LocaleCode = (typeof LOCALES)[number]['code'];

export type MessageSchema = typeof en;

/** The saved choice, else the browser's language (any zh-* reads as zh-CN), else English. */
export function initialLocale(saved: string | null): LocaleCode {
  if (saved === 'en' || saved === 'zh-CN') return saved;
  return navigator.language?.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
}

// `$vuetify` carries Vuetify's own component strings (data table footers, pickers) in both languages.
export const i18n = createI18n<[MessageSchema], LocaleCode, false>({
  legacy: false,
  locale: 'en',
  fallbackLocale: 'en',
  missingWarn: false,
  fallbackWarn: false,
  messages: {
    en: { ...en, $vuetify: vuetifyEn } as MessageSchema,
    'zh-CN': { ...zhCN, $vuetify: vuetifyZh } as MessageSchema,
  },
});
