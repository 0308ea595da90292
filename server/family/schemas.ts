import { z } from 'zod';
import type { Relationship } from '../visits/inmate-store.ts';
import { nikProblem } from '../visits/nik.ts';
import { oneLine, phone } from '../visits/people-schemas.ts';

/** Requests and answers of the family self-service API (validation and the OpenAPI document). */

/** Counsel registers at the desk with a credential, never online. */
export const FAMILY_RELATIONSHIPS = ['orang_tua', 'suami_istri', 'anak', 'saudara_kandung', 'lainnya'] as const satisfies readonly Exclude<Relationship, 'kuasa_hukum'>[];
export const REGISTRATION_STATUSES = ['pending', 'approved', 'rejected'] as const;
export const LANGUAGES = ['id', 'en'] as const;

export const nikField = z.string().trim().superRefine((nik, c) => {
  const problem = nikProblem(nik);
  if (problem) c.addIssue({ code: 'custom', message: problem });
});

export const registrationBody = z.strictObject({
  facilityId: z.uuid(),
  registrationNumber: oneLine(40),
  name: oneLine(120),
  nik: nikField,
  relationship: z.enum(FAMILY_RELATIONSHIPS),
  phone,
  email: z.email().max(254).optional(),
  language: z.enum(LANGUAGES).default('id'),
});

export const registrationAccepted = z.strictObject({ status: z.literal('pending') });

export const registrationQueueQuery = z.strictObject({ status: z.enum(REGISTRATION_STATUSES).default('pending') });
export const registrationIdParam = z.strictObject({ id: z.uuid() });
export const rejectBody = z.strictObject({ reason: z.string().trim().min(3).max(500).regex(/^[^\p{Cc}]*$/u, 'must not contain control characters') });

const at = z.iso.datetime({ offset: true });
const inmateRef = z.strictObject({ id: z.uuid(), name: z.string(), registrationNumber: z.string() });

export const queueRegistration = z.strictObject({
  id: z.uuid(),
  name: z.string(),
  nikMasked: z.string(),
  relationship: z.string(),
  phone: z.string(),
  email: z.string().nullable(),
  registrationNumber: z.string(),
  inmate: inmateRef.nullable().describe('the active inmate of this facility with that registration number, null when none'),
  status: z.enum(REGISTRATION_STATUSES),
  reason: z.string().nullable(),
  createdAt: at,
});
export const registrationQueue = z.strictObject({ registrations: z.array(queueRegistration) });

export const decisionResult = z.strictObject({
  registration: queueRegistration,
  visitorId: z.uuid().nullable(),
});

export const codeRequestBody = z.strictObject({ facilityId: z.uuid(), nik: nikField });
export const codeRequested = z.strictObject({ sent: z.literal(true) });
export const signInBody = z.strictObject({ facilityId: z.uuid(), nik: nikField, code: z.string().trim().regex(/^\d{6}$/, 'must be 6 digits') });
export const signInResult = z.strictObject({
  token: z.string(),
  expiresAt: at,
  account: z.strictObject({ name: z.string(), language: z.enum(LANGUAGES) }),
});

export const familyMe = z.strictObject({
  account: z.strictObject({ name: z.string(), nikMasked: z.string(), phone: z.string(), email: z.string().nullable(), language: z.enum(LANGUAGES) }),
  registrations: z.array(z.strictObject({ id: z.uuid(), registrationNumber: z.string(), status: z.enum(REGISTRATION_STATUSES), reason: z.string().nullable(), createdAt: at })),
  visitors: z.array(z.strictObject({ visitorId: z.uuid(), relationship: z.string(), inmate: inmateRef })),
});
