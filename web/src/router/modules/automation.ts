import type { RouteRecordRaw } from 'vue-router';

// Scripts, targets, jump hosts, tasks and their runs. Lists need automation.view (the menu shows
// only those); create and edit pages need the permission that manages the thing. The server checks
// each request on the item's project again.
type Loader = NonNullable<Extract<RouteRecordRaw, { component: unknown }>['component']>;
const page = (
  name: string,
  path: string,
  component: Loader,
  permission: string,
  titleKey: string,
  menu?: { icon: string; order: number },
): RouteRecordRaw => ({
  path,
  name,
  component,
  meta: { permission, titleKey, ...(menu ? { ...menu, section: 'main' as const } : {}) },
});

const Scripts = () => import('@/views/automation/ScriptsView.vue');
const ScriptEdit = () => import('@/views/automation/ScriptEditView.vue');
const ScriptDetail = () => import('@/views/automation/ScriptDetailView.vue');
const Targets = () => import('@/views/automation/TargetsView.vue');
const TargetEdit = () => import('@/views/automation/TargetEditView.vue');
const JumpHosts = () => import('@/views/automation/JumpHostsView.vue');
const JumpHostEdit = () => import('@/views/automation/JumpHostEditView.vue');
const Tasks = () => import('@/views/automation/TasksView.vue');
const TaskEdit = () => import('@/views/automation/TaskEditView.vue');
const TaskDetail = () => import('@/views/automation/TaskDetailView.vue');
const Run = () => import('@/views/automation/RunView.vue');

const VIEW = 'automation.view';
const id = ':id(\\d+)';

const routes: RouteRecordRaw[] = [
  page('automation-scripts', 'automation/scripts', Scripts, VIEW, 'automation.nav.scripts', { icon: 'mdi-script-text-outline', order: 20 }),
  page('automation-script-new', 'automation/scripts/new', ScriptEdit, 'automation.scripts.manage', 'automation.nav.scriptNew'),
  page('automation-script', `automation/scripts/${id}`, ScriptDetail, VIEW, 'automation.nav.script'),
  page('automation-script-edit', `automation/scripts/${id}/edit`, ScriptEdit, 'automation.scripts.manage', 'automation.nav.scriptEdit'),
  page('automation-targets', 'automation/targets', Targets, VIEW, 'automation.nav.targets', { icon: 'mdi-server', order: 21 }),
  page('automation-target-new', 'automation/targets/new', TargetEdit, 'automation.targets.manage', 'automation.nav.targetNew'),
  page('automation-target-edit', `automation/targets/${id}/edit`, TargetEdit, 'automation.targets.manage', 'automation.nav.targetEdit'),
  page('automation-jump-hosts', 'automation/jump-hosts', JumpHosts, VIEW, 'automation.nav.jumpHosts', {
    icon: 'mdi-server-network-outline',
    order: 22,
  }),
  page('automation-jump-host-new', 'automation/jump-hosts/new', JumpHostEdit, 'automation.targets.manage', 'automation.nav.jumpHostNew'),
  page(
    'automation-jump-host-edit',
    `automation/jump-hosts/${id}/edit`,
    JumpHostEdit,
    'automation.targets.manage',
    'automation.nav.jumpHostEdit',
  ),
  page('automation-tasks', 'automation/tasks', Tasks, VIEW, 'automation.nav.tasks', { icon: 'mdi-calendar-clock-outline', order: 23 }),
  page('automation-task-new', 'automation/tasks/new', TaskEdit, 'automation.tasks.manage', 'automation.nav.taskNew'),
  page('automation-task', `automation/tasks/${id}`, TaskDetail, VIEW, 'automation.nav.task'),
  page('automation-task-edit', `automation/tasks/${id}/edit`, TaskEdit, 'automation.tasks.manage', 'automation.nav.taskEdit'),
  page('automation-run', `automation/runs/${id}`, Run, VIEW, 'automation.nav.run'),
];
export default routes;
