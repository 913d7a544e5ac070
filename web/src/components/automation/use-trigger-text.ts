import { useI18n } from 'vue-i18n';

/** "admin", "Schedule", "Re-run by admin": who or what started a run, in the chosen language. */
export function useTriggerText() {
  const { t } = useI18n();
  return (trigger: string, startedBy: string | null | undefined): string => {
    if (trigger === 'schedule') return t('automation.runs.trigger.schedule');
    if (trigger === 'rerun') return t('automation.runs.trigger.rerun', { who: startedBy ?? '—' });
    return startedBy ?? t('automation.runs.trigger.manual');
  };
}
