import { describe, expect, it } from 'vitest';
import {
  boothMayJoin,
  callDeadline,
  closingStatus,
  connectionKey,
  familyMayJoin,
  JOIN_EARLY_MS,
  msUntil,
  peerIdFor,
  refusalForToken,
} from '../../server/calls/call-rules.ts';
import type { VisitsTable } from '../../server/storage/tables.ts';
import type { VisitWithParties } from '../../server/visits/visit-store.ts';

const start = new Date('2025-03-10T03:00:00.000Z');
const visit = (over: Partial<VisitsTable> = {}): VisitsTable => ({
  id: 'v1',
  facility_id: 'f1',
  inmate_id: 'i1',
  booth_id: 'b1',
  scheduled_start: start.toISOString(),
  duration_seconds: 1800,
  status: 'scheduled',
  privileged: 0,
  privileged_approval: null,
  privileged_decided_by: null,
  privileged_decided_at: null,
  privileged_decision_reason: null,
  started_at: null,
  ended_at: null,
  end_reason: null,
  created_by: 'o1',
  created_at: start.toISOString(),
  confirmation: null,
  day_before_reminded_at: null,
  soon_reminded_at: null,
  ...over,
});
const withParties = (over: Partial<VisitsTable> = {}): VisitWithParties => ({
  visit: visit(over),
  inmate: { id: 'i1', name: 'Budi', registrationNumber: 'B-1', block: 'A' },
  booth: { id: 'b1', name: 'Bilik 1' },
  visitors: [{ id: 'p1', name: 'Siti', relationship: 'istri', advocateCredential: null }],
});
const at = (offsetMs: number) => new Date(start.getTime() + offsetMs);

describe('call rules', () => {
  it('keeps a privileged visit closed to both parties until it is approved', () => {
    for (const approval of ['pending', 'rejected', null] as const) {
      expect(familyMayJoin(withParties({ privileged: 1, privileged_approval: approval }), 'p1', at(0))).toEqual({ ok: false, code: 'awaiting_approval' });
      expect(boothMayJoin(visit({ privileged: 1, privileged_approval: approval }), 'b1', at(0))).toEqual({ ok: false, code: 'awaiting_approval' });
    }
    expect(familyMayJoin(withParties({ privileged: 1, privileged_approval: 'approved' }), 'p1', at(0))).toEqual({ ok: true });
    expect(boothMayJoin(visit({ privileged: 1, privileged_approval: 'approved' }), 'b1', at(0))).toEqual({ ok: true });
  });

  it('keeps a family booking that awaits an officer closed to both parties until it is confirmed', () => {
    expect(familyMayJoin(withParties({ confirmation: 'pending' }), 'p1', at(0))).toEqual({ ok: false, code: 'awaiting_confirmation' });
    expect(boothMayJoin(visit({ confirmation: 'pending' }), 'b1', at(0))).toEqual({ ok: false, code: 'awaiting_confirmation' });
    expect(familyMayJoin(withParties({ confirmation: 'confirmed' }), 'p1', at(0))).toEqual({ ok: true });
    expect(boothMayJoin(visit({ confirmation: 'confirmed' }), 'b1', at(0))).toEqual({ ok: true });
  });

  it('lets a visitor of the visit in from 10 minutes before the start until the end', () => {
    expect(familyMayJoin(withParties(), 'p1', at(-JOIN_EARLY_MS - 1))).toEqual({ ok: false, code: 'too_early' });
    expect(familyMayJoin(withParties(), 'p1', at(-JOIN_EARLY_MS))).toEqual({ ok: true });
    expect(familyMayJoin(withParties(), 'p1', at(1799_999))).toEqual({ ok: true });
    expect(familyMayJoin(withParties(), 'p1', at(1800_000))).toEqual({ ok: false, code: 'visit_over' });
  });

  it('refuses other people, missing visits and closed visits', () => {
    expect(familyMayJoin(withParties(), 'someone-else', at(0))).toEqual({ ok: false, code: 'not_a_visitor' });
    expect(familyMayJoin(undefined, 'p1', at(0))).toEqual({ ok: false, code: 'visit_not_found' });
    for (const status of ['ended', 'missed', 'cancelled'] as const) {
      expect(familyMayJoin(withParties({ status }), 'p1', at(0))).toEqual({ ok: false, code: 'visit_over' });
    }
    expect(familyMayJoin(withParties({ status: 'live' }), 'p1', at(60_000))).toEqual({ ok: true });
  });

  it('lets only the visit booth in, in the same window', () => {
    expect(boothMayJoin(visit(), 'b1', at(0))).toEqual({ ok: true });
    expect(boothMayJoin(visit(), 'b2', at(0))).toEqual({ ok: false, code: 'wrong_booth' });
    expect(boothMayJoin(visit(), 'b1', at(-JOIN_EARLY_MS - 1))).toEqual({ ok: false, code: 'too_early' });
    expect(boothMayJoin(visit(), 'b1', at(1800_000))).toEqual({ ok: false, code: 'visit_over' });
    expect(boothMayJoin(undefined, 'b1', at(0))).toEqual({ ok: false, code: 'visit_not_found' });
  });

  it('computes the deadline from the stored start and duration (an extension moves it)', () => {
    expect(callDeadline(visit()).toISOString()).toBe('2025-03-10T03:30:00.000Z');
    expect(callDeadline(visit({ duration_seconds: 2400 })).toISOString()).toBe('2025-03-10T03:40:00.000Z');
    expect(msUntil(callDeadline(visit()), at(1000))).toBe(1799_000);
    expect(msUntil(callDeadline(visit()), at(99_999_999))).toBe(0);
    expect(msUntil(new Date(8.64e15), at(0))).toBe(2 ** 31 - 1);
  });

  it('keys one live connection per visitor and per booth device; peer ids survive takeovers', () => {
    const fam = { kind: 'family', visitId: 'v1', visitorId: 'p1', tokenId: 'j1' } as const;
    const famOtherTab = { ...fam, tokenId: 'j2' };
    expect(connectionKey(fam)).toBe(connectionKey(famOtherTab));
    expect(peerIdFor(fam)).toBe(peerIdFor(famOtherTab));
    expect(connectionKey({ ...fam, visitorId: 'p2' })).not.toBe(connectionKey(fam));
    const booth = { kind: 'booth', deviceId: 'd1', boothId: 'b1', facilityId: 'f1' } as const;
    expect(connectionKey(booth)).toBe('booth-device:d1');
    expect(connectionKey({ ...booth, deviceId: 'd2' })).not.toBe(connectionKey(booth));
    expect(peerIdFor({ ...booth, deviceId: 'd2' })).toBe(peerIdFor(booth));
  });

  it('a call that closes without ever going live leaves the visit missed', () => {
    expect(closingStatus({ status: 'scheduled', started_at: null })).toBe('missed');
    expect(closingStatus({ status: 'live', started_at: start.toISOString() })).toBe('ended');
  });

  it('maps token problems to refusal codes', () => {
    expect(refusalForToken('missing')).toBe('token_missing');
    expect(refusalForToken('expired')).toBe('token_expired');
    expect(refusalForToken('not_yet_valid')).toBe('token_not_yet_valid');
    expect(refusalForToken('invalid')).toBe('token_invalid');
  });
});
