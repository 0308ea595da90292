import { z } from 'zod';

export const FACILITY_KINDS = ['lapas', 'rutan', 'lpka', 'lpp'] as const;
/** Indonesia's three zones (WIB, WITA, WIT). */
export const FACILITY_TIMEZONES = ['Asia/Jakarta', 'Asia/Makassar', 'Asia/Jayapura'] as const;

/** Short and typed by hand (DEMO, LP-CIPINANG): stored in capitals, unique. */
export const facilityCode = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^[A-Z][A-Z0-9-]{0,18}[A-Z0-9]$/, '2–20 characters: letters, digits and -, starting with a letter and not ending with -');

/** POST /api/facilities and `npm run facility -- create`. */
export const newFacilityBody = z.strictObject({
  code: facilityCode,
  name: z.string().trim().min(3, 'at least 3 characters').max(120),
  kind: z.enum(FACILITY_KINDS),
  timezone: z.enum(FACILITY_TIMEZONES),
});
export type NewFacility = z.infer<typeof newFacilityBody>;

export const facilityView = z.object({
  id: z.string(),
  code: z.string(),
  name: z.string(),
  kind: z.string(),
  timezone: z.string(),
  createdAt: z.string(),
});
export type FacilityView = z.infer<typeof facilityView>;

/** GET /api/facilities: the facilities the officer is admin of. */
export const facilityListResponse = z.object({ facilities: z.array(facilityView) });
export const facilityCreatedResponse = z.object({ facility: facilityView });
