import type { RouteRecordRaw } from 'vue-router';

const routes: RouteRecordRaw[] = [
  {
    path: 'groups',
    name: 'groups',
    component: () => import('@/views/groups/GroupsView.vue'),
    meta: { permission: 'identity.groups.read', titleKey: 'nav.groups', icon: 'mdi-account-group-outline', section: 'admin', order: 20 },
  },
];
export default routes;
