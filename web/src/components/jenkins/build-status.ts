/**
 * How a Jenkins result looks everywhere in the UI: a theme colour (so dark mode follows), an icon
 * and the i18n key of its label.
 */

export interface StatusLook {
  color: string;
  icon: string;
  key: string;
}

const LOOKS: Record<string, StatusLook> = {
  SUCCESS: { color: 'success', icon: 'mdi-check-circle', key: 'jenkins.status.SUCCESS' },
  FAILURE: { color: 'error', icon: 'mdi-close-circle', key: 'jenkins.status.FAILURE' },
  UNSTABLE: { color: 'warning', icon: 'mdi-alert-circle', key: 'jenkins.status.UNSTABLE' },
  ABORTED: { color: 'secondary', icon: 'mdi-stop-circle', key: 'jenkins.status.ABORTED' },
  NOT_BUILT: { color: 'secondary', icon: 'mdi-circle-off-outline', key: 'jenkins.status.NOT_BUILT' },
};
const BUILDING: StatusLook = { color: 'info', icon: 'mdi-progress-clock', key: 'jenkins.status.BUILDING' };
const NEVER: StatusLook = { color: 'secondary', icon: 'mdi-circle-outline', key: 'jenkins.status.NEVER' };
const UNKNOWN: StatusLook = { color: 'secondary', icon: 'mdi-help-circle-outline', key: 'jenkins.status.UNKNOWN' };

export function statusLook(build: { result?: string | null; building?: boolean | null } | null | undefined): StatusLook {
  if (!build) return NEVER;
  if (build.building) return BUILDING;
  return (build.result && LOOKS[build.result]) || UNKNOWN;
}

/** 83 000 ms → "1m 23s"; under a minute "23s"; hours shown as "2h 5m". */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return '—';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  return `${Math.floor(m / 60)}h ${m % 60}m`;
}

/** Path segments of the build URLs: each part encoded on its own (project and branch names hold "/"). */
export function buildPath(project: string, branch: string, number?: number): string {
  const base = `/api/projects/${encodeURIComponent(project)}/branches/${encodeURIComponent(branch)}`;
  return number === undefined ? base : `${base}/builds/${number}`;
}

/** An artifact's relative path keeps its "/" separators, each segment encoded. */
export function artifactPath(project: string, branch: string, number: number, relative: string): string {
  return `${buildPath(project, branch, number)}/artifacts/${relative.split('/').map(encodeURIComponent).join('/')}`;
}

/** The WebSocket topic of a build's log (contract: encoded project and branch). */
export function logTopic(project: string, branch: string, number: number): string {
  return `build-log:${encodeURIComponent(project)}/${encodeURIComponent(branch)}/${number}`;
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 86_400_000],
  ['month', 30 * 86_400_000],
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
];

/** "5 minutes ago" / "5 分钟前" in the chosen language; under a minute reads as "now". */
export function relativeTime(iso: string | null | undefined, locale: string, now = Date.now()): string {
  if (!iso) return '—';
  const t = new Date(iso).getTime();
  if (Number.isNaN(t)) return iso;
  const diff = t - now;
  const fmt = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  for (const [unit, ms] of UNITS) if (Math.abs(diff) >= ms) return fmt.format(Math.round(diff / ms), unit);
  return fmt.format(0, 'second');
}

/** For builds not started through Gatehouse: what Jenkins says started them ("Started by timer"). */
export function causesText(causes: unknown): string {
  const list = Array.isArray(causes) ? causes.filter((c): c is string => typeof c === 'string' && !!c) : [];
  return list.length ? list.join('; ') : '—';
}
