import type { RouteRecordRaw } from 'vue-router';

// Browsing and building. Project and branch names hold "/", so they travel encoded in one segment each.
const routes: RouteRecordRaw[] = [
  {
    path: 'projects',
    name: 'jenkins-projects',
    component: () => import('@/views/jenkins/ProjectsView.vue'),
    meta: { permission: 'jenkins.view', titleKey: 'jenkins.nav.projects', icon: 'mdi-pipe', section: 'main', order: 10 },
  },
  {
    path: 'projects/:project',
    name: 'jenkins-project',
    component: () => import('@/views/jenkins/ProjectView.vue'),
    meta: { permission: 'jenkins.view', titleKey: 'jenkins.nav.projects' },
  },
  {
    path: 'projects/:project/branches/:branch/builds/:number(\\d+)',
    name: 'jenkins-build',
    component: () => import('@/views/jenkins/BuildView.vue'),
    meta: { permission: 'jenkins.view', titleKey: 'jenkins.nav.build' },
  },
];
export default routes;
