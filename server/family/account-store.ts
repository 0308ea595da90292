import { randomUUID } from 'node:crypto';
import type { Storage } from '../storage/database.ts';
import type { FamilyAccountsTable } from '../storage/tables.ts';
import type { NikVault } from '../visits/nik-vault.ts';

export function findAccountByNik(storage: Storage, vault: NikVault, facilityId: string, nik: string): Promise<FamilyAccountsTable | undefined> {
  return storage.db.selectFrom('family_accounts').selectAll().where('facility_id', '=', facilityId).where('nik_hash', '=', vault.lookupHash(nik)).executeTakeFirst();
}

export function findAccount(storage: Storage, accountId: string): Promise<FamilyAccountsTable | undefined> {
  return storage.db.selectFrom('family_accounts').selectAll().where('id', '=', accountId).executeTakeFirst();
}

/**
 * The person's account at this facility, created by their first registration. Contact details
 * are not changed here: an unverified registration must not redirect the codes of a person
 * who already has one; approval copies the verified ones (adoptVerifiedContact).
 */
export async function ensureAccount(
  tx: Storage,
  vault: NikVault,
  facilityId: string,
  input: { nik: string; name: string; phone: string; email: string | null; language: 'id' | 'en' },
): Promise<FamilyAccountsTable> {
  const existing = await findAccountByNik(tx, vault, facilityId, input.nik);
  if (existing) return existing;
  const id = randomUUID();
  const row: FamilyAccountsTable = {
    id,
    facility_id: facilityId,
    ...vault.protect(id, input.nik),
    name: input.name,
    phone: input.phone,
    email: input.email,
    language: input.language,
    created_at: new Date().toISOString(),
  };
  await tx.db.insertInto('family_accounts').values(row).execute();
  return row;
}

/** An officer checked the KTP against this registration: its name and contacts become the account's. */
export async function adoptVerifiedContact(tx: Storage, accountId: string, verified: { name: string; phone: string; email: string | null; language: 'id' | 'en' }): Promise<void> {
  await tx.db.updateTable('family_accounts').set({ name: verified.name, phone: verified.phone, email: verified.email, language: verified.language }).where('id', '=', accountId).execute();
}
