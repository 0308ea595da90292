import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Storage } from '../storage/database.ts';
import type { InmatesTable, InmateStatus, VisitorsTable } from '../storage/tables.ts';
import { maskedNik, type NikVault } from './nik-vault.ts';
import { banInForce } from './visitor-bans.ts';

/** Who a registered visitor is to the inmate; the client shows each in the user's language. */
export const RELATIONSHIPS = ['orang_tua', 'suami_istri', 'anak', 'saudara_kandung', 'kuasa_hukum', 'lainnya'] as const;
export type Relationship = (typeof RELATIONSHIPS)[number];

/** Legal counsel: the only relationship allowed in a privileged (unrecorded, unmonitored) visit. */
export const COUNSEL: Relationship = 'kuasa_hukum';

export function findInmate(storage: Storage, inmateId: string): Promise<InmatesTable | undefined> {
  return storage.db.selectFrom('inmates').selectAll().where('id', '=', inmateId).executeTakeFirst();
}

/** Facility's inmates, optionally filtered by status and a case-insensitive substring of name or registration number. */
export function searchInmates(
  storage: Storage,
  facilityId: string,
  options: { q?: string; status?: InmateStatus; limit: number; offset: number },
): Promise<InmatesTable[]> {
  let query = storage.db.selectFrom('inmates').selectAll().where('facility_id', '=', facilityId);
  if (options.status) query = query.where('status', '=', options.status);
  if (options.q) {
    const pattern = `%${options.q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    query = query.where((eb) =>
      eb.or([
        sql<boolean>`lower(${eb.ref('name')}) like ${pattern} escape '\\'`,
        sql<boolean>`lower(${eb.ref('registration_number')}) like ${pattern} escape '\\'`,
      ]),
    );
  }
  return query.orderBy('name').orderBy('id').limit(options.limit).offset(options.offset).execute();
}

export async function createInmate(storage: Storage, facilityId: string, input: { registrationNumber: string; name: string; block: string }): Promise<InmatesTable> {
  const row: InmatesTable = {
    id: randomUUID(),
    facility_id: facilityId,
    registration_number: input.registrationNumber,
    name: input.name,
    block: input.block,
    created_at: new Date().toISOString(),
    status: 'active',
    status_reason: null,
    status_changed_by: null,
    status_changed_at: null,
  };
  await storage.db.insertInto('inmates').values(row).execute();
  return row;
}

export function listVisitors(storage: Storage, inmateId: string): Promise<VisitorsTable[]> {
  return storage.db.selectFrom('visitors').selectAll().where('inmate_id', '=', inmateId).orderBy('name').execute();
}

export interface NewVisitor {
  name: string;
  nik: string;
  relationship: Relationship;
  /** Required for COUNSEL, absent for everyone else (the route checks). */
  advocateCredential?: string;
  /** +628… (normalised by the route) */
  phone?: string;
  /** Set when an approved family registration creates the visitor (server/family). */
  familyAccountId?: string;
}

/** Only the keyed hash, the last 4 digits and the encrypted NIK are stored, never the NIK itself. */
export async function createVisitor(storage: Storage, vault: NikVault, inmateId: string, input: NewVisitor): Promise<VisitorsTable> {
  const id = randomUUID();
  const row: VisitorsTable = {
    id,
    inmate_id: inmateId,
    name: input.name,
    ...vault.protect(id, input.nik),
    relationship: input.relationship,
    advocate_credential: input.advocateCredential ?? null,
    created_at: new Date().toISOString(),
    phone: input.phone ?? null,
    ban_reason: null,
    ban_until: null,
    ban_ends_at: null,
    banned_by: null,
    banned_at: null,
    family_account_id: input.familyAccountId ?? null,
  };
  await storage.db.insertInto('visitors').values(row).execute();
  return row;
}

/** The visitor with this NIK among an inmate's registered family, by keyed hash. */
export function findVisitorByNik(storage: Storage, vault: NikVault, inmateId: string, nik: string): Promise<VisitorsTable | undefined> {
  return storage.db.selectFrom('visitors').selectAll().where('inmate_id', '=', inmateId).where('nik_hash', '=', vault.lookupHash(nik)).executeTakeFirst();
}

export const inmateView = (i: InmatesTable) => ({
  id: i.id,
  registrationNumber: i.registration_number,
  name: i.name,
  block: i.block,
  status: i.status,
  statusReason: i.status_reason,
  statusChangedAt: i.status_changed_at,
  createdAt: i.created_at,
});

/** Officers' view: the NIK masked to its last 4 digits (the full one only at the drive-thru station, audited); the ban in force `now`. */
/** Records a counsel visitor's advocate credential number (a new one, or one replacing it). */
export async function setAdvocateCredential(storage: Storage, visitorId: string, credential: string): Promise<void> {
  await storage.db.updateTable('visitors').set({ advocate_credential: credential }).where('id', '=', visitorId).execute();
}

export const visitorView = (v: VisitorsTable, now = new Date()) => ({
  id: v.id,
  inmateId: v.inmate_id,
  name: v.name,
  nikMasked: maskedNik(v.nik_last4),
  nikLast4: v.nik_last4,
  relationship: v.relationship,
  advocateCredential: v.advocate_credential,
  phone: v.phone,
  ban: banInForce(v, now),
  createdAt: v.created_at,
});
