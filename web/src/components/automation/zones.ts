/** IANA time zones in the browser: the list to pick from, the browser's own, and wall time in a zone. */

let zones: string[] | null = null;

/** Every IANA time zone the browser knows, UTC first. */
export function timeZones(): string[] {
  if (zones) return zones;
  let list: string[] = [];
  try {
    list = Intl.supportedValuesOf('timeZone');
  } catch {
    list = [];
  }
  zones = ['UTC', ...list.filter((z) => z !== 'UTC')];
  return zones;
}

export const browserZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

/** A moment as wall time in `timezone`, with the zone's short name ("2 Dec 2026, 09:00 CET"). */
export function inZone(d: Date | string, timezone: string, locale: string): string {
  try {
    return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone: timezone, timeZoneName: 'short' }).format(
      typeof d === 'string' ? new Date(d) : d,
    );
  } catch {
    return String(d);
  }
}
