import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import type { Storage } from '../storage/database.ts';

export const CODE_LIFETIME_MS = 10 * 60 * 1000;
export const MAX_WRONG_CODES = 5;
export const COOL_DOWN_MS = 15 * 60 * 1000;

const hashCode = (salt: string, code: string) => createHash('sha256').update(`${salt}:${code}`).digest('hex');

/** Six digits, uniformly drawn; leading zeros kept. */
export function newCode(): string {
  return String(randomInt(0, 1_000_000)).padStart(6, '0');
}

/** The row of this facility + NIK hash, created empty when missing (also for NIKs without an account). */
async function ensureRow(tx: Storage, facilityId: string, nikHash: string, now: Date): Promise<void> {
  await tx.db
    .insertInto('family_sign_in_codes')
    .values({ facility_id: facilityId, nik_hash: nikHash, code_hash: null, code_salt: null, expires_at: null, failed_attempts: 0, locked_until: null, updated_at: now.toISOString() })
    .onConflict((oc) => oc.columns(['facility_id', 'nik_hash']).doNothing())
    .execute();
}

/** When the cool-down of this NIK ends, if one is running. */
export async function coolDownUntil(storage: Storage, facilityId: string, nikHash: string, now: Date): Promise<Date | undefined> {
  const row = await storage.db.selectFrom('family_sign_in_codes').select('locked_until').where('facility_id', '=', facilityId).where('nik_hash', '=', nikHash).executeTakeFirst();
  return row?.locked_until && row.locked_until > now.toISOString() ? new Date(row.locked_until) : undefined;
}

/** A new code replaces any earlier one (only the newest works); the wrong-try count goes on. */
export async function issueCode(tx: Storage, facilityId: string, nikHash: string, now: Date): Promise<{ code: string; expiresAt: Date }> {
  await ensureRow(tx, facilityId, nikHash, now);
  const code = newCode();
  const salt = randomBytes(16).toString('hex');
  const expiresAt = new Date(now.getTime() + CODE_LIFETIME_MS);
  await tx.db
    .updateTable('family_sign_in_codes')
    .set({ code_hash: hashCode(salt, code), code_salt: salt, expires_at: expiresAt.toISOString(), updated_at: now.toISOString() })
    .where('facility_id', '=', facilityId)
    .where('nik_hash', '=', nikHash)
    .execute();
  return { code, expiresAt };
}

export type CodeCheck = { ok: true } | { ok: false; problem: 'bad_code' } | { ok: false; problem: 'too_many_attempts'; retryAt: Date };

/**
 * Uses the code up when it is right and alive (one winner even when tried twice at once). A wrong
 * one counts; the 5th kills the code and starts a 15-minute cool-down. NIKs without an account
 * (no code) go through the same counting, so the answers do not tell them apart.
 */
export async function checkCode(storage: Storage, facilityId: string, nikHash: string, code: string, now: Date): Promise<CodeCheck> {
  const locked = await coolDownUntil(storage, facilityId, nikHash, now);
  if (locked) return { ok: false, problem: 'too_many_attempts', retryAt: locked };
  const row = await storage.db.selectFrom('family_sign_in_codes').selectAll().where('facility_id', '=', facilityId).where('nik_hash', '=', nikHash).executeTakeFirst();
  if (row?.code_hash && row.code_salt && row.expires_at && row.expires_at > now.toISOString()) {
    const expected = Buffer.from(row.code_hash, 'hex');
    const given = Buffer.from(hashCode(row.code_salt, code), 'hex');
    if (timingSafeEqual(expected, given)) {
      const used = await storage.db
        .updateTable('family_sign_in_codes')
        .set({ code_hash: null, code_salt: null, expires_at: null, failed_attempts: 0, updated_at: now.toISOString() })
        .where('facility_id', '=', facilityId)
        .where('nik_hash', '=', nikHash)
        .where('code_hash', '=', row.code_hash)
        .executeTakeFirst();
      if (Number(used.numUpdatedRows) === 1) return { ok: true };
    }
  } else {
    // Same work as a comparison, so a NIK without a live code answers as fast as a wrong code.
    timingSafeEqual(Buffer.alloc(32), Buffer.from(hashCode('', code), 'hex'));
  }
  await ensureRow(storage, facilityId, nikHash, now);
  const counted = await storage.db
    .updateTable('family_sign_in_codes')
    .set((eb) => ({ failed_attempts: eb('failed_attempts', '+', 1), updated_at: now.toISOString() }))
    .where('facility_id', '=', facilityId)
    .where('nik_hash', '=', nikHash)
    .returning('failed_attempts')
    .executeTakeFirstOrThrow();
  if (Number(counted.failed_attempts) < MAX_WRONG_CODES) return { ok: false, problem: 'bad_code' };
  const retryAt = new Date(now.getTime() + COOL_DOWN_MS);
  await storage.db
    .updateTable('family_sign_in_codes')
    .set({ code_hash: null, code_salt: null, expires_at: null, failed_attempts: 0, locked_until: retryAt.toISOString(), updated_at: now.toISOString() })
    .where('facility_id', '=', facilityId)
    .where('nik_hash', '=', nikHash)
    .execute();
  return { ok: false, problem: 'too_many_attempts', retryAt };
}
