/**
 * How much of one party's camera a viewer's link can take, decided from the loss that viewer's
 * browser reports. A rung is a simulcast layer pair; below the lowest rung video is suspended and
 * only audio flows. A bad second steps down at once (heavy loss: straight to the lowest spatial
 * layer); stepping up waits for a clean spell that doubles each time a step up fails, so a link at
 * its limit does not oscillate.
 *
 * A ladder settled on its best rung over a clean link asks for samples less often: reading a
 * consumer's stats is a round trip to the mediasoup worker, and at 100 calls (400 consumers) one
 * a second cost 5–6 % of a core, one every 3 s about 2 % (npm run bench:downlink). Loss still
 * shows in the longer sample, and the first sample that is not clean returns to one a second.
 *
 * Pure: it sees samples and time, and answers with the rung to use. DownlinkControl applies it.
 */
export interface Layers {
  spatialLayer: number;
  temporalLayer: number;
}

/** null: video suspended (no layer fits the link). */
export type Rung = Layers | null;

export interface LossSample {
  nowMs: number;
  /** share of the video packets sent in the last interval that the browser reported lost, 0–1 */
  loss: number;
  /** the layers the SFU actually forwarded (lower than the rung when the camera lacks a layer) */
  current: Layers | null;
}

export const ladderSettings = {
  /** how often the viewer's loss is sampled */
  sampleMs: 1_000,
  /** ... once settled: on the best rung, clean, no step up on probation */
  settledSampleMs: 3_000,
  /** a sample with this much loss steps down one rung */
  badLoss: 0.1,
  /** a sample with this much loss goes straight to the lowest spatial layer */
  heavyLoss: 0.3,
  /** a sample under this much loss counts towards stepping up */
  cleanLoss: 0.02,
  /** clean time before a step up; doubled by each failed step up */
  baseHoldMs: 5_000,
  maxHoldMs: 40_000,
  /** samples right after a change still show the old rung's loss (RTCP lags): ignore them */
  settleMs: 1_500,
  /** a step up that turns bad within this time failed */
  probeMs: 8_000,
} as const;

export class DownlinkLadder {
  readonly #rungs: Layers[];
  /** index into #rungs (0 = best allowed); #rungs.length = suspended */
  #index: number;
  #holdMs: number = ladderSettings.baseHoldMs;
  #changedAtMs: number;
  #cleanSinceMs: number | null = null;
  #lastUpAtMs = -Infinity;
  /** the last change was a step up that has not yet proved itself */
  #probing = false;

  /** `top`: the best layers this viewer may have; starts one spatial layer lower. */
  constructor(top: Layers, nowMs: number) {
    this.#rungs = rungsBelow(top);
    const oneLower = this.#rungs.findIndex((r) => r.spatialLayer < top.spatialLayer);
    this.#index = oneLower === -1 ? 0 : oneLower;
    this.#changedAtMs = nowMs;
  }

  get rung(): Rung {
    return this.#rungs[this.#index] ?? null;
  }

  get suspended(): boolean {
    return this.#index >= this.#rungs.length;
  }

  /** When the next loss sample is wanted (suspended: when tick() wants to be called). */
  get sampleEveryMs(): number {
    const settled = this.#index === 0 && !this.#probing && this.#cleanSinceMs !== null;
    return settled ? ladderSettings.settledSampleMs : ladderSettings.sampleMs;
  }

  /** Feeds one loss sample; returns the new rung when it changes, else undefined. */
  sample(s: LossSample): Rung | undefined {
    if (this.suspended || s.nowMs - this.#changedAtMs < ladderSettings.settleMs) return undefined;
    if (s.loss >= ladderSettings.badLoss) return this.#down(s);
    if (s.loss >= ladderSettings.cleanLoss) {
      this.#cleanSinceMs = null;
      return undefined;
    }
    this.#cleanSinceMs ??= s.nowMs;
    if (this.#probing && s.nowMs - this.#lastUpAtMs >= ladderSettings.probeMs) {
      this.#probing = false;
      this.#holdMs = ladderSettings.baseHoldMs;
    }
    if (this.#index > 0 && s.nowMs - this.#cleanSinceMs >= this.#holdMs) return this.#move(this.#index - 1, s.nowMs, true);
    return undefined;
  }

  /** While suspended there is no video to measure: try the lowest rung again once the hold has passed. */
  tick(nowMs: number): Rung | undefined {
    if (!this.suspended || nowMs - this.#changedAtMs < this.#holdMs) return undefined;
    return this.#move(this.#rungs.length - 1, nowMs, true);
  }

  #down(s: LossSample): Rung {
    if (this.#probing && s.nowMs - this.#lastUpAtMs < ladderSettings.probeMs) this.#holdMs = Math.min(2 * this.#holdMs, ladderSettings.maxHoldMs);
    // From what is really forwarded, not from the rung asked for: stepping down from a layer the
    // camera does not send would change nothing on the wire.
    const actual = s.current ? this.#rungs.findIndex((r) => !above(r, s.current!)) : -1;
    const from = Math.max(this.#index, actual);
    const lowestSpatial = this.#rungs.findIndex((r) => r.spatialLayer === 0);
    const heavy = s.loss >= ladderSettings.heavyLoss && from < lowestSpatial;
    return this.#move(heavy ? lowestSpatial : from + 1, s.nowMs, false);
  }

  #move(index: number, nowMs: number, up: boolean): Rung {
    this.#index = Math.min(index, this.#rungs.length);
    this.#changedAtMs = nowMs;
    this.#cleanSinceMs = null;
    this.#probing = up;
    if (up) this.#lastUpAtMs = nowMs;
    return this.rung;
  }
}

/** Every layer pair from `top` down to (0, 0), best first: temporal layers go only on the lowest spatial layer. */
function rungsBelow(top: Layers): Layers[] {
  const rungs: Layers[] = [];
  for (let s = top.spatialLayer; s >= 0; s--) {
    const highestTemporal = s === top.spatialLayer ? top.temporalLayer : 2;
    if (s > 0) rungs.push({ spatialLayer: s, temporalLayer: highestTemporal });
    else for (let t = highestTemporal; t >= 0; t--) rungs.push({ spatialLayer: 0, temporalLayer: t });
  }
  return rungs;
}

function above(a: Layers, b: Layers): boolean {
  return a.spatialLayer > b.spatialLayer || (a.spatialLayer === b.spatialLayer && a.temporalLayer > b.temporalLayer);
}
