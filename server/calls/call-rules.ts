/**
 * The rules of a call, apart from the media plane: who may join which visit and when, the
 * deadline, what a party is called, and which connection key enforces "one live connection per
 * token". Pure functions of stored rows and the clock, so they are unit-tested without media.
 */
import type { TokenProblem } from '../auth/tokens.ts';
import type { RefusalCode } from '../signalling/messages.ts';
import type { VisitsTable, VisitStatus } from '../storage/tables.ts';
import { visitEndsAt, type VisitWithParties } from '../visits/visit-store.ts';

/** Families and booths may enter this long before the start (the join token's nbf matches). */
export const JOIN_EARLY_MS = 10 * 60_000;
/** A party whose connection drops stays in the call this long before it counts as gone. */
export const RECONNECT_GRACE_MS = 15_000;

export type Party =
  | { kind: 'family'; visitId: string; visitorId: string; tokenId: string }
  | { kind: 'booth'; deviceId: string; boothId: string; facilityId: string };

export type JoinDecision =
  | { ok: true }
  | { ok: false; code: 'visit_not_found' | 'visit_over' | 'too_early' | 'not_a_visitor' | 'wrong_booth' | 'awaiting_approval' | 'awaiting_confirmation' | 'visitor_banned' };

const OPEN: VisitStatus[] = ['scheduled', 'live'];

export function refusalForToken(problem: TokenProblem): RefusalCode {
  switch (problem) {
    case 'missing':
      return 'token_missing';
    case 'expired':
      return 'token_expired';
    case 'not_yet_valid':
      return 'token_not_yet_valid';
    default:
      return 'token_invalid';
  }
}

/** The server-owned end of the call: the visit's end (duration_seconds grows with an extension). */
export function callDeadline(visit: Pick<VisitsTable, 'scheduled_start' | 'duration_seconds'>): Date {
  return visitEndsAt(visit);
}

function windowDecision(visit: VisitsTable, now: Date): JoinDecision {
  if (!OPEN.includes(visit.status)) return { ok: false, code: 'visit_over' };
  if (now.getTime() >= callDeadline(visit).getTime()) return { ok: false, code: 'visit_over' };
  if (now.getTime() < new Date(visit.scheduled_start).getTime() - JOIN_EARLY_MS) return { ok: false, code: 'too_early' };
  // An unrecorded, unobserved call needs a supervisor's approval first.
  if (visit.privileged === 1 && visit.privileged_approval !== 'approved') return { ok: false, code: 'awaiting_approval' };
  // A family booking the facility confirms by hand holds its slot, but no call before an officer confirmed it.
  if (visit.confirmation === 'pending') return { ok: false, code: 'awaiting_confirmation' };
  return { ok: true };
}

/**
 * A visitor may join a visit they are a party of, from 10 min before the start until the end,
 * unless banned now (`banned`: visitor-bans.ts isVisitorBanned).
 */
export function familyMayJoin(visit: VisitWithParties | undefined, visitorId: string, now: Date, banned = false): JoinDecision {
  if (!visit) return { ok: false, code: 'visit_not_found' };
  if (!visit.visitors.some((v) => v.id === visitorId)) return { ok: false, code: 'not_a_visitor' };
  if (banned) return { ok: false, code: 'visitor_banned' };
  return windowDecision(visit.visit, now);
}

/** A booth may join a visit scheduled in that booth, in the same window. */
export function boothMayJoin(visit: VisitsTable | undefined, boothId: string, now: Date): JoinDecision {
  if (!visit) return { ok: false, code: 'visit_not_found' };
  if (visit.booth_id !== boothId) return { ok: false, code: 'wrong_booth' };
  return windowDecision(visit, now);
}

/** One live connection per token: per visitor of a visit, per booth device. */
export function connectionKey(party: Party): string {
  return party.kind === 'family' ? `family:${party.visitId}:${party.visitorId}` : `booth-device:${party.deviceId}`;
}

/** The peer id inside the call: stable across reconnects and takeovers of the same party. */
export function peerIdFor(party: Party): string {
  return party.kind === 'family' ? `family-${party.visitorId}` : `booth-${party.boothId}`;
}

/** Status a visit takes when its call closes: it never went live → missed. */
export function closingStatus(visit: Pick<VisitsTable, 'status' | 'started_at'>): VisitStatus {
  return visit.status === 'live' || visit.started_at ? 'ended' : 'missed';
}

/** Milliseconds until the deadline, clamped for setTimeout. */
export function msUntil(deadline: Date, now: Date): number {
  return Math.max(0, Math.min(2 ** 31 - 1, deadline.getTime() - now.getTime()));
}
