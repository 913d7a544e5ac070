import type { RouteRecordRaw } from 'vue-router';

// Jenkins administration (servers, sync, orphan grants) and the branch-access assignment screen.
const routes: RouteRecordRaw[] = [
  {
    path: 'jenkins/admin',
    name: 'jenkins-admin',
    component: () => import('@/views/jenkins/JenkinsAdminView.vue'),
    meta: { permission: 'jenkins.manage', titleKey: 'jenkins.nav.admin', icon: 'mdi-server-network', section: 'admin', order: 30 },
  },
  {
    path: 'jenkins/access',
    name: 'jenkins-access',
    component: () => import('@/views/jenkins/BranchAccessView.vue'),
    meta: {
      permission: 'access.grants.manage',
      titleKey: 'jenkins.nav.access',
      icon: 'mdi-source-branch-check',
      section: 'access',
      order: 45,
    },
  },
];
export default routes;
