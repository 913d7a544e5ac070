/**
 * How run, target and connection-check states look everywhere in the automation UI: a theme
 * colour (so dark mode follows), an icon and the i18n key of the label.
 */

export interface StateLook {
  color: string;
  icon: string;
  key: string;
}

const RUN: Record<string, Omit<StateLook, 'key'>> = {
  queued: { color: 'secondary', icon: 'mdi-timer-sand' },
  running: { color: 'info', icon: 'mdi-progress-clock' },
  succeeded: { color: 'success', icon: 'mdi-check-circle' },
  failed: { color: 'error', icon: 'mdi-close-circle' },
  cancelled: { color: 'secondary', icon: 'mdi-stop-circle' },
  interrupted: { color: 'warning', icon: 'mdi-alert-circle' },
  timeout: { color: 'warning', icon: 'mdi-timer-alert' },
  unreachable: { color: 'error', icon: 'mdi-lan-disconnect' },
  'auth-failed': { color: 'error', icon: 'mdi-key-alert' },
  'host-key-changed': { color: 'error', icon: 'mdi-shield-alert' },
};

const CHECK: Record<string, Omit<StateLook, 'key'>> = {
  reachable: { color: 'success', icon: 'mdi-lan-connect' },
  'auth-failed': { color: 'error', icon: 'mdi-key-alert' },
  unreachable: { color: 'error', icon: 'mdi-lan-disconnect' },
  'host-key-changed': { color: 'error', icon: 'mdi-shield-alert' },
  timeout: { color: 'warning', icon: 'mdi-timer-alert' },
};

const UNKNOWN = { color: 'secondary', icon: 'mdi-help-circle-outline' };

/** A run's or a run target's status. */
export function runLook(status: string | null | undefined): StateLook {
  const s = status ?? 'unknown';
  return RUN[s] ? { ...RUN[s], key: `automation.status.${s}` } : { ...UNKNOWN, key: 'automation.status.unknown' };
}

/** The result of a connection check; null: never checked. */
export function checkLook(status: string | null | undefined): StateLook {
  if (!status) return { color: 'secondary', icon: 'mdi-circle-outline', key: 'automation.check.never' };
  return CHECK[status] ? { ...CHECK[status], key: `automation.check.${status}` } : { ...UNKNOWN, key: 'automation.status.unknown' };
}

export const FINISHED = new Set(['succeeded', 'failed', 'cancelled', 'interrupted']);
export const isFinished = (status: string | null | undefined) => !!status && FINISHED.has(status);
