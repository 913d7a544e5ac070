import type { RouteRecordRaw } from 'vue-router';

const routes: RouteRecordRaw[] = [
  {
    path: 'roles',
    name: 'roles',
    component: () => import('@/views/roles/RolesView.vue'),
    meta: { permission: 'access.roles.read', titleKey: 'nav.roles', icon: 'mdi-shield-account-outline', section: 'access', order: 30 },
  },
];
export default routes;
