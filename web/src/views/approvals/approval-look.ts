import type { ApprovalStatus, LevelStatus } from '@/api/approvals';

/** Colour and icon of a request status or a level status, shared by the inbox and the request page. */
export const STATUS_LOOK: Record<ApprovalStatus, { color: string; icon: string }> = {
  pending: { color: 'warning', icon: 'mdi-timer-sand' },
  approved: { color: 'success', icon: 'mdi-check-circle' },
  rejected: { color: 'error', icon: 'mdi-close-circle' },
  timeout: { color: 'grey', icon: 'mdi-timer-off-outline' },
  withdrawn: { color: 'grey', icon: 'mdi-undo-variant' },
};

export const LEVEL_LOOK: Record<LevelStatus, { color: string; icon: string }> = {
  waiting: { color: 'grey', icon: 'mdi-pause-circle-outline' },
  pending: { color: 'warning', icon: 'mdi-account-clock-outline' },
  approved: { color: 'success', icon: 'mdi-check-circle' },
  rejected: { color: 'error', icon: 'mdi-close-circle' },
};

/** "1 h 05 min", "4 min 10 s": a short duration for countdowns. */
export function shortDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d) return `${d} d ${h} h`;
  if (h) return `${h} h ${String(m).padStart(2, '0')} min`;
  return `${m} min ${String(s % 60).padStart(2, '0')} s`;
}
