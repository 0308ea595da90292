import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Storage } from '../storage/database.ts';
import type { FacilitiesTable } from '../storage/tables.ts';
import type { FacilityView, NewFacility } from './facility-schemas.ts';

export function facilityViewOf(row: FacilitiesTable): FacilityView {
  return { id: row.id, code: row.code, name: row.name, kind: row.kind, timezone: row.timezone, createdAt: row.created_at };
}

/** Codes are compared without case: `lp-x` next to `LP-X` would only confuse people. */
export async function isFacilityCodeTaken(storage: Storage, code: string): Promise<boolean> {
  const row = await storage.db.selectFrom('facilities').select('id').where(sql<string>`upper(code)`, '=', code.toUpperCase()).executeTakeFirst();
  return row !== undefined;
}

export async function insertFacility(storage: Storage, input: NewFacility): Promise<FacilitiesTable> {
  const row: FacilitiesTable = { id: randomUUID(), ...input, created_at: new Date().toISOString() };
  await storage.db.insertInto('facilities').values(row).execute();
  return row;
}

export function listFacilities(storage: Storage): Promise<FacilitiesTable[]> {
  return storage.db.selectFrom('facilities').selectAll().orderBy('code').execute();
}

/** The facilities the officer is admin of. */
export function facilitiesAdministeredBy(storage: Storage, officerId: string): Promise<FacilitiesTable[]> {
  return storage.db
    .selectFrom('facilities')
    .innerJoin('officer_facilities', 'officer_facilities.facility_id', 'facilities.id')
    .selectAll('facilities')
    .where('officer_facilities.officer_id', '=', officerId)
    .where('officer_facilities.role', '=', 'admin')
    .orderBy('facilities.code')
    .execute();
}
