import type { RouteRecordRaw } from 'vue-router';

const routes: RouteRecordRaw[] = [
  {
    path: 'audit',
    name: 'audit',
    component: () => import('@/views/audit/AuditView.vue'),
    meta: { permission: 'audit.read', titleKey: 'nav.audit', icon: 'mdi-clipboard-text-clock-outline', section: 'audit', order: 60 },
  },
];
export default routes;
