import { describe, expect, it } from 'vitest';
import { DownlinkLadder, ladderSettings, type Layers } from '../../server/calls/downlink-ladder.ts';

const top: Layers = { spatialLayer: 2, temporalLayer: 2 };
const L = (spatialLayer: number, temporalLayer: number): Layers => ({ spatialLayer, temporalLayer });

/** Feeds one sample a second from `fromMs`; returns the rungs it changed to. */
function feed(ladder: DownlinkLadder, fromMs: number, seconds: number, loss: number, current: Layers | null = null) {
  const changes = [];
  for (let s = 1; s <= seconds; s++) {
    const next = ladder.sample({ nowMs: fromMs + s * 1000, loss, current: current ?? ladder.rung });
    if (next !== undefined) changes.push(next);
  }
  return changes;
}

describe('DownlinkLadder: a viewer link degrades to low video, then audio, and climbs back', () => {
  it('starts one spatial layer below the best, and climbs to it after a clean spell', () => {
    const ladder = new DownlinkLadder(top, 0);
    expect(ladder.rung).toEqual(L(1, 2));
    expect(feed(ladder, 0, 10, 0)).toEqual([L(2, 2)]);
  });

  it('steps down one rung on loss, ignoring the samples while RTCP still reports the old rung', () => {
    const ladder = new DownlinkLadder(top, 0);
    expect(feed(ladder, 0, 1, 0.15)).toEqual([]); // within settleMs of the start
    expect(feed(ladder, 1000, 1, 0.15)).toEqual([L(0, 2)]);
    expect(feed(ladder, 2000, 1, 0.15)).toEqual([]); // settling again
    expect(feed(ladder, 3000, 1, 0.15)).toEqual([L(0, 1)]);
  });

  it('heavy loss goes straight to the lowest spatial layer; then temporal layers, then video off', () => {
    const ladder = new DownlinkLadder(top, 0);
    feed(ladder, 0, 10, 0);
    expect(ladder.rung).toEqual(L(2, 2));
    const changes = feed(ladder, 20_000, 10, 0.5);
    expect(changes).toEqual([L(0, 2), L(0, 1), L(0, 0), null]);
    expect(ladder.suspended).toBe(true);
  });

  it('steps from the layer really forwarded when the camera lacks the one asked for', () => {
    const ladder = new DownlinkLadder(top, 0);
    feed(ladder, 0, 10, 0);
    // asked for (2,2) but the camera only sends up to spatial 1
    expect(feed(ladder, 20_000, 2, 0.15, L(1, 2))).toEqual([L(0, 2)]);
  });

  it('while suspended, tries the lowest rung after the hold; a failed try doubles the next wait', () => {
    const ladder = new DownlinkLadder({ spatialLayer: 0, temporalLayer: 0 }, 0);
    expect(feed(ladder, 0, 2, 0.5)).toEqual([null]);
    const suspendedAt = 2000;
    expect(ladder.tick(suspendedAt + ladderSettings.baseHoldMs - 1)).toBeUndefined();
    expect(ladder.tick(suspendedAt + ladderSettings.baseHoldMs)).toEqual(L(0, 0));
    const triedAt = suspendedAt + ladderSettings.baseHoldMs;
    expect(feed(ladder, triedAt, 2, 0.5)).toEqual([null]);
    const again = triedAt + 2000;
    expect(ladder.tick(again + ladderSettings.baseHoldMs)).toBeUndefined();
    expect(ladder.tick(again + 2 * ladderSettings.baseHoldMs)).toEqual(L(0, 0));
  });

  it('a link at its limit: each failed step up doubles the clean spell asked for, up to the maximum', () => {
    const ladder = new DownlinkLadder(top, 0);
    let now = 0;
    const upsAt: number[] = [];
    // the link carries (1,2) cleanly; (2,2) always loses
    for (let s = 0; s < 200; s++) {
      now += 1000;
      const loss = ladder.rung?.spatialLayer === 2 ? 0.2 : 0;
      const next = ladder.sample({ nowMs: now, loss, current: ladder.rung });
      if (next?.spatialLayer === 2) upsAt.push(now);
    }
    const gaps = upsAt.slice(1).map((t, i) => t - upsAt[i]!);
    expect(gaps.length).toBeGreaterThan(3);
    for (let i = 1; i < gaps.length; i++) expect(gaps[i]!).toBeGreaterThanOrEqual(gaps[i - 1]!);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(ladderSettings.maxHoldMs + 5000);
  });

  it('samples every second until it is settled on the best rung over a clean link; then less often, until a sample is not clean', () => {
    const ladder = new DownlinkLadder(top, 0);
    let now = 0;
    let upAt: number | null = null;
    while (upAt === null && now < 60_000) {
      expect(ladder.sampleEveryMs).toBe(ladderSettings.sampleMs); // below the best rung
      now += 1000;
      if (ladder.sample({ nowMs: now, loss: 0, current: ladder.rung }) !== undefined) upAt = now;
    }
    expect(ladder.rung).toEqual(L(2, 2));
    while (ladder.sampleEveryMs === ladderSettings.sampleMs && now < upAt! + 60_000) {
      now += 1000;
      ladder.sample({ nowMs: now, loss: 0, current: ladder.rung });
    }
    expect(now - upAt!).toBeGreaterThanOrEqual(ladderSettings.probeMs); // the step up was on probation until then
    expect(ladder.sampleEveryMs).toBe(ladderSettings.settledSampleMs);
    expect(ladderSettings.settledSampleMs).toBeGreaterThan(ladderSettings.sampleMs);
    // some loss, not enough to step down: back to one sample a second
    expect(ladder.sample({ nowMs: now + ladderSettings.settledSampleMs, loss: 0.05, current: ladder.rung })).toBeUndefined();
    expect(ladder.sampleEveryMs).toBe(ladderSettings.sampleMs);
  });

  it('a settled ladder still steps down on the first bad sample, and samples every second below the best rung', () => {
    const ladder = new DownlinkLadder({ spatialLayer: 0, temporalLayer: 2 }, 0);
    feed(ladder, 0, 3, 0);
    expect(ladder.sampleEveryMs).toBe(ladderSettings.settledSampleMs);
    expect(ladder.sample({ nowMs: 6000, loss: 0.15, current: ladder.rung })).toEqual(L(0, 1));
    expect(ladder.sampleEveryMs).toBe(ladderSettings.sampleMs);
    expect(feed(ladder, 6000, 10, 0.5)).toEqual([L(0, 0), null]);
    expect(ladder.sampleEveryMs).toBe(ladderSettings.sampleMs); // suspended: tick() every second
  });

  it('an officer grid asking for the lowest layer gets rungs of spatial layer 0 only', () => {
    const ladder = new DownlinkLadder({ spatialLayer: 0, temporalLayer: 2 }, 0);
    expect(ladder.rung).toEqual(L(0, 2));
    expect(feed(ladder, 0, 4, 0.5)).toEqual([L(0, 1), L(0, 0)]);
  });
});
