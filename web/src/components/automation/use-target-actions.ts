import { ref } from 'vue';
import { useI18n } from 'vue-i18n';
import { useUiStore } from '@/stores/ui';
import { automationApi, type CheckResult } from './automation-api';

/**
 * "Check" (log in now and report reachable / auth failed / unreachable / host key changed / timeout)
 * and "Accept new host key" (after a confirmation), shared by the target list and the edit page.
 */
export function useTargetActions() {
  const { t } = useI18n();
  const ui = useUiStore();
  const checking = ref(new Set<number>());

  async function check(target: { id: number; name: string }): Promise<CheckResult | null> {
    checking.value = new Set([...checking.value, target.id]);
    try {
      const r = await automationApi.checkTarget(target.id);
      const text = t(`automation.check.${r.status}`);
      ui.notify(`${target.name}: ${text}`, r.status === 'reachable' ? 'success' : 'warning');
      return r;
    } catch (e) {
      ui.error(e);
      return null;
    } finally {
      const next = new Set(checking.value);
      next.delete(target.id);
      checking.value = next;
    }
  }

  async function acceptKey(target: { id: number; name: string }): Promise<boolean> {
    const ok = await ui.confirm({
      title: t('automation.targets.acceptKey'),
      text: t('automation.targets.confirmAcceptKey', { name: target.name }),
      confirmText: t('automation.targets.acceptKeyConfirm'),
      danger: true,
    });
    if (!ok) return false;
    try {
      await automationApi.acceptTargetKey(target.id);
      ui.notify(t('automation.targets.keyAccepted', { name: target.name }));
      return true;
    } catch (e) {
      ui.error(e);
      return false;
    }
  }

  return { checking, check, acceptKey };
}
