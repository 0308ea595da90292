import type { types as ms } from 'mediasoup';
import type { Logger } from '../logging/logger.ts';
import { DownlinkLadder, type Layers, type Rung } from './downlink-ladder.ts';

export interface DownlinkControlOptions {
  /** the best layers this viewer may have (an officer's grid asks for less) */
  top: Layers;
  logger: Logger;
  /** video stopped because of the viewer's link (it comes back through the consumer's layerschange) */
  onSuspended(): void;
}

/**
 * Sizes one simulcast video consumer to its viewer's link: every second (every few once the link
 * is settled: DownlinkLadder.sampleEveryMs) it reads the loss the viewer's browser reported for
 * this stream and moves the consumer along a DownlinkLadder: lower
 * layers first, then no video at all (the consumer paused, audio untouched), then back up as the
 * link allows. mediasoup's own estimate is off towards viewers (see receiveCapabilities): on a
 * narrow link it fell to its 30 kbit/s floor and could stay there on an open link for good.
 */
export class DownlinkControl {
  readonly #consumer: ms.Consumer;
  readonly #options: DownlinkControlOptions;
  #timer: NodeJS.Timeout | undefined;
  #ladder: DownlinkLadder;
  #last = { sent: 0, lost: 0 };
  #busy = false;

  private constructor(consumer: ms.Consumer, options: DownlinkControlOptions) {
    this.#consumer = consumer;
    this.#options = options;
    this.#ladder = new DownlinkLadder(options.top, Date.now());
    this.#schedule();
    consumer.observer.once('close', () => clearTimeout(this.#timer));
  }

  /** Takes over a simulcast video consumer's layers (call before resuming it). */
  static async create(consumer: ms.Consumer, options: DownlinkControlOptions): Promise<DownlinkControl> {
    const control = new DownlinkControl(consumer, options);
    await control.#apply(control.#ladder.rung, false);
    return control;
  }

  /** A new best (the viewer asked for other layers): start again just below it. */
  async setTop(top: Layers): Promise<void> {
    const wasSuspended = this.#ladder.suspended;
    this.#ladder = new DownlinkLadder(top, Date.now());
    this.#schedule();
    await this.#apply(this.#ladder.rung, wasSuspended);
  }

  /** The next step, when the ladder wants it (replaces the one pending). */
  #schedule(): void {
    clearTimeout(this.#timer);
    if (this.#consumer.closed) return;
    this.#timer = setTimeout(() => void this.#step().finally(() => this.#schedule()), this.#ladder.sampleEveryMs);
    this.#timer.unref();
  }

  async #step(): Promise<void> {
    if (this.#busy || this.#consumer.closed) return;
    this.#busy = true;
    try {
      const nowMs = Date.now();
      const wasSuspended = this.#ladder.suspended;
      let next: Rung | undefined;
      if (wasSuspended) {
        next = this.#ladder.tick(nowMs);
      } else {
        const loss = await this.#loss();
        if (loss !== null) next = this.#ladder.sample({ nowMs, loss, current: currentLayers(this.#consumer) });
      }
      if (next !== undefined) await this.#apply(next, wasSuspended);
    } catch (err) {
      if (!this.#consumer.closed) this.#options.logger.warn({ consumerId: this.#consumer.id, err: (err as Error).message }, 'downlink control step failed');
    } finally {
      this.#busy = false;
    }
  }

  /** Lost / sent since the last sample, from the viewer's receiver reports; null when no video was sent. */
  async #loss(): Promise<number | null> {
    const stats = (await this.#consumer.getStats()).find((s) => s.type === 'outbound-rtp') as ms.ConsumerStat | undefined;
    if (!stats) return null;
    const sent = stats.packetCount - this.#last.sent;
    const lost = stats.packetsLost - this.#last.lost;
    this.#last = { sent: stats.packetCount, lost: stats.packetsLost };
    if (sent <= 0) return null;
    return Math.min(1, Math.max(0, lost) / sent);
  }

  async #apply(rung: Rung, wasSuspended: boolean): Promise<void> {
    const consumer = this.#consumer;
    if (consumer.closed) return;
    if (rung === null) {
      await consumer.pause();
      this.#options.logger.info({ consumerId: consumer.id }, 'viewer link too weak for video: video suspended, audio goes on');
      this.#options.onSuspended();
      return;
    }
    await consumer.setPreferredLayers(rung);
    if (wasSuspended) {
      await consumer.resume();
      this.#options.logger.info({ consumerId: consumer.id }, 'trying video again on the lowest layer');
    }
  }
}

function currentLayers(consumer: ms.Consumer): Layers | null {
  const l = consumer.currentLayers;
  return l ? { spatialLayer: l.spatialLayer, temporalLayer: l.temporalLayer ?? 0 } : null;
}
