/**
 * Who may silently watch which call: pure rules over the stored visit, the officer's token and
 * whether the call is live here, so they are unit-tested without media.
 */
import type { VisitsTable } from '../storage/tables.ts';

export type ObserveDecision = { ok: true } | { ok: false; code: 'visit_not_found' | 'privileged' | 'not_live' };

/** Observations one officer connection may hold at once (the grid); bounds server work per socket. */
export const MAX_OBSERVATIONS_PER_CONNECTION = 24;

export function officerMayObserve(
  officer: { facilityId: string },
  visit: Pick<VisitsTable, 'facility_id' | 'privileged'> | undefined,
  callIsLive: boolean,
): ObserveDecision {
  // Another facility's visit answers like a missing one, as the REST API does (404), so ids are not confirmed.
  if (!visit || visit.facility_id !== officer.facilityId) return { ok: false, code: 'visit_not_found' };
  // Legal counsel visits are neither recorded nor monitored, whatever the officer's role.
  if (visit.privileged !== 0) return { ok: false, code: 'privileged' };
  if (!callIsLive) return { ok: false, code: 'not_live' };
  return { ok: true };
}

/** The hidden peer's id inside a call: unique per officer connection (two tabs watch independently). */
export function observerPeerId(officerId: string, connectionNonce: string): string {
  return `officer-${officerId}-${connectionNonce}`.slice(0, 64);
}
