import { z } from 'zod';

/** Usernames: the same rule for POST /api/officers and the first admin made by `npm run facility`. */
export const officerUsername = z.string().trim().toLowerCase().regex(/^[a-z0-9][a-z0-9._-]{2,63}$/, '3–64 characters: letters, digits, . _ -');

/** A password an officer or admin chooses. */
export const newOfficerPassword = z.string().min(12, 'at least 12 characters').max(256);

export const officerRole = z.enum(['officer', 'supervisor', 'admin']);

/** POST /api/auth/password: the officer's own account. */
export const passwordChangeBody = z
  .strictObject({
    currentPassword: z.string().min(1).max(256),
    newPassword: newOfficerPassword,
  })
  .refine((b) => b.newPassword !== b.currentPassword, { message: 'must differ from the current password', path: ['newPassword'] });

/** A fresh token of the same sign-in; the officer's other sign-ins have ended. */
export const passwordChangeResponse = z.object({ token: z.string(), expiresAt: z.iso.datetime() });

/** PUT /api/officers/:id/facilities/:facilityId */
export const assignmentParams = z.strictObject({ id: z.uuid(), facilityId: z.uuid() });
export const assignmentBody = z.strictObject({ role: officerRole });
export const assignmentResponse = z.object({
  assignment: z.object({ officerId: z.string(), facilityId: z.string(), role: officerRole }),
});
