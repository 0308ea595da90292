import { describe, expect, it } from 'vitest';
import { QualityMeter } from '../../client/call/connection-quality.ts';

/** Feeds per-interval figures as the cumulative counters getStats() reports. */
function feed(meter: QualityMeter, intervals: { rttMs: number | null; lost: number; received: number }[], expectingMedia = true) {
  let lost = 0;
  let received = 0;
  return intervals.map((i) => {
    lost += i.lost;
    received += i.received;
    return meter.add({ rttMs: i.rttMs, packetsLost: lost, packetsReceived: received }, expectingMedia);
  });
}

describe('the connection-quality indicator', () => {
  it('is unknown until there is something to judge', () => {
    const [first] = feed(new QualityMeter(), [{ rttMs: null, lost: 0, received: 0 }], false);
    expect(first).toEqual({ quality: 'unknown', detail: { rttMs: null, lossPct: null } });
  });

  it('a clean link is good, with the figures behind it', () => {
    const out = feed(new QualityMeter(), [{ rttMs: 12, lost: 0, received: 400 }]);
    expect(out[0]).toEqual({ quality: 'good', detail: { rttMs: 12, lossPct: 0 } });
  });

  it('one slow round trip or one lossy interval does not flip a good link', () => {
    const out = feed(new QualityMeter(), [
      { rttMs: 10, lost: 0, received: 400 },
      { rttMs: 20, lost: 0, received: 400 },
      { rttMs: 350, lost: 0, received: 400 }, // one slow STUN answer
      { rttMs: 15, lost: 12, received: 400 }, // one short burst: 1 % of the window
    ]);
    expect(out.map((o) => o.quality)).toEqual(['good', 'good', 'good', 'good']);
  });

  it('sustained delay or loss degrades it to fair, then poor', () => {
    const fair = feed(new QualityMeter(), [
      { rttMs: 300, lost: 0, received: 400 },
      { rttMs: 320, lost: 0, received: 400 },
    ]);
    expect(fair.map((o) => o.quality)).toEqual(['fair', 'fair']);
    const poor = feed(new QualityMeter(), [
      { rttMs: 40, lost: 60, received: 400 },
      { rttMs: 40, lost: 60, received: 400 },
    ]);
    expect(poor.at(-1)).toEqual({ quality: 'poor', detail: { rttMs: 40, lossPct: 13 } });
  });

  it('media that stops arriving is poor at once, and recovers once the window is clean', () => {
    const out = feed(new QualityMeter(), [
      { rttMs: 10, lost: 0, received: 400 },
      { rttMs: 10, lost: 0, received: 0 },
      { rttMs: 10, lost: 0, received: 400 },
    ]);
    expect(out.map((o) => o.quality)).toEqual(['good', 'poor', 'good']);
  });

  it('starts afresh after reset (a new receive transport counts from zero)', () => {
    const meter = new QualityMeter();
    feed(meter, [{ rttMs: 10, lost: 50, received: 100 }]);
    meter.reset();
    const [after] = feed(meter, [{ rttMs: 10, lost: 0, received: 300 }]);
    expect(after).toEqual({ quality: 'good', detail: { rttMs: 10, lossPct: 0 } });
  });
});
