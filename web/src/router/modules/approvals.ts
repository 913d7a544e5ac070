import type { RouteRecordRaw } from 'vue-router';

// Approval requests (inbox, one request, its build log at the seed's /logs/<id>) and the policies.
// Deciding needs no permission of its own (being a named approver is what counts), so the inbox,
// a request and its log are open to every signed-in user: the server shows each one only the
// requests they may see (approvals.view on the scope, or approver / requester) and checks every call.
const VIEW = 'authenticated';
const MANAGE = 'approvals.policies.manage';
const id = ':id(\\d+)';

const routes: RouteRecordRaw[] = [
  {
    path: 'approvals',
    name: 'approvals',
    component: () => import('@/views/approvals/ApprovalsInboxView.vue'),
    meta: { permission: VIEW, titleKey: 'approvals.nav.inbox', icon: 'mdi-check-decagram-outline', section: 'main', order: 5 },
  },
  {
    path: `approvals/${id}`,
    name: 'approval',
    component: () => import('@/views/approvals/ApprovalDetailView.vue'),
    meta: { permission: VIEW, titleKey: 'approvals.nav.detail' },
  },
  {
    path: 'logs/:approvalId(\\d+)',
    name: 'approval-log',
    component: () => import('@/views/approvals/ApprovalLogView.vue'),
    meta: { permission: VIEW, titleKey: 'approvals.nav.log' },
  },
  {
    path: 'approvals/policies',
    name: 'approval-policies',
    component: () => import('@/views/approvals/PoliciesView.vue'),
    meta: { permission: MANAGE, titleKey: 'approvals.nav.policies', icon: 'mdi-account-check-outline', section: 'admin', order: 35 },
  },
  {
    path: 'approvals/policies/new',
    name: 'approval-policy-new',
    component: () => import('@/views/approvals/PolicyEditView.vue'),
    meta: { permission: MANAGE, titleKey: 'approvals.nav.policyNew' },
  },
  {
    path: `approvals/policies/${id}/edit`,
    name: 'approval-policy-edit',
    component: () => import('@/views/approvals/PolicyEditView.vue'),
    meta: { permission: MANAGE, titleKey: 'approvals.nav.policyEdit' },
  },
];
export default routes;
