import type { Storage } from '../storage/database.ts';
import { OFFICER_TOKEN_SECONDS } from './tokens.ts';

/**
 * Sign-out ends a session server-side: its id (the `sid` of every token of the session, kept by
 * refresh and facility switch) is stored until the last token it could have would have expired.
 */
export async function revokeOfficerSession(storage: Storage, sessionId: string, officerId: string, now = new Date()): Promise<void> {
  const expiresAt = new Date(now.getTime() + OFFICER_TOKEN_SECONDS * 1000).toISOString();
  await storage.db.deleteFrom('officer_session_revocations').where('expires_at', '<', now.toISOString()).execute();
  await storage.db
    .insertInto('officer_session_revocations')
    .values({ session_id: sessionId, officer_id: officerId, revoked_at: now.toISOString(), expires_at: expiresAt })
    .onConflict((oc) => oc.column('session_id').doNothing())
    .execute();
}

export async function isOfficerSessionRevoked(storage: Storage, sessionId: string | undefined): Promise<boolean> {
  if (sessionId === undefined) return false;
  const row = await storage.db.selectFrom('officer_session_revocations').select('session_id').where('session_id', '=', sessionId).executeTakeFirst();
  return row !== undefined;
}
