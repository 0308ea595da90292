/** Dates and times as the facility's clock shows them (WIB/WITA/WIT), whatever the desk PC's zone. */

const ZONE_NAMES: Record<string, string> = { 'Asia/Jakarta': 'WIB', 'Asia/Makassar': 'WITA', 'Asia/Jayapura': 'WIT' };

/** WIB / WITA / WIT for Indonesia's zones, else the zone's UTC offset (e.g. GMT+7). */
export function zoneName(timeZone: string): string {
  const known = ZONE_NAMES[timeZone];
  if (known) return known;
  const part = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'shortOffset' }).formatToParts(new Date()).find((p) => p.type === 'timeZoneName');
  return part?.value ?? timeZone;
}

const locale = (lang: 'id' | 'en') => (lang === 'id' ? 'id-ID' : 'en-GB');

/** 09.30 (id) / 09:30 (en) in the facility's zone. */
export function timeIn(iso: string, timeZone: string, lang: 'id' | 'en'): string {
  return new Intl.DateTimeFormat(locale(lang), { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(iso));
}

/** Senin, 30 November 2026 in the facility's zone. */
export function dateIn(iso: string, timeZone: string, lang: 'id' | 'en'): string {
  return new Intl.DateTimeFormat(locale(lang), { timeZone, dateStyle: 'full' }).format(new Date(iso));
}

/** YYYY-MM-DD of an instant in the facility's zone. */
export function localDate(timeZone: string, at = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

/** A YYYY-MM-DD date moved by whole days. */
export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/** The date's name (Senin, 30 November 2026) for a YYYY-MM-DD date. */
export function dayName(date: string, lang: 'id' | 'en'): string {
  return new Intl.DateTimeFormat(locale(lang), { dateStyle: 'full', timeZone: 'UTC' }).format(new Date(`${date}T00:00:00Z`));
}
