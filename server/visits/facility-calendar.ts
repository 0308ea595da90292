import { localDayRange, localToday } from '../facilities/local-day.ts';

/** Calendar arithmetic on the facility's local dates (YYYY-MM-DD), for visiting hours and quotas. */

export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/** 0 = Sunday … 6 = Saturday. */
export function weekdayOf(date: string): number {
  return new Date(`${date}T00:00:00Z`).getUTCDay();
}

/** The local calendar date of an instant, and how many seconds past local midnight it is. */
export function localClock(at: Date, timeZone: string): { date: string; seconds: number } {
  const date = localToday(timeZone, at);
  return { date, seconds: (at.getTime() - localDayRange(date, timeZone).from.getTime()) / 1000 };
}

/** The UTC bounds [from, to) of the local ISO week (Monday–Sunday) or calendar month holding `date`. */
export function localPeriodRange(date: string, period: 'week' | 'month', timeZone: string): { from: Date; to: Date } {
  let first: string;
  let next: string;
  if (period === 'week') {
    first = addDays(date, -((weekdayOf(date) + 6) % 7));
    next = addDays(first, 7);
  } else {
    const [y, m] = date.split('-').map(Number) as [number, number];
    first = `${date.slice(0, 7)}-01`;
    next = new Date(Date.UTC(y, m, 1)).toISOString().slice(0, 10);
  }
  return { from: localDayRange(first, timeZone).from, to: localDayRange(next, timeZone).from };
}
