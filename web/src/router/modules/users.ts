import type { RouteRecordRaw } from 'vue-router';

const routes: RouteRecordRaw[] = [
  {
    path: 'users',
    name: 'users',
    component: () => import('@/views/users/UsersView.vue'),
    meta: { permission: 'identity.users.read', titleKey: 'nav.users', icon: 'mdi-account-multiple-outline', section: 'admin', order: 10 },
  },
];
export default routes;
