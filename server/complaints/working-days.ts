/** YYYY-MM-DD of an instant on the facility's calendar. */
export function localDate(at: Date, timezone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

function isWorkingDay(date: string, holidays: ReadonlySet<string>): boolean {
  const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
  return weekday !== 0 && weekday !== 6 && !holidays.has(date);
}

/**
 * The instant `workingDays` working days (Mon–Fri, not a holiday, on the facility's calendar)
 * after `from`, at the same time of day. Indonesian zones have no DST, so whole days are 24 h.
 */
export function addWorkingDays(from: Date, workingDays: number, timezone: string, holidays: ReadonlySet<string>): Date {
  let at = from.getTime();
  for (let counted = 0; counted < workingDays; ) {
    at += 24 * 3600_000;
    if (isWorkingDay(localDate(new Date(at), timezone), holidays)) counted++;
  }
  return new Date(at);
}
