import { api, unwrap } from './client';
import type { BodyFor, ItemsOf, ResponseOf } from './types';
import { rest } from './rest';

/**
 * The approvals API (issue 5): requests, decisions, policies, the build log of a request and the
 * Telegram link of the signed-in user. Types come from the generated schema; the server declares
 * statuses as plain strings, so the unions the views switch on are narrowed here.
 */

export type ApprovalStatus = 'pending' | 'approved' | 'rejected' | 'timeout' | 'withdrawn';
export const APPROVAL_STATUSES: ApprovalStatus[] = ['pending', 'approved', 'rejected', 'timeout', 'withdrawn'];
export type LevelStatus = 'waiting' | 'pending' | 'approved' | 'rejected';
export type FollowUp = 'none' | 'pending' | 'running' | 'done' | 'failed';

type ApiApproval = ItemsOf<'/api/approvals'>;
type ApiDetail = ResponseOf<'/api/approvals/{id}', 'get'>;
type ApiLevel = ApiDetail['levels'][number];
type ApiApprover = ApiLevel['approvers'][number];

export type Approval = Omit<ApiApproval, 'status' | 'followUp'> & { status: ApprovalStatus; followUp: FollowUp };
export type LevelApprover = Omit<ApiApprover, 'decision'> & { decision: 'approve' | 'reject' | null };
export type ApprovalLevel = Omit<ApiLevel, 'status' | 'approvers'> & { status: LevelStatus; approvers: LevelApprover[] };
export type HistoryEntry = ApiDetail['history'][number];
export type ApprovalDetail = Approval & { levels: ApprovalLevel[]; history: HistoryEntry[] };
export type UserRef = NonNullable<Approval['requestedBy']>;

export interface ApprovalQuery {
  status?: ApprovalStatus;
  project?: string;
  env?: string;
  mine?: boolean;
  page: number;
  pageSize: number;
}

export type Policy = ItemsOf<'/api/approval-policies'>;
export type PolicyInput = BodyFor<'/api/approval-policies', 'post'>;
export type PolicyLevel = PolicyInput['levels'][number];
export type LevelMode = PolicyLevel['mode'];
export type ImportBody = BodyFor<'/api/approval-policies/import', 'post'>;
export type ImportReport = ResponseOf<'/api/approval-policies/import', 'post'>;
export type TelegramLink = ResponseOf<'/api/me/telegram', 'get'>;
export type TelegramCode = ResponseOf<'/api/me/telegram/link-code', 'post'>;

const id = (n: number) => ({ params: { path: { id: n } } });

export const approvalsApi = {
  list: async (query: ApprovalQuery) => {
    const r = await unwrap(api.GET('/api/approvals', { params: { query: { mine: false, ...query } } }));
    return { items: r.items as Approval[], total: r.total };
  },
  get: async (n: number) => (await unwrap(api.GET('/api/approvals/{id}', id(n)))) as ApprovalDetail,
  approve: (n: number, body: BodyFor<'/api/approve/{id}', 'post'>) => unwrap(api.POST('/api/approve/{id}', { ...id(n), body })),
  reject: (n: number, body: BodyFor<'/api/reject/{id}', 'post'>) => unwrap(api.POST('/api/reject/{id}', { ...id(n), body })),
  withdraw: (n: number) => unwrap(api.POST('/api/approvals/{id}/withdraw', { ...id(n), body: {} })),
  // Plain text (the schema declares no body for it), so read as text, not through openapi-fetch's JSON parser.
  log: (n: number) => rest<string>('GET', `/api/approvals/${n}/log`),

  policies: async () => (await unwrap(api.GET('/api/approval-policies'))).items,
  policy: (n: number) => unwrap(api.GET('/api/approval-policies/{id}', id(n))),
  createPolicy: (body: PolicyInput) => unwrap(api.POST('/api/approval-policies', { body })),
  updatePolicy: (n: number, body: PolicyInput) => unwrap(api.PUT('/api/approval-policies/{id}', { ...id(n), body })),
  deletePolicy: (n: number) => unwrap(api.DELETE('/api/approval-policies/{id}', id(n))),
  importPolicies: (body: ImportBody) => unwrap(api.POST('/api/approval-policies/import', { body })),

  telegram: () => unwrap(api.GET('/api/me/telegram')),
  telegramCode: () => unwrap(api.POST('/api/me/telegram/link-code')),
  telegramUnlink: () => unwrap(api.DELETE('/api/me/telegram')),
};

/** How many approvals a level needs: any one, all, or a quorum. */
export function modeKind(m: LevelMode): 'any' | 'all' | 'quorum' {
  return typeof m === 'object' && m ? 'quorum' : m === 'all' ? 'all' : 'any';
}
