import { randomUUID } from 'node:crypto';
import type { Storage } from '../storage/database.ts';
import type { FamilyRegistrationsTable, FamilyRegistrationStatus, InmatesTable } from '../storage/tables.ts';
import { createVisitor, type Relationship } from '../visits/inmate-store.ts';
import { maskedNik, type NikVault } from '../visits/nik-vault.ts';
import { adoptVerifiedContact, ensureAccount, findAccount } from './account-store.ts';

export interface NewRegistration {
  facilityId: string;
  registrationNumber: string;
  name: string;
  nik: string;
  relationship: string;
  phone: string;
  email: string | null;
  language: 'id' | 'en';
}

/** The active inmate of the facility with this registration number, if any. */
export function activeInmateByNumber(storage: Storage, facilityId: string, registrationNumber: string): Promise<InmatesTable | undefined> {
  return storage.db
    .selectFrom('inmates')
    .selectAll()
    .where('facility_id', '=', facilityId)
    .where('registration_number', '=', registrationNumber)
    .where('status', '=', 'active')
    .executeTakeFirst();
}

/**
 * Stores a registration (and the account on a first one) unless the same person already waits
 * for the same registration number here; then nothing new is stored. Whether the number matched
 * an inmate is kept for the officer, never told to the family. Returns the new row or undefined.
 */
export async function submitRegistration(tx: Storage, vault: NikVault, input: NewRegistration, ktp: { file: string; type: string }): Promise<FamilyRegistrationsTable | undefined> {
  const account = await ensureAccount(tx, vault, input.facilityId, input);
  const waiting = await tx.db
    .selectFrom('family_registrations')
    .select('id')
    .where('account_id', '=', account.id)
    .where('registration_number', '=', input.registrationNumber)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  if (waiting) return undefined;
  const inmate = await activeInmateByNumber(tx, input.facilityId, input.registrationNumber);
  const row: FamilyRegistrationsTable = {
    id: randomUUID(),
    facility_id: input.facilityId,
    account_id: account.id,
    registration_number: input.registrationNumber,
    inmate_id: inmate?.id ?? null,
    name: input.name,
    relationship: input.relationship,
    phone: input.phone,
    email: input.email,
    language: input.language,
    ktp_file: ktp.file,
    ktp_type: ktp.type,
    status: 'pending',
    reason: null,
    decided_by: null,
    decided_at: null,
    visitor_id: null,
    created_at: new Date().toISOString(),
  };
  await tx.db.insertInto('family_registrations').values(row).execute();
  return row;
}

export interface QueueRow extends FamilyRegistrationsTable {
  nik_last4: string;
  inmate_name: string | null;
  inmate_registration_number: string | null;
}

function queueQuery(storage: Storage) {
  return storage.db
    .selectFrom('family_registrations')
    .innerJoin('family_accounts', 'family_accounts.id', 'family_registrations.account_id')
    .leftJoin('inmates', 'inmates.id', 'family_registrations.inmate_id')
    .selectAll('family_registrations')
    .select(['family_accounts.nik_last4', 'inmates.name as inmate_name', 'inmates.registration_number as inmate_registration_number']);
}

export function listRegistrations(storage: Storage, facilityId: string, status: FamilyRegistrationStatus): Promise<QueueRow[]> {
  return queueQuery(storage)
    .where('family_registrations.facility_id', '=', facilityId)
    .where('family_registrations.status', '=', status)
    .orderBy('family_registrations.created_at', status === 'pending' ? 'asc' : 'desc')
    .limit(500)
    .execute();
}

export function findRegistration(storage: Storage, id: string): Promise<QueueRow | undefined> {
  return queueQuery(storage).where('family_registrations.id', '=', id).executeTakeFirst();
}

export const queueView = (r: QueueRow) => ({
  id: r.id,
  name: r.name,
  nikMasked: maskedNik(r.nik_last4),
  relationship: r.relationship,
  phone: r.phone,
  email: r.email,
  registrationNumber: r.registration_number,
  inmate: r.inmate_id && r.inmate_name !== null && r.inmate_registration_number !== null ? { id: r.inmate_id, name: r.inmate_name, registrationNumber: r.inmate_registration_number } : null,
  status: r.status,
  reason: r.reason,
  createdAt: r.created_at,
});

export type Decision = { ok: true; visitorId: string | null } | { ok: false; problem: 'not_pending' | 'no_matching_inmate' };

/**
 * Approval: the matched inmate (or, when none matched at submission, the one with that number
 * now) must be active in the facility. The visitor is created like at the desk, with the phone
 * and the account; a desk-registered visitor with the same NIK is linked to the account instead.
 */
export async function approveRegistration(tx: Storage, vault: NikVault, registrationId: string, officerId: string): Promise<Decision> {
  const reg = await tx.db.selectFrom('family_registrations').selectAll().where('id', '=', registrationId).executeTakeFirstOrThrow();
  if (reg.status !== 'pending') return { ok: false, problem: 'not_pending' };
  const matched = reg.inmate_id
    ? await tx.db.selectFrom('inmates').selectAll().where('id', '=', reg.inmate_id).where('status', '=', 'active').where('facility_id', '=', reg.facility_id).executeTakeFirst()
    : await activeInmateByNumber(tx, reg.facility_id, reg.registration_number);
  if (!matched) return { ok: false, problem: 'no_matching_inmate' };
  const account = await findAccount(tx, reg.account_id);
  if (!account) throw new Error(`registration ${reg.id} without its account`);
  const existing = await tx.db.selectFrom('visitors').selectAll().where('inmate_id', '=', matched.id).where('nik_hash', '=', account.nik_hash).executeTakeFirst();
  let visitorId: string;
  if (existing) {
    await tx.db.updateTable('visitors').set({ family_account_id: account.id, phone: existing.phone ?? reg.phone }).where('id', '=', existing.id).execute();
    visitorId = existing.id;
  } else {
    const nik = vault.reveal(account.id, account.nik_encrypted);
    const visitor = await createVisitor(tx, vault, matched.id, {
      name: reg.name, nik, relationship: reg.relationship as Relationship, phone: reg.phone, familyAccountId: account.id,
    });
    visitorId = visitor.id;
  }
  await adoptVerifiedContact(tx, account.id, reg);
  const claimed = await tx.db
    .updateTable('family_registrations')
    .set({ status: 'approved', inmate_id: matched.id, visitor_id: visitorId, decided_by: officerId, decided_at: new Date().toISOString() })
    .where('id', '=', reg.id)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  if (Number(claimed.numUpdatedRows) !== 1) throw new Error('registration decided meanwhile');
  return { ok: true, visitorId };
}

export async function rejectRegistration(tx: Storage, registrationId: string, officerId: string, reason: string): Promise<Decision> {
  const done = await tx.db
    .updateTable('family_registrations')
    .set({ status: 'rejected', reason, decided_by: officerId, decided_at: new Date().toISOString() })
    .where('id', '=', registrationId)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(done.numUpdatedRows) === 1 ? { ok: true, visitorId: null } : { ok: false, problem: 'not_pending' };
}
