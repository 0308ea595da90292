import { describe, expect, it } from 'vitest';
import { MemoryLiveState } from '../../server/live-state/live-state.ts';

describe('live state (memory)', () => {
  const base = { visitId: 'v1', facilityId: 'f1', boothId: 'b1', node: 'n1', deadline: '2025-01-01T01:00:00.000Z', startedAt: null, openedAt: '2025-01-01T00:00:00.000Z' };

  it('opens a call once, tracks presence and deadline, closes it', async () => {
    const s = MemoryLiveState.create();
    expect((await s.openCall(base)).created).toBe(true);
    expect((await s.openCall({ ...base, node: 'n2' })).call.node).toBe('n1');
    await s.setPresence('v1', { partyKey: 'booth-b1', peerId: 'booth-b1', role: 'booth', displayName: 'Budi', state: 'connected', since: 'x', node: 'n1' });
    await s.updateCall('v1', { deadline: '2025-01-01T01:10:00.000Z' });
    const call = await s.getCall('v1');
    expect(call).toMatchObject({ deadline: '2025-01-01T01:10:00.000Z', presence: { 'booth-b1': { state: 'connected' } } });
    expect(JSON.parse(JSON.stringify(call))).toEqual(call);
    // values are copies: mutating one does not change the store
    call!.presence = {};
    expect(Object.keys((await s.getCall('v1'))!.presence)).toEqual(['booth-b1']);
    expect(await s.listCalls({ facilityId: 'f1' })).toHaveLength(1);
    expect(await s.listCalls({ facilityId: 'f2' })).toHaveLength(0);
    await s.removePresence('v1', 'booth-b1');
    expect((await s.getCall('v1'))!.presence).toEqual({});
    expect(await s.closeCall('v1')).toBeDefined();
    expect(await s.getCall('v1')).toBeUndefined();
  });

  it('one connection per key: a claim returns the holder it replaced; only the holder releases', async () => {
    const s = MemoryLiveState.create();
    expect(await s.claimConnection('k', { connectionId: 'c1', node: 'n1', at: 't1' })).toBeUndefined();
    expect(await s.claimConnection('k', { connectionId: 'c2', node: 'n1', at: 't2' })).toEqual({ connectionId: 'c1', node: 'n1', at: 't1' });
    expect(await s.releaseConnection('k', 'c1')).toBe(false);
    expect((await s.getConnection('k'))?.connectionId).toBe('c2');
    expect(await s.releaseConnection('k', 'c2')).toBe(true);
    expect(await s.getConnection('k')).toBeUndefined();
  });
});
