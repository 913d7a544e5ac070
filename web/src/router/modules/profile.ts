import type { RouteRecordRaw } from 'vue-router';

const routes: RouteRecordRaw[] = [
  {
    path: 'profile',
    name: 'profile',
    component: () => import('@/views/profile/ProfileView.vue'),
    meta: { titleKey: 'nav.profile', icon: 'mdi-account-circle-outline', section: 'main', order: 90 },
  },
];
export default routes;
