import type { Storage } from '../storage/database.ts';
import type { OfficerRole } from '../storage/tables.ts';
import { isOfficerSessionRevoked } from './officer-sessions.ts';

/** What an officer token (or a playback link made from one) must say to be checked. */
export interface SessionClaims {
  sub: string;
  fac: string;
  sid?: string;
  epoch?: number;
}

export type OfficerStanding =
  | { ok: true; role: OfficerRole; mustChangePassword: boolean }
  /** session_revoked: signed out, or another sign-in changed the password; inactive: disabled or no longer assigned to the facility */
  | { ok: false; problem: 'session_revoked' | 'inactive' };

/**
 * Whether the session behind a token may act in its facility right now, read afresh: the one
 * check shared by the HTTP routes, the monitoring sockets and the playback links.
 */
export async function officerStanding(storage: Storage, claims: SessionClaims): Promise<OfficerStanding> {
  if (await isOfficerSessionRevoked(storage, claims.sid)) return { ok: false, problem: 'session_revoked' };
  const row = await storage.db
    .selectFrom('officers')
    .innerJoin('officer_facilities', 'officer_facilities.officer_id', 'officers.id')
    .select(['officer_facilities.role', 'officers.disabled', 'officers.must_change_password', 'officers.session_epoch', 'officers.epoch_session_id'])
    .where('officers.id', '=', claims.sub)
    .where('officer_facilities.facility_id', '=', claims.fac)
    .executeTakeFirst();
  if (!row || row.disabled) return { ok: false, problem: 'inactive' };
  if ((claims.epoch ?? 0) < Number(row.session_epoch) && (claims.sid === undefined || claims.sid !== row.epoch_session_id)) {
    return { ok: false, problem: 'session_revoked' };
  }
  return { ok: true, role: row.role, mustChangePassword: row.must_change_password === 1 };
}
