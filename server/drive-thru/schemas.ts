import { z } from 'zod';
import { facilityId, isoDate, nik, registrationNumber } from '../public-services/fields.ts';

export const ticketStatuses = ['booked', 'serving', 'inspected', 'rejected', 'delivered'] as const;
const time = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM');

export const sessionCreateBody = z
  .strictObject({ date: isoDate, startTime: time, endTime: time, capacity: z.number().int().min(1).max(1000) })
  .refine((b) => b.endTime > b.startTime, { path: ['endTime'], message: 'must be after startTime' });

export const sessionsQuery = z.strictObject({ facilityId, from: isoDate.optional() });
export const facilityQuery = z.strictObject({ facilityId });
export const officerSessionsQuery = z.strictObject({ date: isoDate.optional() });
export const officerTicketsQuery = z.strictObject({ sessionId: z.string().trim().min(1).max(64) });

export const bookingBody = z.strictObject({
  sessionId: z.string().trim().min(1).max(64),
  visitorNik: nik,
  registrationNumber,
  items: z
    .array(
      z.strictObject({
        category: z.string().trim().min(1).max(40),
        description: z.string().trim().min(1).max(200),
        quantity: z.number().int().min(1).max(99),
      }),
    )
    .min(1, 'at least one item')
    .max(20, 'at most 20 items'),
});

export const inspectBody = z.strictObject({
  items: z
    .array(
      z
        .strictObject({
          itemId: z.string().min(1).max(64),
          decision: z.enum(['accepted', 'rejected']),
          reason: z.string().trim().min(1).max(300).optional(),
        })
        .refine((d) => d.decision === 'accepted' || !!d.reason, { path: ['reason'], message: 'a reason is required to reject an item' }),
    )
    .min(1)
    .max(20),
});

export const sessionView = z.object({
  id: z.string(),
  date: isoDate,
  startTime: z.string(),
  endTime: z.string(),
  capacity: z.number().int(),
  remaining: z.number().int(),
});

export const bookingCreated = z.object({
  ticket: z.string(),
  trackingCode: z.string(),
  queueNumber: z.number().int(),
  session: sessionView,
  /** PNG data URL of a QR code holding the ticket number, shown at the gate. */
  qrCode: z.string(),
});

export const ticketPublicView = z.object({
  ticket: z.string(),
  status: z.enum(ticketStatuses),
  queueNumber: z.number().int(),
  facility: z.object({ name: z.string() }),
  session: sessionView.omit({ capacity: true, remaining: true }),
  items: z.array(
    z.object({
      category: z.string(),
      description: z.string(),
      quantity: z.number().int(),
      decision: z.enum(['pending', 'accepted', 'rejected']),
      reason: z.string().nullable(),
    }),
  ),
});

export const nowServingView = z.object({
  facility: z.object({ name: z.string() }),
  date: isoDate,
  sessions: z.array(
    z.object({
      id: z.string(),
      startTime: z.string(),
      endTime: z.string(),
      serving: z.array(z.number().int()),
      lastCalled: z.number().int().nullable(),
      waiting: z.number().int(),
    }),
  ),
});
