export type Quality = 'unknown' | 'good' | 'fair' | 'poor';

export interface QualityDetail {
  rttMs: number | null;
  lossPct: number | null;
}

/** One reading of the receive transport's stats: cumulative counters, as getStats() gives them. */
export interface QualityReading {
  rttMs: number | null;
  packetsLost: number;
  packetsReceived: number;
}

const GOOD = { rttMs: 200, lossPct: 2 };
const FAIR = { rttMs: 500, lossPct: 8 };

/**
 * Judges the link over the last few readings rather than one: a single slow STUN answer
 * or one burst of loss on a busy phone must not make the indicator flap to "fair".
 * Media that stops arriving is reported at once: that is what the family sees as a freeze.
 */
export class QualityMeter {
  readonly #windowSize: number;
  #window: { rttMs: number | null; lost: number; received: number }[] = [];
  #last = { lost: 0, received: 0 };

  constructor(windowSize = 3) {
    this.#windowSize = windowSize;
  }

  /** Forget the history (a new receive transport starts its counters from zero). */
  reset(): void {
    this.#window = [];
    this.#last = { lost: 0, received: 0 };
  }

  add(reading: QualityReading, expectingMedia: boolean): { quality: Quality; detail: QualityDetail } {
    const lost = Math.max(0, reading.packetsLost - this.#last.lost);
    const received = Math.max(0, reading.packetsReceived - this.#last.received);
    this.#last = { lost: reading.packetsLost, received: reading.packetsReceived };
    this.#window.push({ rttMs: reading.rttMs, lost, received });
    if (this.#window.length > this.#windowSize) this.#window.shift();

    const rttMs = median(this.#window.flatMap((s) => (s.rttMs === null ? [] : [s.rttMs])));
    const windowLost = sum(this.#window.map((s) => s.lost));
    const windowTotal = windowLost + sum(this.#window.map((s) => s.received));
    const lossPct = windowTotal > 0 ? (100 * windowLost) / windowTotal : null;
    const detail: QualityDetail = {
      rttMs: rttMs === null ? null : Math.round(rttMs),
      lossPct: lossPct === null ? null : Math.round(lossPct * 10) / 10,
    };
    if (rttMs === null && lossPct === null) return { quality: 'unknown', detail };
    if (received === 0 && expectingMedia) return { quality: 'poor', detail };
    return { quality: classify(rttMs ?? 0, lossPct ?? 0), detail };
  }
}

function classify(rttMs: number, lossPct: number): Quality {
  if (rttMs < GOOD.rttMs && lossPct < GOOD.lossPct) return 'good';
  if (rttMs < FAIR.rttMs && lossPct < FAIR.lossPct) return 'fair';
  return 'poor';
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
