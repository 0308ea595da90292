/** Date (YYYY-MM-DD) and time (HH:MM) now on the facility's wall clock. */
export function facilityNow(timezone: string, at = new Date()): { date: string; time: string } {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  }).formatToParts(at);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '00';
  return { date: `${get('year')}-${get('month')}-${get('day')}`, time: `${get('hour')}:${get('minute')}` };
}

/** A session takes bookings until it ends on the facility's clock. */
export function sessionOpen(session: { date: string; end_time: string }, timezone: string, at = new Date()): boolean {
  const now = facilityNow(timezone, at);
  return session.date > now.date || (session.date === now.date && session.end_time > now.time);
}
