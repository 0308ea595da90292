import { z } from 'zod';
import { nik, registrationNumber } from '../public-services/fields.ts';

export const remisiLookupBody = z.strictObject({ registrationNumber, nik });

export const remisiView = z.object({
  registrationNumber: z.string(),
  name: z.string(),
  facility: z.object({ name: z.string() }),
  remissions: z.array(z.object({ type: z.enum(['umum', 'khusus']), year: z.number().int(), days: z.number().int(), decreeNumber: z.string() })),
  totalDays: z.number().int(),
  expectedReleaseDate: z.iso.date().nullable(),
  pbEligibleDate: z.iso.date().nullable(),
  cbEligibleDate: z.iso.date().nullable(),
  updatedAt: z.iso.datetime(),
});

export const remisiImportResult = z.object({
  importId: z.string(),
  records: z.number().int(),
  entries: z.number().int(),
  /** Registration numbers with no registered inmate in the facility: stored, but no family can look them up yet. */
  unmatchedRegistrationNumbers: z.array(z.string()),
});

export const remisiSummary = z.object({ records: z.number().int(), lastImportAt: z.iso.datetime().nullable() });
