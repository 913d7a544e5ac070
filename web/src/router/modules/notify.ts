import type { RouteRecordRaw } from 'vue-router';

// Notification channels, their test message and the delivery log (administration).
const routes: RouteRecordRaw[] = [
  {
    path: 'admin/notify',
    name: 'notify-admin',
    component: () => import('@/views/notify/NotifyAdminView.vue'),
    meta: { permission: 'notify.manage', titleKey: 'notify.nav.admin', icon: 'mdi-bell-cog-outline', section: 'admin', order: 40 },
  },
];
export default routes;
