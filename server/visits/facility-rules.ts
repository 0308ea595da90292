import { z } from 'zod';
import type { Storage } from '../storage/database.ts';

/** "HH:MM" on a 24-hour clock; "24:00" only as the end of a window (midnight closing). */
const clockTime = z.string().regex(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/, 'must be a time HH:MM (00:00–24:00)');

/** Minutes since local midnight of an "HH:MM" time. */
export function clockMinutes(time: string): number {
  const [h, m] = time.split(':').map(Number) as [number, number];
  return h * 60 + m;
}

export const visitingWindowSchema = z
  .strictObject({ from: clockTime, to: clockTime })
  .refine((w) => w.from !== '24:00', { path: ['from'], message: 'a window cannot start at 24:00' })
  .refine((w) => clockMinutes(w.to) > clockMinutes(w.from), { path: ['to'], message: 'must be later than from' });

/** The windows of one weekday, in order and not overlapping; none: no visits that day. */
const dayWindows = z
  .array(visitingWindowSchema)
  .max(8, 'at most 8 windows per day')
  .default([])
  .superRefine((windows, c) => {
    windows.forEach((w, i) => {
      const previous = windows[i - 1];
      if (previous && clockMinutes(w.from) < clockMinutes(previous.to)) {
        c.addIssue({ code: 'custom', path: [i, 'from'], message: 'must not be earlier than the end of the previous window' });
      }
    });
  });

export const WEEKDAYS = ['0', '1', '2', '3', '4', '5', '6'] as const;

export const quotaSchema = z.strictObject({
  count: z.number().int().min(1).max(50),
  period: z.enum(['week', 'month']),
});

/** How families book for themselves (the family portal). */
export const familyBookingSchema = z.strictObject({
  enabled: z.boolean(),
  /** auto: booked at once; officer: the visit holds the slot but waits for an officer's confirmation. */
  confirmation: z.enum(['auto', 'officer']),
  /** A family may cancel or move a visit until this many hours before its start. */
  changeDeadlineHours: z.number().int().min(0).max(168),
});
export type FamilyBookingRules = z.output<typeof familyBookingSchema>;

export const DEFAULT_FAMILY_BOOKING: FamilyBookingRules = { enabled: true, confirmation: 'auto', changeDeadlineHours: 24 };

/**
 * A facility's booking rules. visitingHours keys are local weekdays of the facility's zone,
 * "0" = Sunday … "6" = Saturday (a missing day has no visiting hours). The quota counts an
 * inmate's booked, running and held visits per local ISO week (Mon–Sun) or calendar month.
 */
export const facilityRulesSchema = z.strictObject({
  visitingHours: z.strictObject({
    '0': dayWindows, '1': dayWindows, '2': dayWindows, '3': dayWindows, '4': dayWindows, '5': dayWindows, '6': dayWindows,
  }),
  slotMinutes: z.number().int().min(10).max(120),
  maxVisitorsPerVisit: z.number().int().min(1).max(3),
  quota: quotaSchema.nullable().default(null),
  // rules saved before family booking existed get its defaults
  familyBooking: familyBookingSchema.default(() => ({ ...DEFAULT_FAMILY_BOOKING })),
});

export type FacilityRules = z.output<typeof facilityRulesSchema>;

/** Body of PUT /api/facility/rules: familyBooking left out keeps the saved one (pages that do not show it cannot reset it). */
export const facilityRulesInputSchema = facilityRulesSchema.extend({ familyBooking: familyBookingSchema.optional() });
export type VisitingWindow = z.output<typeof visitingWindowSchema>;

/** Response of GET /api/facility/rules. */
export const facilityRulesResponseSchema = z.object({ rules: facilityRulesSchema, isDefault: z.boolean() });

const weekdayHours: VisitingWindow[] = [{ from: '08:00', to: '15:00' }];

/** What a facility that never saved rules shows: Mon–Sat 08:00–15:00, 30-minute slots, 3 visitors, no quota. */
export const DEFAULT_RULES: FacilityRules = {
  visitingHours: { '0': [], '1': weekdayHours, '2': weekdayHours, '3': weekdayHours, '4': weekdayHours, '5': weekdayHours, '6': weekdayHours },
  slotMinutes: 30,
  maxVisitorsPerVisit: 3,
  quota: null,
  familyBooking: DEFAULT_FAMILY_BOOKING,
};

export interface StoredRules {
  rules: FacilityRules;
  /** true: the facility never saved rules; its visiting hours are shown on the slot grid but not enforced. */
  isDefault: boolean;
}

export async function getFacilityRules(storage: Storage, facilityId: string): Promise<StoredRules> {
  const row = await storage.db.selectFrom('facility_rules').select('rules').where('facility_id', '=', facilityId).executeTakeFirst();
  if (!row) return { rules: structuredClone(DEFAULT_RULES), isDefault: true };
  return { rules: facilityRulesSchema.parse(JSON.parse(row.rules)), isDefault: false };
}

/** Replaces the facility's rules; returns the ones they replace (null: it had the defaults). */
export async function saveFacilityRules(storage: Storage, facilityId: string, rules: FacilityRules, officerId: string): Promise<FacilityRules | null> {
  const before = await getFacilityRules(storage, facilityId);
  const row = { facility_id: facilityId, rules: JSON.stringify(rules), updated_by: officerId, updated_at: new Date().toISOString() };
  if (before.isDefault) await storage.db.insertInto('facility_rules').values(row).execute();
  else await storage.db.updateTable('facility_rules').set(row).where('facility_id', '=', facilityId).execute();
  return before.isDefault ? null : before.rules;
}
