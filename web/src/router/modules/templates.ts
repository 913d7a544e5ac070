import type { RouteRecordRaw } from 'vue-router';

const routes: RouteRecordRaw[] = [
  {
    path: 'templates',
    name: 'templates',
    component: () => import('@/views/templates/TemplatesView.vue'),
    meta: {
      permission: 'access.templates.read',
      titleKey: 'nav.templates',
      icon: 'mdi-file-document-multiple-outline',
      section: 'access',
      order: 50,
    },
  },
];
export default routes;
