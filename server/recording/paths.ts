import path from 'node:path';

const SAFE_ID = /^[A-Za-z0-9_-]{1,64}$/;

export function assertSafeId(value: string, what: string): string {
  if (!SAFE_ID.test(value)) throw new Error(`unsafe ${what} for a recording path: ${JSON.stringify(value)}`);
  return value;
}

/** YYYY-MM-DD of `at` in the facility's time zone (officers look for "the visit of 3 March"). */
export function localDate(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

/** recordings/<facility>/<date>/<visit>/ */
export function visitRecordingDir(root: string, facilityId: string, date: string, visitId: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new Error(`bad recording date ${date}`);
  return path.join(root, assertSafeId(facilityId, 'facility id'), date, assertSafeId(visitId, 'visit id'));
}
