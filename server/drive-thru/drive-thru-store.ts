import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { appendAuditIn, type AuditEntryInput } from '../audit/audit-log.ts';
import { hashTrackingCode, newTicket, newTrackingCode } from '../public-services/codes.ts';
import { isUniqueViolation } from '../storage/unique-violation.ts';
import type { Storage } from '../storage/database.ts';
import type { DriveThruSessionsTable } from '../storage/tables.ts';

export function sessionView(s: DriveThruSessionsTable) {
  return {
    id: s.id,
    date: s.date,
    startTime: s.start_time,
    endTime: s.end_time,
    capacity: Number(s.capacity),
    remaining: Math.max(0, Number(s.capacity) - Number(s.booked)),
  };
}

/**
 * The inmate with this registration number in the facility, if the NIK is one of their registered
 * family members. nikHash: NikVault.lookupHash of the NIK given.
 */
export function findRegisteredPair(storage: Storage, facilityId: string, registrationNumber: string, nikHash: string) {
  return storage.db
    .selectFrom('inmates')
    .innerJoin('visitors', 'visitors.inmate_id', 'inmates.id')
    .select(['inmates.id as inmate_id', 'visitors.id as visitor_id'])
    .where('inmates.facility_id', '=', facilityId)
    .where(sql<string>`upper(inmates.registration_number)`, '=', registrationNumber)
    .where('visitors.nik_hash', '=', nikHash)
    .executeTakeFirst();
}

/** The first session after `after` in the same facility that still has room and is not over. */
export function nextFreeSession(storage: Storage, after: DriveThruSessionsTable, today: string) {
  return storage.db
    .selectFrom('drive_thru_sessions')
    .selectAll()
    .where('facility_id', '=', after.facility_id)
    .where('date', '>=', today)
    .where((eb) => eb.or([eb('date', '>', after.date), eb.and([eb('date', '=', after.date), eb('start_time', '>', after.start_time)])]))
    .whereRef('booked', '<', 'capacity')
    .orderBy('date')
    .orderBy('start_time')
    .limit(1)
    .executeTakeFirst();
}

export interface Booking {
  session: DriveThruSessionsTable;
  inmateId: string;
  visitorId: string;
  items: Array<{ category: string; description: string; quantity: number }>;
}

export type BookingOutcome =
  | { kind: 'booked'; ticketId: string; ticket: string; trackingCode: string; queueNumber: number; session: DriveThruSessionsTable }
  | { kind: 'full' }
  | { kind: 'already_booked' };

/**
 * Takes one place in the session and issues the ticket in one transaction. The place is taken by
 * a conditional update (booked < capacity) that both SQLite and PostgreSQL apply atomically
 * (PostgreSQL re-checks the condition after waiting for a concurrent writer's row lock), so a
 * session never issues more tickets than its capacity; the new counter is the queue number.
 */
export async function bookTicket(
  storage: Storage,
  booking: Booking,
  audit: (booked: Extract<BookingOutcome, { kind: 'booked' }>) => AuditEntryInput,
): Promise<BookingOutcome> {
  const trackingCode = newTrackingCode();
  for (let attempt = 1; ; attempt++) {
    try {
      return await storage.db.transaction().execute(async (trx): Promise<BookingOutcome> => {
        const taken = await trx
          .updateTable('drive_thru_sessions')
          .set((eb) => ({ booked: eb('booked', '+', 1) }))
          .where('id', '=', booking.session.id)
          .whereRef('booked', '<', 'capacity')
          .returningAll()
          .executeTakeFirst();
        if (!taken) return { kind: 'full' };
        const now = new Date().toISOString();
        const ticket = { id: randomUUID(), ticket: newTicket('TB'), queue_number: Number(taken.booked) };
        await trx
          .insertInto('drive_thru_tickets')
          .values({
            ...ticket,
            tracking_code_hash: hashTrackingCode(trackingCode),
            facility_id: taken.facility_id,
            session_id: taken.id,
            inmate_id: booking.inmateId,
            visitor_id: booking.visitorId,
            status: 'booked',
            created_at: now,
            updated_at: now,
          })
          .execute();
        await trx
          .insertInto('drive_thru_items')
          .values(booking.items.map((item, position) => ({
            id: randomUUID(), ticket_id: ticket.id, position, ...item, decision: 'pending' as const, reason: null, decided_by: null, decided_at: null,
          })))
          .execute();
        const booked = { kind: 'booked' as const, ticketId: ticket.id, ticket: ticket.ticket, trackingCode, queueNumber: ticket.queue_number, session: taken };
        await appendAuditIn(trx, storage.kind, audit(booked));
        return booked;
      });
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      const message = String((err as Error).message);
      if (/visitor/.test(message)) return { kind: 'already_booked' };
      if (attempt >= 5) throw err;
    }
  }
}

export function findTicket(storage: Storage, ticket: string) {
  return storage.db
    .selectFrom('drive_thru_tickets')
    .innerJoin('drive_thru_sessions', 'drive_thru_sessions.id', 'drive_thru_tickets.session_id')
    .innerJoin('facilities', 'facilities.id', 'drive_thru_tickets.facility_id')
    .selectAll('drive_thru_tickets')
    .select([
      'drive_thru_sessions.date', 'drive_thru_sessions.start_time', 'drive_thru_sessions.end_time', 'facilities.name as facility_name',
    ])
    .where('drive_thru_tickets.ticket', '=', ticket)
    .executeTakeFirst();
}

export function ticketItems(storage: Storage, ticketId: string) {
  return storage.db.selectFrom('drive_thru_items').selectAll().where('ticket_id', '=', ticketId).orderBy('position').execute();
}
