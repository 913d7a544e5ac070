import type { RouteRecordRaw } from 'vue-router';

const routes: RouteRecordRaw[] = [
  {
    path: '',
    name: 'home',
    component: () => import('@/views/home/HomeView.vue'),
    meta: { titleKey: 'nav.home', icon: 'mdi-view-dashboard-outline', section: 'main', order: 0 },
  },
];
export default routes;
