import type { Storage } from '../storage/database.ts';
import { enqueueMessage, type Recipient } from './outbox-store.ts';

/**
 * What the rest of the server calls, inside the transaction of the change, to tell families.
 * Each returns how many messages were added (a repeated call for the same event adds none).
 */

/** The visit as these messages need it. */
export interface VisitRef {
  id: string;
  facilityId: string;
  /** ISO instant */
  scheduledStart: string;
  durationSeconds: number;
}

/** A visits row as a VisitRef. */
export function visitRef(visit: { id: string; facility_id: string; scheduled_start: string; duration_seconds: number }): VisitRef {
  return { id: visit.id, facilityId: visit.facility_id, scheduledStart: visit.scheduled_start, durationSeconds: visit.duration_seconds };
}

async function toEach<R extends Recipient>(_tx: Storage, recipients: R[], add: (r: R) => Promise<boolean>): Promise<number> {
  let added = 0;
  for (const r of recipients) if (await add(r)) added++;
  return added;
}

const minutes = (visit: VisitRef) => Math.round(visit.durationSeconds / 60);

/** A sign-in code; never sent after it expired. Key: the code request's id. */
export function notifyOneTimeCode(tx: Storage, input: { requestId: string; facilityId: string; recipient: Recipient; code: string; expiresAt: Date; now?: Date }): Promise<number> {
  const mins = Math.max(1, Math.round((input.expiresAt.getTime() - (input.now ?? new Date()).getTime()) / 60_000));
  return toEach(tx, [input.recipient], (r) => enqueueMessage(tx, {
    key: `otp:${input.requestId}`, facilityId: input.facilityId, recipient: r, template: 'oneTimeCode', params: { code: input.code, minutes: mins }, expiresAt: input.expiresAt,
  }));
}

/** Booked (confirmed at once, or awaiting an officer). */
export function notifyVisitBooked(tx: Storage, visit: VisitRef, recipients: Recipient[], options: { awaitingConfirmation?: boolean } = {}): Promise<number> {
  return toEach(tx, recipients, (r) => enqueueMessage(tx, {
    key: `visit.booked:${visit.id}:${r.ref}`, facilityId: visit.facilityId, recipient: r,
    template: options.awaitingConfirmation ? 'visitAwaitingConfirmation' : 'visitBooked', params: { time: visit.scheduledStart, minutes: minutes(visit) }, expiresAt: new Date(visit.scheduledStart),
  }));
}

/** An officer confirmed a booking that was waiting. */
export function notifyVisitConfirmed(tx: Storage, visit: VisitRef, recipients: Recipient[]): Promise<number> {
  return toEach(tx, recipients, (r) => enqueueMessage(tx, {
    key: `visit.confirmed:${visit.id}:${r.ref}`, facilityId: visit.facilityId, recipient: r, template: 'visitConfirmed', params: { time: visit.scheduledStart, minutes: minutes(visit) }, expiresAt: new Date(visit.scheduledStart),
  }));
}

/** Moved to visit.scheduledStart; one message per move. */
export function notifyVisitMoved(tx: Storage, visit: VisitRef, previousStart: string, recipients: Recipient[]): Promise<number> {
  return toEach(tx, recipients, (r) => enqueueMessage(tx, {
    key: `visit.moved:${visit.id}:${visit.scheduledStart}:${r.ref}`, facilityId: visit.facilityId, recipient: r, template: 'visitMoved', params: { previousTime: previousStart, time: visit.scheduledStart }, expiresAt: new Date(visit.scheduledStart),
  }));
}

/** Cancelled by the facility, with the officer's reason. A visit is cancelled once: same key as a transfer. */
export function notifyVisitCancelled(tx: Storage, visit: VisitRef, recipients: Recipient[], reason: string): Promise<number> {
  return toEach(tx, recipients, (r) => enqueueMessage(tx, {
    key: `visit.cancelled:${visit.id}:${r.ref}`, facilityId: visit.facilityId, recipient: r, template: 'visitCancelled', params: { time: visit.scheduledStart, reason },
  }));
}

/** Cancelled by the family themselves (the family portal): a confirmation for everyone in the visit. Same key as any cancel. */
export function notifyVisitCancelledByFamily(tx: Storage, visit: VisitRef, recipients: Recipient[]): Promise<number> {
  return toEach(tx, recipients, (r) => enqueueMessage(tx, {
    key: `visit.cancelled:${visit.id}:${r.ref}`, facilityId: visit.facilityId, recipient: r, template: 'visitCancelledByFamily', params: { time: visit.scheduledStart },
  }));
}

/** Cancelled because the inmate was transferred (or released). */
export function notifyInmateTransferred(tx: Storage, visit: VisitRef, recipients: Recipient[]): Promise<number> {
  return toEach(tx, recipients, (r) => enqueueMessage(tx, {
    key: `visit.cancelled:${visit.id}:${r.ref}`, facilityId: visit.facilityId, recipient: r, template: 'inmateTransferred', params: { time: visit.scheduledStart },
  }));
}

/**
 * Reminder the day before or 15 minutes before, with the link to open (for each recipient its
 * own: a join link is personal). Not sent once the visit started. One per visit time: a moved
 * visit is reminded of its new time.
 */
export function notifyReminder(tx: Storage, visit: VisitRef, when: 'dayBefore' | 'soon', recipients: Array<Recipient & { link: string }>): Promise<number> {
  return toEach(tx, recipients, (r) => enqueueMessage(tx, {
    key: `visit.reminder.${when}:${visit.id}:${visit.scheduledStart}:${r.ref}`, facilityId: visit.facilityId, recipient: strip(r),
    template: when === 'dayBefore' ? 'reminderDayBefore' : 'reminderSoon', params: { time: visit.scheduledStart, link: r.link }, expiresAt: new Date(visit.scheduledStart),
  }));
}

/** Missed visit, with where to book again. */
export function notifyVisitMissed(tx: Storage, visit: VisitRef, recipients: Recipient[], bookingLink: string): Promise<number> {
  return toEach(tx, recipients, (r) => enqueueMessage(tx, {
    key: `visit.missed:${visit.id}:${r.ref}`, facilityId: visit.facilityId, recipient: r, template: 'visitMissed', params: { time: visit.scheduledStart, link: bookingLink },
  }));
}

/** The facility decided on a family registration: approved (with where to sign in) or rejected (with the reason). */
export function notifyRegistrationDecision(
  tx: Storage,
  input: { registrationId: string; facilityId: string; recipient: Recipient } & ({ approved: true; signInLink: string } | { approved: false; reason: string }),
): Promise<number> {
  return toEach(tx, [input.recipient], (r) => enqueueMessage(tx, input.approved
    ? { key: `registration.approved:${input.registrationId}`, facilityId: input.facilityId, recipient: r, template: 'registrationApproved', params: { link: input.signInLink } }
    : { key: `registration.rejected:${input.registrationId}`, facilityId: input.facilityId, recipient: r, template: 'registrationRejected', params: { reason: input.reason } }));
}

function strip(r: Recipient & { link: string }): Recipient {
  const { link: _link, ...recipient } = r;
  return recipient;
}
