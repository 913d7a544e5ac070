import { modeKind, type LevelMode, type Policy, type PolicyLevel } from '@/api/approvals';

/** The policy form's fields (every setting present, unlike the API's optional ones). */
export interface PolicyForm {
  name: string;
  project: string;
  environment: string;
  timeoutMinutes: number;
  timeoutAction: 'reject' | 'approve';
  allowSelfApproval: boolean;
  reminder: { firstMinutes: number; backoff: number; max: number };
  enabled: boolean;
}

/** The policy form's working copy of a level (mode split into kind + quorum for the inputs). */
export interface LevelDraft {
  key: number;
  name: string;
  users: string[];
  groups: string[];
  roles: string[];
  kind: 'any' | 'all' | 'quorum';
  quorum: number;
}

let seq = 0;
export const blankLevel = (): LevelDraft => ({ key: ++seq, name: '', users: [], groups: [], roles: [], kind: 'any', quorum: 2 });

export function toDraft(l: PolicyLevel): LevelDraft {
  const kind = modeKind(l.mode);
  return {
    key: ++seq,
    name: l.name ?? '',
    users: [...(l.approvers?.users ?? [])],
    groups: [...(l.approvers?.groups ?? [])],
    roles: [...(l.approvers?.roles ?? [])],
    kind,
    quorum: kind === 'quorum' ? (l.mode as { quorum: number }).quorum : 2,
  };
}

export function fromDraft(d: LevelDraft): PolicyLevel {
  const mode: LevelMode = d.kind === 'quorum' ? { quorum: Number(d.quorum) } : d.kind;
  return { ...(d.name.trim() ? { name: d.name.trim() } : {}), approvers: { users: d.users, groups: d.groups, roles: d.roles }, mode };
}

export const levelValid = (d: LevelDraft) =>
  d.users.length + d.groups.length + d.roles.length > 0 &&
  (d.kind !== 'quorum' || (Number.isInteger(Number(d.quorum)) && Number(d.quorum) >= 1));

/** The defaults of a new policy: the server's (approvals.* settings) numbers from the seed. */
export function blankPolicy(): PolicyForm {
  return {
    name: '',
    project: '*',
    environment: 'prod',
    timeoutMinutes: 30,
    timeoutAction: 'reject',
    allowSelfApproval: false,
    reminder: { firstMinutes: 5, backoff: 1.5, max: 6 },
    enabled: true,
  };
}

export function fromPolicy(p: Policy): PolicyForm {
  const d = blankPolicy();
  return {
    name: p.name,
    project: p.project,
    environment: p.environment,
    timeoutMinutes: p.timeoutMinutes ?? d.timeoutMinutes,
    timeoutAction: p.timeoutAction ?? d.timeoutAction,
    allowSelfApproval: !!p.allowSelfApproval,
    reminder: { ...d.reminder, ...(p.reminder ?? {}) },
    enabled: p.enabled ?? true,
  };
}
