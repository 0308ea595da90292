import type { types as ms } from 'mediasoup';

export type MediaKind = 'audio' | 'video';

/**
 * What officers muted in one call, per party and kind, and what each party itself last asked
 * for, so lifting an officer's mute does not unmute a party that had muted itself.
 */
export class OfficerMutes {
  readonly #muted = new Set<string>();
  readonly #selfPaused = new Map<string, boolean>();

  isMuted(peerId: string, kind: MediaKind): boolean {
    return this.#muted.has(`${peerId}/${kind}`);
  }

  set(peerId: string, kind: MediaKind, muted: boolean): void {
    if (muted) this.#muted.add(`${peerId}/${kind}`);
    else this.#muted.delete(`${peerId}/${kind}`);
  }

  /** The party asked to pause / resume this producer itself. */
  recordSelf(producerId: string, paused: boolean): void {
    this.#selfPaused.set(producerId, paused);
  }

  selfPaused(producerId: string): boolean {
    return this.#selfPaused.get(producerId) ?? false;
  }

  /** Applies the officer's decision to the party's live producers of that kind. */
  async apply(producers: ms.Producer[], peerId: string, kind: MediaKind): Promise<void> {
    for (const p of producers) {
      if (p.kind !== kind || p.closed) continue;
      if (this.isMuted(peerId, kind)) await p.pause();
      else if (!this.selfPaused(p.id)) await p.resume();
    }
  }
}
