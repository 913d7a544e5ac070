import { useI18n } from 'vue-i18n';

/** Dates in the chosen language and the browser's time zone. */
export function useFormat() {
  const { locale } = useI18n();
  function dateTime(iso: string | null | undefined): string {
    if (!iso) return '—';
    const d = new Date(iso);
    if (Number.isNaN(d.getTime())) return iso;
    return new Intl.DateTimeFormat(locale.value, { dateStyle: 'medium', timeStyle: 'short' }).format(d);
  }
  function date(iso: string | null | undefined): string {
    if (!iso) return '—';
    const d = new Date(iso);
    return Number.isNaN(d.getTime()) ? iso : new Intl.DateTimeFormat(locale.value, { dateStyle: 'medium' }).format(d);
  }
  return { dateTime, date };
}
