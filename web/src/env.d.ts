/// <reference types="vite/client" />
import 'vue-router';

declare module 'vue-router' {
  interface RouteMeta {
    /** Visible without signing in (login). */
    public?: boolean;
    /** The permission code the page needs; the menu hides pages the user may not use. */
    permission?: string;
    /** i18n key of the page title (menu entry and app bar). */
    titleKey?: string;
    /** mdi icon of the menu entry; pages without one are not in the menu. */
    icon?: string;
    /** Menu section (i18n key under nav.sections) and position inside the menu. */
    section?: 'main' | 'admin' | 'access' | 'audit';
    order?: number;
    /** Allowed while a forced password change / MFA enrolment is pending. */
    forced?: 'password' | 'mfa';
  }
}
