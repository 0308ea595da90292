import { z } from 'zod';
import { listBooths } from '../facilities/booth-store.ts';
import { localDayRange } from '../facilities/local-day.ts';
import type { Storage } from '../storage/database.ts';
import { bookingProblems, loadBookingContext, quotaUsed } from './booking-rules.ts';
import { weekdayOf } from './facility-calendar.ts';
import { clockMinutes, type FacilityRules } from './facility-rules.ts';

/** Longest visit POST /api/visits takes (durationMinutes ≤ 60): longer slots offer a 60-minute visit. */
const MAX_VISIT_MINUTES = 60;

export const SLOT_REASONS = ['past', 'outside_visiting_hours', 'booth_busy', 'inmate_busy', 'visitor_busy', 'quota_exceeded'] as const;

export const slotSchema = z.object({
  start: z.iso.datetime(),
  end: z.iso.datetime(),
  free: z.boolean(),
  reason: z.enum(SLOT_REASONS).optional(),
});

/** Response of GET /api/slots. */
export const slotGridSchema = z.object({
  date: z.iso.date(),
  timezone: z.string(),
  slotMinutes: z.number().int(),
  durationMinutes: z.number().int(),
  quota: z.object({ count: z.number().int(), period: z.enum(['week', 'month']), used: z.number().int() }).nullable(),
  booths: z.array(z.object({ id: z.uuid(), name: z.string(), slots: z.array(slotSchema) })),
});
export type SlotGrid = z.output<typeof slotGridSchema>;

export interface SlotGridQuery {
  facilityId: string;
  date: string;
  inmateId: string;
  visitorIds: string[];
  durationMinutes?: number;
  privileged: boolean;
  now?: Date;
}

/** Start minutes (since local midnight) of the slots of one weekday: every slotMinutes from each window's start, ending inside it. */
function slotStarts(rules: FacilityRules, weekday: number, durationMinutes: number): number[] {
  const starts: number[] = [];
  for (const w of rules.visitingHours[String(weekday) as keyof FacilityRules['visitingHours']]) {
    for (let m = clockMinutes(w.from); m + durationMinutes <= clockMinutes(w.to); m += rules.slotMinutes) starts.push(m);
  }
  return starts;
}

/**
 * The slot grid of a local day for one inmate (and visitors): every booth's slots in the day's
 * visiting hours, each judged by the same bookingProblems a booking goes through, so a slot
 * marked free is one POST /api/visits accepts (until someone else books it).
 */
export async function slotGrid(storage: Storage, q: SlotGridQuery): Promise<SlotGrid> {
  const now = q.now ?? new Date();
  const facility = await storage.db.selectFrom('facilities').select('timezone').where('id', '=', q.facilityId).executeTakeFirstOrThrow();
  const day = localDayRange(q.date, facility.timezone);
  const context = await loadBookingContext(storage, { facilityId: q.facilityId, inmateId: q.inmateId, visitorIds: q.visitorIds, from: day.from, to: day.to });
  const { rules } = context;
  const durationMinutes = q.durationMinutes ?? Math.min(rules.slotMinutes, MAX_VISIT_MINUTES);
  const starts = slotStarts(rules, weekdayOf(q.date), durationMinutes);
  const booths = await listBooths(storage, q.facilityId);

  return {
    date: q.date,
    timezone: facility.timezone,
    slotMinutes: rules.slotMinutes,
    durationMinutes,
    quota: rules.quota ? { ...rules.quota, used: quotaUsed(context, day.from) } : null,
    booths: booths.map((booth) => ({
      id: booth.id,
      name: booth.name,
      slots: starts.map((minute) => {
        const start = new Date(day.from.getTime() + minute * 60_000);
        const end = new Date(start.getTime() + durationMinutes * 60_000);
        const slot = { start: start.toISOString(), end: end.toISOString() };
        if (start < now) return { ...slot, free: false, reason: 'past' as const };
        const request = { boothId: booth.id, inmateId: q.inmateId, visitorIds: q.visitorIds, start, end, privileged: q.privileged };
        const problem = bookingProblems(context, request).find((p) => p.code !== 'too_many_visitors');
        return problem ? { ...slot, free: false, reason: problem.code as Exclude<typeof problem.code, 'too_many_visitors'> } : { ...slot, free: true };
      }),
    })),
  };
}
