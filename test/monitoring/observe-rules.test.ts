import { describe, expect, it } from 'vitest';
import { observerPeerId, officerMayObserve } from '../../server/monitoring/observe-rules.ts';

describe('who may observe a call', () => {
  const officer = { facilityId: 'fac-a' };
  it('refuses a missing visit and another facility alike', () => {
    expect(officerMayObserve(officer, undefined, true)).toEqual({ ok: false, code: 'visit_not_found' });
    expect(officerMayObserve(officer, { facility_id: 'fac-b', privileged: 0 }, true)).toEqual({ ok: false, code: 'visit_not_found' });
  });
  it('never observes a privileged visit, live or not', () => {
    expect(officerMayObserve(officer, { facility_id: 'fac-a', privileged: 1 }, true)).toEqual({ ok: false, code: 'privileged' });
  });
  it('needs a live call', () => {
    expect(officerMayObserve(officer, { facility_id: 'fac-a', privileged: 0 }, false)).toEqual({ ok: false, code: 'not_live' });
    expect(officerMayObserve(officer, { facility_id: 'fac-a', privileged: 0 }, true)).toEqual({ ok: true });
  });
  it('gives each officer connection its own hidden peer id, within the id limit', () => {
    const a = observerPeerId('6f1c9a52-0000-4000-8000-000000000000', 'abcd1234');
    expect(a).toMatch(/^officer-/);
    expect(a.length).toBeLessThanOrEqual(64);
    expect(observerPeerId('x', 'n1')).not.toBe(observerPeerId('x', 'n2'));
  });
});
