import { randomUUID } from 'node:crypto';
import type { Storage } from '../storage/database.ts';
import { withinTransaction } from '../storage/transaction.ts';
import type { OfficerRole, OfficersTable } from '../storage/tables.ts';
import { hashPassword } from './passwords.ts';

export interface NewOfficer {
  username: string;
  displayName: string;
  password: string;
  /** The role in each of facilityIds. */
  role: OfficerRole;
  facilityIds: string[];
  /** The password was handed out (not chosen by the officer): they must set their own at first sign-in. */
  mustChangePassword?: boolean;
}

export type CreatedOfficer = OfficersTable & { role: OfficerRole };

export async function createOfficer(storage: Storage, input: NewOfficer): Promise<CreatedOfficer> {
  const row: OfficersTable = {
    id: randomUUID(),
    username: input.username.toLowerCase(),
    display_name: input.displayName,
    password_hash: await hashPassword(input.password),
    disabled: 0,
    created_at: new Date().toISOString(),
    must_change_password: input.mustChangePassword ? 1 : 0,
    session_epoch: 0,
    epoch_session_id: null,
  };
  await withinTransaction(storage, async ({ db: trx }) => {
    await trx.insertInto('officers').values(row).execute();
    if (input.facilityIds.length > 0) {
      await trx
        .insertInto('officer_facilities')
        .values(input.facilityIds.map((facility_id) => ({ officer_id: row.id, facility_id, role: input.role })))
        .execute();
    }
  });
  return { ...row, role: input.role };
}

/** Assigns the officer to the facility with this role, or changes the role they hold there. */
export async function setOfficerRole(storage: Storage, officerId: string, facilityId: string, role: OfficerRole): Promise<void> {
  await storage.db
    .insertInto('officer_facilities')
    .values({ officer_id: officerId, facility_id: facilityId, role })
    .onConflict((oc) => oc.columns(['officer_id', 'facility_id']).doUpdateSet({ role }))
    .execute();
}

export function findOfficerByUsername(storage: Storage, username: string): Promise<OfficersTable | undefined> {
  return storage.db.selectFrom('officers').selectAll().where('username', '=', username.toLowerCase()).executeTakeFirst();
}

export async function officerFacilityIds(storage: Storage, officerId: string): Promise<string[]> {
  return (await officerAssignments(storage, officerId)).map((a) => a.facilityId);
}

/** Every facility the officer is assigned to, with the role held there. */
export async function officerAssignments(storage: Storage, officerId: string): Promise<{ facilityId: string; role: OfficerRole }[]> {
  const rows = await storage.db.selectFrom('officer_facilities').select(['facility_id', 'role']).where('officer_id', '=', officerId).execute();
  return rows.map((r) => ({ facilityId: r.facility_id, role: r.role }));
}

/** Still allowed to act in the facility: exists, not disabled, still assigned to it. */
export async function isOfficerActiveIn(storage: Storage, officerId: string, facilityId: string): Promise<boolean> {
  return (await currentOfficerRole(storage, officerId, facilityId)) !== undefined;
}

/** The officer's role in that facility now, if they are enabled and assigned to it; otherwise undefined. */
export async function currentOfficerRole(storage: Storage, officerId: string, facilityId: string): Promise<OfficerRole | undefined> {
  const row = await storage.db
    .selectFrom('officers')
    .innerJoin('officer_facilities', 'officer_facilities.officer_id', 'officers.id')
    .select(['officer_facilities.role', 'officers.disabled'])
    .where('officers.id', '=', officerId)
    .where('officer_facilities.facility_id', '=', facilityId)
    .executeTakeFirst();
  return row && !row.disabled ? row.role : undefined;
}
