import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { z } from 'zod';
import type { Storage } from '../storage/database.ts';
import type { NotificationOutboxTable, OutboxStatus } from '../storage/tables.ts';
import { isTemplateKey, type Language, type TemplateKey, type TemplateParams } from './templates.ts';

export type OutboxRow = NotificationOutboxTable;

/** Whom a message is for. Only what sending needs: a reference, a name for the desk, the addresses. */
export interface Recipient {
  /** Visitor id, registration id, …: part of the idempotency key, never shown to the family. */
  ref: string;
  name?: string | null;
  /** Indonesian mobile number, +628… */
  phone?: string | null;
  email?: string | null;
  language?: Language;
}

export interface OutboxMessage {
  /** One message per key, e.g. visit.cancelled:<visitId>:<visitorId>. */
  key: string;
  facilityId: string;
  recipient: Recipient;
  template: TemplateKey;
  params: TemplateParams;
  /** Not sent after this instant (then `expired`). */
  expiresAt?: Date | null;
}

const messageInput = z.strictObject({
  key: z.string().min(3).max(300),
  facilityId: z.string().min(1),
  recipient: z.strictObject({
    ref: z.string().min(1).max(100),
    name: z.string().max(200).nullish(),
    phone: z.string().regex(/^\+\d{8,15}$/, 'must be +<country><number>').nullish(),
    email: z.email().max(254).nullish(),
    language: z.enum(['id', 'en']).optional(),
  }),
  template: z.string().refine(isTemplateKey, 'unknown template'),
  params: z.record(z.string(), z.union([z.string().max(2000), z.number()])),
  expiresAt: z.date().nullish(),
});

/**
 * Adds a message in the caller's transaction (pass the `tx` of withinTransaction / audited), so
 * it exists exactly when the change that causes it commits. A key already present inserts
 * nothing: calling twice for the same event sends one message. Returns whether it was added.
 * Which channel carries it is decided when it is sent (config per facility), not here.
 */
