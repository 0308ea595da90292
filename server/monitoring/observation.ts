import type { types as ms } from 'mediasoup';
import type { Call } from '../calls/call.ts';
import { Peer, type PeerChannel } from '../calls/peer.ts';
import type { Room } from '../calls/room.ts';
import type { NotificationData } from '../signalling/messages.ts';

export type ObservationEndReason = NotificationData<'observationEnded'>['reason'];

export interface ObservationOptions {
  call: Call;
  peerId: string;
  displayName: string;
  /** the officer connection's channel; this observation tags what it forwards with the visit */
  channel: PeerChannel;
  /** the observation is over (stopped, the call ended, or its media was reset) */
  onEnded(observation: Observation): void;
}

/** Grid: the lowest simulcast layer; focus: the best one the officer's link allows (DownlinkControl). */
const GRID_LAYERS = { spatialLayer: 0, temporalLayer: 2 };
const FOCUS_LAYERS = { spatialLayer: 2, temporalLayer: 2 };

/**
 * One officer watching one call: a hidden Peer in the call's Room with a receive transport only.
 * Unfocused, it receives the parties' video on the low layer and no audio; focused, full video and
 * audio. The Room never announces hidden peers and never consumes from them.
 */
export class Observation {
  readonly visitId: string;
  readonly room: Room;
  readonly peer: Peer;
  readonly #channel: PeerChannel;
  readonly #onEnded: ObservationOptions['onEnded'];
  #focused = false;
  #ended = false;

  private constructor(options: ObservationOptions, room: Room) {
    this.visitId = options.call.visitId;
    this.room = room;
    this.#channel = options.channel;
    this.#onEnded = options.onEnded;
    this.peer = Peer.create({ id: options.peerId, role: 'officer', displayName: options.displayName, hidden: true, channel: this.#peerChannel() });
    this.peer.once('close', () => this.#end('media_reset'));
  }

  /** Joins the call's room as a hidden peer and opens its receive transport. */
  static async start(options: ObservationOptions): Promise<{ observation: Observation; transport: ms.Transport }> {
    const room = await options.call.room();
    const observation = new Observation(options, room);
    room.join(observation.peer);
    try {
      const transport = await room.createTransport(observation.peer, 'recv');
      return { observation, transport };
    } catch (err) {
      observation.stop();
      throw err;
    }
  }

  get focused(): boolean {
    return this.#focused;
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** What the Room says to this hidden peer, translated for an officer watching several calls. */
  #peerChannel(): PeerChannel {
    return {
      notify: (method, data) => {
        if (method === 'consumerClosed' || method === 'consumerPaused' || method === 'consumerLayers') this.#channel.notify(method, data);
        else if (method === 'callEnded') this.#end((data as NotificationData<'callEnded'>).reason);
        else if (method === 'mediaReset') this.#end('media_reset');
        // Everything else (presence, deadline, warnings, mutes) is addressed to the parties.
      },
      request: async (method, data) => {
        if (method !== 'newConsumer' || this.#ended) return false;
        const d = data as NotificationData<'newConsumer'>;
        const consumer = this.peer.consumer(d.consumerId);
        if (!consumer) return false;
        // Unfocused observers hear nothing: refusing the consumer closes it (focus consumes it again).
        if (d.kind === 'audio' && !this.#focused) return false;
        await this.#applyLayers(consumer);
        return this.#channel.request('newConsumer', { ...d, visitId: this.visitId });
      },
    };
  }

  async #applyLayers(consumer: ms.Consumer): Promise<void> {
    if (consumer.kind !== 'video' || (consumer.type !== 'simulcast' && consumer.type !== 'svc')) return;
    const layers = this.#focused ? FOCUS_LAYERS : GRID_LAYERS;
    await this.room.setConsumerLayers(this.peer, consumer.id, layers.spatialLayer, layers.temporalLayer).catch(() => {});
  }

  /** The page's receive transport is ready: consume the parties' media. */
  async ready(rtpCapabilities: ms.RtpCapabilities): Promise<void> {
    await this.room.consumeReady(this.peer, rtpCapabilities);
  }

  /** Focus: full layers and the parties' audio. Unfocus: low layer, audio consumers closed. */
  async setFocused(focused: boolean): Promise<void> {
    if (this.#focused === focused || this.#ended) return;
    this.#focused = focused;
    for (const consumer of this.peer.consumers()) {
      if (consumer.kind === 'video') await this.#applyLayers(consumer);
      else if (!focused) {
        consumer.close();
        this.#channel.notify('consumerClosed', { consumerId: consumer.id });
      }
    }
    const caps = this.peer.rtpCapabilities;
    if (focused && caps && this.peer.recvTransport()) await this.room.consumeReady(this.peer, caps);
  }

  #end(reason: ObservationEndReason): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#channel.notify('observationEnded', { visitId: this.visitId, reason });
    this.#onEnded(this);
    this.peer.close();
  }

  /** The officer stopped watching (or disconnected): leave silently, nothing to tell. */
  stop(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#onEnded(this);
    if (!this.room.closed) this.room.leave(this.peer, 'left');
    else this.peer.close();
  }
}
