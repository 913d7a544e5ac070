import type { Router } from 'vue-router';
import { i18n } from '@/plugins/i18n';
import { onSessionExpired } from '@/api/session';
import { isApiError } from '@/api/errors';
import { useAuthStore } from '@/stores/auth';
import { useUiStore } from '@/stores/ui';

/**
 * Signed-out users go to the login page; a pending password change or MFA enrolment comes before any
 * other page; pages the user may not use show "forbidden" (the server refuses them anyway).
 */
export function installGuards(router: Router): void {
  onSessionExpired(() => {
    useAuthStore().clear();
    const current = router.currentRoute.value;
    if (current.name !== 'login') void router.push({ name: 'login', query: { redirect: current.fullPath, expired: '1' } });
  });

  router.beforeEach(async (to) => {
    const auth = useAuthStore();
    if (to.meta.public) return true;
    if (!auth.isAuthenticated) return { name: 'login', query: to.fullPath === '/' ? {} : { redirect: to.fullPath } };
    try {
      await auth.load();
    } catch (e) {
      if (isApiError(e) && e.status === 401) {
        auth.clear();
        return { name: 'login', query: { redirect: to.fullPath } };
      }
      useUiStore().error(e);
    }
    const step = auth.pendingStep;
    if (step === 'password') return to.name === 'password-change' ? true : { name: 'password-change' };
    if (step === 'mfa') return to.name === 'mfa-enroll' ? true : { name: 'mfa-enroll' };
    if (to.meta.forced) return { name: 'home' };
    if (to.meta.permission && !auth.can(to.meta.permission)) return { name: 'forbidden', query: { from: to.fullPath } };
    return true;
  });

  router.afterEach((to) => {
    const t = i18n.global.t as (k: string) => string;
    document.title = to.meta.titleKey ? `${t(to.meta.titleKey)} · Gatehouse` : 'Gatehouse';
  });
}
