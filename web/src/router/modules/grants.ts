import type { RouteRecordRaw } from 'vue-router';

const routes: RouteRecordRaw[] = [
  {
    path: 'grants',
    name: 'grants',
    component: () => import('@/views/grants/GrantsView.vue'),
    meta: { permission: 'access.grants.read', titleKey: 'nav.grants', icon: 'mdi-key-chain-variant', section: 'access', order: 40 },
  },
];
export default routes;
