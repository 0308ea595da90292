import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TimeWarnings } from '../../server/supervision/time-warnings.ts';

describe('TimeWarnings', () => {
  beforeEach(() => vi.useFakeTimers({ now: new Date('2025-03-03T03:00:00Z') }));
  afterEach(() => vi.useRealTimers());

  it('warns once at each offset before the deadline', () => {
    const got: number[] = [];
    const w = new TimeWarnings([30, 120], (s) => got.push(s));
    w.arm(new Date(Date.now() + 300_000));
    expect(w.activeSecondsLeft()).toBeUndefined();
    vi.advanceTimersByTime(180_000);
    expect(got).toEqual([120]);
    vi.advanceTimersByTime(90_000);
    expect(got).toEqual([120, 30]);
    expect(w.activeSecondsLeft()).toBe(30);
    vi.advanceTimersByTime(60_000);
    expect(got).toEqual([120, 30]);
  });

  it('collapses offsets already passed into one warning at once, and re-arms after an extension', () => {
    const got: number[] = [];
    const w = new TimeWarnings([120, 30], (s) => got.push(s));
    w.arm(new Date(Date.now() + 20_000));
    expect(got).toEqual([20]);
    w.arm(new Date(Date.now() + 20_000 + 300_000)); // extended by 5 minutes
    expect(w.activeSecondsLeft()).toBeUndefined();
    vi.advanceTimersByTime(200_000);
    expect(got).toEqual([20, 120]);
    w.stop();
    vi.advanceTimersByTime(200_000);
    expect(got).toEqual([20, 120]);
  });
});