export async function enqueueMessage(tx: Storage, message: OutboxMessage, now = new Date()): Promise<boolean> {
  const m = messageInput.parse(message);
  const result = await tx.db
    .insertInto('notification_outbox')
    .values({
      id: randomUUID(),
      idempotency_key: m.key,
      facility_id: m.facilityId,
      recipient_ref: m.recipient.ref,
      to_name: m.recipient.name ?? null,
      to_phone: m.recipient.phone ?? null,
      to_email: m.recipient.email ?? null,
      template: m.template,
      language: m.recipient.language ?? 'id',
      params: JSON.stringify(m.params),
      status: 'pending',
      attempts: 0,
      next_attempt_at: now.toISOString(),
      expires_at: m.expiresAt?.toISOString() ?? null,
      created_at: now.toISOString(),
    })
    .onConflict((oc) => oc.column('idempotency_key').doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

/**
 * Claims the next due message for one sender: status `sending`, a fresh claim token, a lease,
 * one more attempt. One statement, so two senders (two nodes, or a restarted process beside a
 * dying one) never claim the same row: PostgreSQL skips rows another transaction has locked
 * (FOR UPDATE SKIP LOCKED), SQLite has a single writer. A `sending` row whose lease ran out
 * (its sender died) is due again.
 */
export async function claimNext(storage: Storage, now: Date, leaseMs: number): Promise<OutboxRow | undefined> {
  const at = now.toISOString();
  return storage.db
    .updateTable('notification_outbox')
    .set({
      status: 'sending',
      claim_token: randomUUID(),
      lease_until: new Date(now.getTime() + leaseMs).toISOString(),
      attempts: sql<number>`attempts + 1`,
    })
    .where('id', '=', (eb) => {
      let due = eb
        .selectFrom('notification_outbox')
        .select('id')
        .where((w) => w.or([
          w.and([w('status', '=', 'pending'), w('next_attempt_at', '<=', at)]),
          w.and([w('status', '=', 'sending'), w('lease_until', '<', at)]),
        ]))
        .where((w) => w.or([w('expires_at', 'is', null), w('expires_at', '>', at)]))
        .orderBy('next_attempt_at')
        .limit(1);
      if (storage.kind === 'postgres') due = due.forUpdate().skipLocked();
      return due;
    })
    .returningAll()
    .executeTakeFirst();
}

/** Only the sender holding the claim may finish the row (a sender whose lease ran out may not). */
function claimed(storage: Storage, row: Pick<OutboxRow, 'id' | 'claim_token'>) {
  return storage.db
    .updateTable('notification_outbox')
    .where('id', '=', row.id)
    .where('status', '=', 'sending')
    .where('claim_token', '=', row.claim_token);
}

/** Personal data is dropped from a message once it is done with. */
const FORGET = { to_name: null, to_phone: null, to_email: null, params: '{}', claim_token: null, lease_until: null } as const;

export async function markSent(storage: Storage, row: OutboxRow, channel: string, providerId: string, now: Date): Promise<boolean> {
  const r = await claimed(storage, row).set({ ...FORGET, status: 'sent', channel, provider_id: providerId, sent_at: now.toISOString(), last_error: null }).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** A failed try: due again after `retryAt`, or `failed` for good (kept, with its text, for the desk). */
export async function markAttemptFailed(storage: Storage, row: OutboxRow, channel: string, error: string, retryAt: Date | null): Promise<void> {
  await claimed(storage, row)
    .set(retryAt
      ? { status: 'pending', channel, last_error: error.slice(0, 500), next_attempt_at: retryAt.toISOString(), claim_token: null, lease_until: null }
      : { status: 'failed', channel, last_error: error.slice(0, 500), claim_token: null, lease_until: null })
    .execute();
}

/** No channel can carry it: the desk sends it by hand. */
export async function markManual(storage: Storage, row: OutboxRow, reason: string): Promise<void> {
  await claimed(storage, row).set({ status: 'manual', channel: null, last_error: reason, claim_token: null, lease_until: null }).execute();
}

/** Messages whose moment has passed (a one-time code, a reminder) are not sent or shown any more. */
export async function expireDue(storage: Storage, now: Date): Promise<number> {
  const at = now.toISOString();
  const r = await storage.db
    .updateTable('notification_outbox')
    .set({ ...FORGET, status: 'expired' })
    .where((w) => w.or([w('status', 'in', ['pending', 'manual']), w.and([w('status', '=', 'sending'), w('lease_until', '<', at)])]))
    .where('expires_at', '<=', at)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** Finished messages older than keepDays are deleted. */
export async function purgeDone(storage: Storage, now: Date, keepDays: number): Promise<number> {
  const r = await storage.db
    .deleteFrom('notification_outbox')
    .where('status', 'in', ['sent', 'handled', 'expired'])
    .where('created_at', '<', new Date(now.getTime() - keepDays * 86_400_000).toISOString())
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}

export const DESK_STATUSES = ['manual', 'failed'] as const satisfies readonly OutboxStatus[];

/** Messages of one facility waiting for the desk, oldest first. */
export function listForDesk(storage: Storage, facilityId: string, status: (typeof DESK_STATUSES)[number], limit: number): Promise<OutboxRow[]> {
  return storage.db
    .selectFrom('notification_outbox')
    .selectAll()
    .where('facility_id', '=', facilityId)
    .where('status', '=', status)
    .orderBy('created_at')
    .limit(limit)
    .execute();
}

export function findMessage(storage: Storage, id: string): Promise<OutboxRow | undefined> {
  return storage.db.selectFrom('notification_outbox').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The desk sent it by hand (or decided not to): done, personal data dropped. False if it was not waiting for the desk. */
export async function markHandled(tx: Storage, id: string, officerId: string, now: Date): Promise<boolean> {
  const r = await tx.db
    .updateTable('notification_outbox')
    .set({ ...FORGET, status: 'handled', handled_by: officerId, handled_at: now.toISOString() })
    .where('id', '=', id)
    .where('status', 'in', [...DESK_STATUSES])
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}
