import { z } from 'zod';
import { facilityId } from '../public-services/fields.ts';

export const complaintCategories = ['pungli', 'layanan', 'kunjungan', 'kesehatan', 'lainnya'] as const;
export const complaintStatuses = ['new', 'in_progress', 'resolved', 'rejected'] as const;
export const ATTACHMENT_TYPES = ['image/jpeg', 'image/png', 'image/webp'] as const;

// Multipart form fields arrive as strings; JSON bodies carry real booleans.
const formBoolean = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]);

export const complaintSubmitBody = z
  .strictObject({
    facilityId,
    category: z.enum(complaintCategories),
    description: z.string().trim().min(20, 'at least 20 characters').max(5000),
    anonymous: formBoolean.default(false),
    reporterName: z.string().trim().min(1).max(120).optional(),
    /** Phone number or e-mail; optional. */
    contact: z.string().trim().min(5).max(120).optional(),
  })
  .superRefine((b, ctx) => {
    if (!b.anonymous) return;
    for (const key of ['reporterName', 'contact'] as const) {
      if (b[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: 'must be empty for an anonymous complaint' });
    }
  });

export const complaintCreated = z.object({ ticket: z.string(), trackingCode: z.string(), dueAt: z.iso.datetime() });

export const complaintPublicView = z.object({
  ticket: z.string(),
  facility: z.object({ name: z.string() }),
  category: z.enum(complaintCategories),
  status: z.enum(complaintStatuses),
  createdAt: z.iso.datetime(),
  dueAt: z.iso.datetime(),
  history: z.array(z.object({ status: z.enum(complaintStatuses), response: z.string().nullable(), at: z.iso.datetime() })),
});

export const complaintListQuery = z.strictObject({
  status: z.enum(complaintStatuses).optional(),
  overdue: z.enum(['true', 'false']).optional(),
});

export const complaintAssignBody = z.strictObject({ officerId: z.string().trim().min(1).max(64) });

export const complaintTransitionBody = z
  .strictObject({
    to: z.enum(['in_progress', 'resolved', 'rejected']),
    /** Shown to the complainant; required to close a complaint. */
    response: z.string().trim().min(1).max(2000).optional(),
  })
  .superRefine((b, ctx) => {
    if (b.to !== 'in_progress' && !b.response) ctx.addIssue({ code: 'custom', path: ['response'], message: 'a public response is required to resolve or reject' });
  });

export const complaintIdParam = z.uuid();
