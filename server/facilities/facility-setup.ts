import { randomBytes } from 'node:crypto';
import { audited } from '../audit/audit-log.ts';
import { createOfficer, findOfficerByUsername, type CreatedOfficer } from '../officers/officer-store.ts';
import type { Storage } from '../storage/database.ts';
import type { FacilitiesTable } from '../storage/tables.ts';
import { isUniqueViolation } from '../storage/unique-violation.ts';
import type { NewFacility } from './facility-schemas.ts';
import { insertFacility, isFacilityCodeTaken } from './facility-store.ts';

/** A facility code or username already in use. */
export class TakenError extends Error {
  constructor(readonly field: 'code' | 'username', message: string) {
    super(message);
  }
}

/** 24 characters from 144 random bits: strong enough to hand over once. */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}

export interface FirstAdmin {
  username: string;
  displayName: string;
}

/**
 * A new facility and its first admin, whose generated password must be changed at the first
 * sign-in; both audited (actor `system`) in the same transaction, or nothing is stored.
 */
export async function createFacilityWithAdmin(
  storage: Storage,
  input: NewFacility,
  admin: FirstAdmin,
  actorId: string,
): Promise<{ facility: FacilitiesTable; officer: CreatedOfficer; password: string }> {
  const password = generatePassword();
  try {
    return await audited(
      storage,
      async (tx) => {
        if (await isFacilityCodeTaken(tx, input.code)) throw new TakenError('code', `a facility with code ${input.code} already exists`);
        if (await findOfficerByUsername(tx, admin.username)) throw new TakenError('username', `the username ${admin.username} is taken`);
        const facility = await insertFacility(tx, input);
        const officer = await createOfficer(tx, { ...admin, password, role: 'admin', facilityIds: [facility.id], mustChangePassword: true });
        return { facility, officer, password };
      },
      ({ facility, officer }) => [
        {
          actorKind: 'system', actorId, facilityId: facility.id, action: 'facility.created', subjectKind: 'facility', subjectId: facility.id,
          details: { code: facility.code, name: facility.name, kind: facility.kind, timezone: facility.timezone },
        },
        {
          actorKind: 'system', actorId, facilityId: facility.id, action: 'officer.created', subjectKind: 'officer', subjectId: officer.id,
          details: { username: officer.username, role: 'admin', facilityIds: [facility.id], mustChangePassword: true },
        },
      ],
    );
  } catch (err) {
    // Two creations racing: the database's unique constraints decide.
    if (isUniqueViolation(err)) throw new TakenError('code', `a facility with code ${input.code} or the username ${admin.username} already exists`);
    throw err;
  }
}
