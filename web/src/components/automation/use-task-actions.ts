import { ref } from 'vue';
import { useI18n } from 'vue-i18n';
import { useRouter } from 'vue-router';
import { useUiStore } from '@/stores/ui';
import { automationApi, type TaskItem } from './automation-api';

/** Run now (then open the run), enable / disable and delete a task: the list and the detail page share them. */
export function useTaskActions() {
  const { t } = useI18n();
  const ui = useUiStore();
  const router = useRouter();
  const starting = ref<number | null>(null);

  async function start(task: { id: number; name: string }): Promise<void> {
    starting.value = task.id;
    try {
      const { runId } = await automationApi.runTask(task.id);
      ui.notify(t('automation.tasks.started', { name: task.name }), 'info');
      await router.push({ name: 'automation-run', params: { id: runId } });
    } catch (e) {
      ui.error(e);
    } finally {
      starting.value = null;
    }
  }

  async function setEnabled(task: { id: number; name: string }, on: boolean): Promise<TaskItem | null> {
    try {
      const updated = await automationApi.setTaskEnabled(task.id, on);
      ui.notify(t(on ? 'automation.tasks.enabledNow' : 'automation.tasks.disabledNow', { name: task.name }));
      return updated;
    } catch (e) {
      ui.error(e);
      return null;
    }
  }

  async function remove(task: { id: number; name: string }): Promise<boolean> {
    if (
      !(await ui.confirm({
        title: t('automation.tasks.delete'),
        text: t('automation.tasks.confirmDelete', { name: task.name }),
        danger: true,
      }))
    )
      return false;
    try {
      await automationApi.deleteTask(task.id);
      ui.notify(t('automation.tasks.deleted', { name: task.name }));
      return true;
    } catch (e) {
      ui.error(e);
      return false;
    }
  }

  return { starting, start, setEnabled, remove };
}
