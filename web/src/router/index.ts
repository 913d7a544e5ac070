import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router';
import { installGuards } from './guards';

// One file per module under ./modules; each exports the layout's child routes with their menu meta.
const modules = import.meta.glob<{ default: RouteRecordRaw[] }>('./modules/*.ts', { eager: true });
export const appRoutes: RouteRecordRaw[] = Object.values(modules).flatMap((m) => m.default);

const routes: RouteRecordRaw[] = [
  {
    path: '/login',
    name: 'login',
    component: () => import('@/views/auth/LoginView.vue'),
    meta: { public: true, titleKey: 'auth.login.title' },
  },
  {
    path: '/password-change',
    name: 'password-change',
    component: () => import('@/views/auth/ForcedPasswordView.vue'),
    meta: { forced: 'password', titleKey: 'auth.forcedPassword.title' },
  },
  {
    path: '/mfa-enroll',
    name: 'mfa-enroll',
    component: () => import('@/views/auth/ForcedMfaView.vue'),
    meta: { forced: 'mfa', titleKey: 'auth.forcedMfa.title' },
  },
  {
    path: '/',
    component: () => import('@/layouts/DefaultLayout.vue'),
    children: [
      ...appRoutes,
      {
        path: 'forbidden',
        name: 'forbidden',
        component: () => import('@/views/errors/ForbiddenView.vue'),
        meta: { titleKey: 'errors.forbiddenTitle' },
      },
      {
        path: ':pathMatch(.*)*',
        name: 'not-found',
        component: () => import('@/views/errors/NotFoundView.vue'),
        meta: { titleKey: 'errors.notFoundTitle' },
      },
    ],
  },
];

export const router = createRouter({ history: createWebHistory('/'), routes });
installGuards(router);
