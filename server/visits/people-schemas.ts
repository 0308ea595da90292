import { z } from 'zod';
import { NIK_PROBLEM_CODES } from './nik.ts';
import { indonesianMobile } from './phone.ts';

/** Schemas of the inmates, visitors and bans API (requests and answers), for validation and the OpenAPI document. */

export const oneLine = (max: number) => z.string().trim().min(1).max(max).regex(/^[^\p{Cc}]*$/u, 'must not contain control characters');
const reasonText = z.string().trim().min(3).max(500).regex(/^[^\p{Cc}]*$/u, 'must not contain control characters');

export const INMATE_STATUSES = ['active', 'transferred', 'released'] as const;
export const inmateStatus = z.enum(INMATE_STATUSES);

/** An inmate's identity in the facility register; the same checks for the form and the CSV import. */
export const inmateFields = {
  registrationNumber: oneLine(40),
  name: oneLine(120),
  block: oneLine(40),
};

export const inmateListQuery = z.strictObject({
  q: z.string().trim().max(80).optional(),
  status: inmateStatus.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  offset: z.coerce.number().int().min(0).max(100_000).default(0),
});

/** `reason` is required when `status` changes (checked against the stored status). */
export const inmateUpdateBody = z
  .strictObject({
    name: inmateFields.name.optional(),
    block: inmateFields.block.optional(),
    status: inmateStatus.optional(),
    reason: reasonText.optional(),
  })
  .refine((b) => b.name !== undefined || b.block !== undefined || b.status !== undefined, { message: 'give name, block or status', path: ['(body)'] });

export const inmateView = z.object({
  id: z.uuid(),
  registrationNumber: z.string(),
  name: z.string(),
  block: z.string(),
  status: inmateStatus,
  statusReason: z.string().nullable(),
  statusChangedAt: z.iso.datetime().nullable(),
  createdAt: z.iso.datetime(),
});

/** A visit cancelled because its inmate left, with whom to tell (there is no notification channel yet). */
export const cancelledVisitView = z.object({
  id: z.uuid(),
  scheduledStart: z.iso.datetime(),
  boothName: z.string(),
  visitors: z.array(z.object({ id: z.uuid(), name: z.string(), phone: z.string().nullable() })),
});

export const inmateUpdateResult = z.object({
  inmate: inmateView,
  cancelledVisitIds: z.array(z.uuid()),
  cancelledVisits: z.array(cancelledVisitView),
  /** Calls of this inmate running now: a status change does not cut them. */
  liveVisitIds: z.array(z.uuid()),
});

/** Columns of POST /api/inmates/import (any order; case, spaces and underscores in the header do not matter). */
export const INMATE_CSV_COLUMNS = ['registrationNumber', 'name', 'block'] as const;
export const inmateCsvRow = z.object(inmateFields);

export const inmateImportResult = z.object({
  created: z.number().int(),
  /** Existing registration numbers whose name or block changed. */
  updated: z.number().int(),
  /** Existing registration numbers already as in the file. */
  unchanged: z.number().int(),
});

export const csvInvalidError = z.object({
  error: z.object({
    code: z.literal('csv_invalid'),
    message: z.string(),
    fields: z.record(z.string(), z.array(z.string())).optional(),
    /** line: of the file, header = 1; column: null for the whole line. */
    lines: z.array(z.object({ line: z.number().int(), column: z.string().nullable(), message: z.string() })),
  }),
});

export const phone = indonesianMobile;

export const visitorBanBody = z.strictObject({
  reason: reasonText,
  /** Last day of the ban (facility-local); the ban ends when that day ends. */
  until: z.iso.date(),
});
export const visitorUnbanBody = z.strictObject({ reason: reasonText });

/** An advocate's credential number as printed on the card: letters, digits, `.`, `/`, `-`, spaces. */
export const advocateCredential = z
  .string()
  .trim()
  .min(3)
  .max(40)
  .regex(/^[A-Za-z0-9./ -]+$/, 'only letters, digits, ".", "/", "-" and spaces')
  .regex(/[A-Za-z0-9]/, 'must contain a letter or a digit');
export const visitorAdvocateCredentialBody = z.strictObject({ advocateCredential });

export const visitorBanView = z.object({ reason: z.string(), until: z.iso.date(), by: z.string(), at: z.iso.datetime() });

export const visitorView = z.object({
  id: z.uuid(),
  inmateId: z.uuid(),
  name: z.string(),
  nikMasked: z.string(),
  nikLast4: z.string(),
  relationship: z.string(),
  advocateCredential: z.string().nullable(),
  phone: z.string().nullable(),
  /** null: not banned (or the ban has ended). */
  ban: visitorBanView.nullable(),
  createdAt: z.iso.datetime(),
});

export const nikProblemCode = z.enum(NIK_PROBLEM_CODES);
/** A refused NIK: fields.nik has the English text, details.nikProblem says which part is wrong. */
export const nikInvalidError = z.object({
  error: z.object({
    code: z.literal('validation_failed'),
    message: z.string(),
    fields: z.record(z.string(), z.array(z.string())),
    details: z.object({ nikProblem: nikProblemCode }),
  }),
});
