import { z } from 'zod';
import { nikProblem } from '../visits/nik.ts';

/** Field schemas shared by remisi, complaints and drive-thru, so one concept validates one way. */
/** The same plausibility check as registering a family member (16 digits, region and birth-date layout). */
export const nik = z
  .string()
  .trim()
  .superRefine((value, ctx) => {
    const problem = nikProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
export const registrationNumber = z
  .string()
  .trim()
  .min(1)
  .max(40)
  .regex(/^[A-Za-z0-9./\- ]+$/, 'only letters, digits, space and . / -')
  .transform((v) => v.toUpperCase().replace(/\s+/g, ' '));
export const facilityId = z.string().trim().min(1).max(64);
export const isoDate = z.iso.date();
/** A ticket number as typed: "adu 7k3m9qx2" is ADU-7K3M9QX2 (spaces or dashes between the parts). */
export const ticketCode = z.string().trim().min(4).max(20).regex(/^[A-Za-z0-9 -]+$/).transform((v) => v.toUpperCase().replace(/[\s-]+/g, '-'));
