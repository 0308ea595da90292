import { EventEmitter } from 'node:events';
import type { types as ms } from 'mediasoup';
import type { Logger } from '../logging/logger.ts';
import type { MediaSource, NotificationData } from '../signalling/messages.ts';
import { CallError } from './call-error.ts';
import { DownlinkControl } from './downlink-control.ts';
import { bitrates, browserRtpCapabilities, mediaCodecs, receiveCapabilities, topLayers } from './media-config.ts';
import type { Peer } from './peer.ts';

export type LeaveReason = NotificationData<'peerLeft'>['reason'];

type RoomEvents = {
  /** unexpected: the router went away under us (worker died), not a close() call */
  close: [unexpected: boolean, peers: Peer[]];
  peerJoined: [Peer];
  peerLeft: [Peer, LeaveReason];
  /** a peer's new producer exists (before any consumer of it): recording and mutes hook here */
  produced: [Peer, ms.Producer];
};

/**
 * Chromium drops a key frame request that comes within 300 ms of the last one it answered, and
 * mediasoup then waits 1 s before asking again: a viewer joining just after the recorder (or
 * another viewer) asked waited ~1.1 s for its first picture. With this delay mediasoup holds such a
 * request and sends it once 400 ms have passed since the previous one.
 */
export const KEY_FRAME_REQUEST_DELAY_MS = 400;

/** A resumed video consumer with no layer forwarded yet asks for a key frame again this often, this many times. */
const FIRST_PICTURE_RETRY_MS = 600;
const FIRST_PICTURE_RETRIES = 20;

/**
 * Opens a peer's transport in the room's router. Rooms default to WebRTC (what browsers and the
 * signalling speak); only an in-process caller that builds its own CallService passes another,
 * e.g. the capacity benchmark's plain-RTP parties. Signalling never chooses the kind.
 */
export type PeerTransportFactory = (router: ms.Router, peer: Peer, direction: 'send' | 'recv') => Promise<ms.Transport>;

/** The transport as WebRTC, for what only WebRTC has (ICE, DTLS); a room with other transports refuses. */
export function webRtcOnly(transport: ms.Transport): ms.WebRtcTransport {
  if (transport.type !== 'webrtc') throw new CallError('media_error', `transport ${transport.id} is not WebRTC`);
  return transport as ms.WebRtcTransport;
}

export interface RoomOptions {
  visitId: string;
  worker: ms.Worker;
  /** The worker's shared port (single-port mode); without it each transport listens on its own ports. */
  webRtcServer?: ms.WebRtcServer | undefined;
  listenIp: string;
  announcedAddress: string;
  logger: Logger;
  /** default: WebRTC transports (listenIp / announcedAddress) */
  transportFactory?: PeerTransportFactory;
}

/**
 * The media plane of one call: one Router on one worker, the peers in it, and the wiring of
 * every visible peer's producers to every other peer's consumers. No rules here (who may join,
 * deadlines): the Call and CallService own those.
 */
export class Room extends EventEmitter<RoomEvents> {
  readonly visitId: string;
  readonly #router: ms.Router;
  readonly #peers = new Map<string, Peer>();
  /** by consumer id: what sizes each simulcast video consumer to its viewer's link */
  readonly #downlinks = new Map<string, DownlinkControl>();
  readonly #listenIp: string;
  readonly #announcedAddress: string;
  readonly #webRtcServer: ms.WebRtcServer | undefined;
  readonly #logger: Logger;
  readonly #transportFactory: PeerTransportFactory | undefined;
  #closed = false;

  private constructor(options: RoomOptions, router: ms.Router) {
    super();
    this.visitId = options.visitId;
    this.#router = router;
    this.#listenIp = options.listenIp;
    this.#announcedAddress = options.announcedAddress;
    this.#webRtcServer = options.webRtcServer;
    this.#logger = options.logger.child({ visitId: options.visitId });
    this.#transportFactory = options.transportFactory;
    router.observer.once('close', () => {
      if (!this.#closed) this.#shutdown(true);
    });
  }

  static async create(options: RoomOptions): Promise<Room> {
    const router = await options.worker.createRouter({ mediaCodecs, appData: { visitId: options.visitId } });
    return new Room(options, router);
  }

  get closed(): boolean {
    return this.#closed;
  }

  get routerId(): string {
    return this.#router.id;
  }

  /** For server-side consumers outside the peers (recording's PlainTransports). */
  get router(): ms.Router {
    return this.#router;
  }

  /** What browsers load; server-side consumers (recording) use router.rtpCapabilities. */
  get rtpCapabilities(): ms.RtpCapabilities {
    return browserRtpCapabilities(this.#router.rtpCapabilities);
  }

  peer(id: string): Peer | undefined {
    return this.#peers.get(id);
  }

  peers(): Peer[] {
    return [...this.#peers.values()];
  }

  visiblePeers(except?: Peer): Peer[] {
    return this.peers().filter((p) => !p.hidden && p !== except);
  }

  /**
   * Adds a peer. A peer with the same id (the same party reconnecting or opening a second tab)
   * is replaced: its media closes, and the others see the party stay, not leave and re-enter.
   */
  join(peer: Peer): void {
    if (this.#closed) throw new CallError('call_ended', 'call is closed');
    const previous = this.#peers.get(peer.id);
    this.#peers.set(peer.id, peer);
    if (previous) {
      previous.close();
      this.#broadcast(peer, 'peerState', { peerId: peer.id, state: 'connected' });
    } else {
      this.#broadcast(peer, 'peerJoined', { peer: peer.info });
      this.emit('peerJoined', peer);
    }
  }

  /** Removes the peer if it is still the one in the room under its id. */
  leave(peer: Peer, reason: LeaveReason): void {
    if (this.#peers.get(peer.id) !== peer) {
      peer.close();
      return;
    }
    this.#peers.delete(peer.id);
    peer.close();
    this.#broadcast(peer, 'peerLeft', { peerId: peer.id, reason });
    this.emit('peerLeft', peer, reason);
  }

  setPeerState(peer: Peer, state: 'connected' | 'reconnecting'): void {
    if (this.#peers.get(peer.id) !== peer || peer.state === state) return;
    peer.state = state;
    this.#broadcast(peer, 'peerState', { peerId: peer.id, state });
  }

  #broadcast<M extends 'peerJoined' | 'peerLeft' | 'peerState'>(about: Peer, method: M, data: NotificationData<M>): void {
    if (about.hidden) return;
    for (const other of this.peers()) if (other !== about) other.channel.notify(method, data);
  }

  #transport(peer: Peer, transportId: string): ms.Transport {
    const transport = peer.transport(transportId);
    if (!transport) throw new CallError('not_found', `unknown transport ${transportId}`);
    return transport;
  }

  async createTransport(peer: Peer, direction: 'send' | 'recv'): Promise<ms.Transport> {
    this.#assertMember(peer);
    const transport = this.#transportFactory ? await this.#transportFactory(this.#router, peer, direction) : await this.#webRtcTransport(peer, direction);
    // One transport per direction: the new one replaces the old (the client rebuilt its side).
    // Closed and added with no await between, so requests that overlap still leave exactly one.
    peer.transportFor(direction)?.close();
    if (peer.closed || this.#closed) {
      transport.close();
      throw new CallError('not_joined', 'left the call meanwhile');
    }
    peer.addTransport(transport);
    return transport;
  }

  async #webRtcTransport(peer: Peer, direction: 'send' | 'recv'): Promise<ms.WebRtcTransport> {
    const announcedAddress = this.#announcedAddress !== this.#listenIp ? this.#announcedAddress : undefined;
    const appData = { peerId: peer.id, direction };
    const transport = this.#webRtcServer
      ? await this.#router.createWebRtcTransport({ webRtcServer: this.#webRtcServer, preferUdp: true, appData })
      : await this.#router.createWebRtcTransport({
        listenInfos: [
          { protocol: 'udp', ip: this.#listenIp, announcedAddress },
          { protocol: 'tcp', ip: this.#listenIp, announcedAddress },
        ],
        preferUdp: true,
        appData,
      });
    if (direction === 'send') await transport.setMaxIncomingBitrate(bitrates.maxIncoming);
    transport.on('icestatechange', (state) => {
      if (state === 'disconnected') this.#logger.info({ peerId: peer.id, direction }, 'ice disconnected');
    });
    return transport;
  }

  async connectTransport(peer: Peer, transportId: string, dtlsParameters: ms.DtlsParameters): Promise<void> {
    this.#assertMember(peer);
    await this.#media(() => webRtcOnly(this.#transport(peer, transportId)).connect({ dtlsParameters }));
  }

  async restartIce(peer: Peer, transportId: string): Promise<ms.IceParameters> {
    this.#assertMember(peer);
    return webRtcOnly(this.#transport(peer, transportId)).restartIce();
  }

  async produce(peer: Peer, transportId: string, kind: ms.MediaKind, rtpParameters: ms.RtpParameters, source: MediaSource): Promise<ms.Producer> {
    this.#assertMember(peer);
    const transport = this.#transport(peer, transportId);
    // One producer per kind: a re-produce is accepted once the old one closed (rebuilt send side, new peer).
    if (!peer.claimProducing(kind)) throw new CallError('already_producing', `already sending ${kind}`);
    let producer: ms.Producer;
    try {
      producer = await this.#media(() => transport.produce({ kind, rtpParameters, ...(kind === 'video' ? { keyFrameRequestDelay: KEY_FRAME_REQUEST_DELAY_MS } : {}), appData: { peerId: peer.id, source } }));
      peer.addProducer(producer);
    } finally {
      peer.releaseProducing(kind);
    }
    this.emit('produced', peer, producer);
    if (!peer.hidden) {
      for (const other of this.peers()) {
        if (other === peer) continue;
        this.#consume(other, peer, producer).catch((err: Error) => this.#logger.error({ peerId: other.id, producerId: producer.id, err: err.message }, 'consume failed'));
      }
    }
    return producer;
  }

  async setProducerPaused(peer: Peer, producerId: string, paused: boolean): Promise<void> {
    this.#assertMember(peer);
    const producer = peer.producer(producerId);
    if (!producer) throw new CallError('not_found', `unknown producer ${producerId}`);
    if (paused) await producer.pause();
    else await producer.resume();
  }

  /** The peer can receive now: consume every producer of every other visible peer. */
  async consumeReady(peer: Peer, rtpCapabilities: ms.RtpCapabilities): Promise<void> {
    this.#assertMember(peer);
    if (!peer.recvTransport()) throw new CallError('not_found', 'create the recv transport first');
    peer.rtpCapabilities = receiveCapabilities(rtpCapabilities);
    // Resolves once the consumers exist, not once the page acked them: the page acks only after
    // its receive transport connected, a later request of the same party (requests run in order).
    const wanted = this.visiblePeers(peer).flatMap((other) => other.producers().map((producer) => ({ other, producer })));
    // Video offered first: the page sets its first consumer up with the transport's connection, and
    // the other side's picture is what a joining party waits for; audio follows a moment later.
    for (const kind of ['video', 'audio'] as const) {
      await Promise.all(wanted.filter((w) => w.producer.kind === kind).map((w) => this.#consume(peer, w.other, w.producer)));
    }
  }

  async setConsumerLayers(peer: Peer, consumerId: string, spatialLayer: number, temporalLayer?: number): Promise<void> {
    this.#assertMember(peer);
    const consumer = peer.consumer(consumerId);
    if (!consumer) throw new CallError('not_found', `unknown consumer ${consumerId}`);
    if (consumer.type !== 'simulcast' && consumer.type !== 'svc') return;
    const downlink = this.#downlinks.get(consumer.id);
    if (downlink) await downlink.setTop({ spatialLayer, temporalLayer: temporalLayer ?? topLayers.temporalLayer });
    else await consumer.setPreferredLayers({ spatialLayer, temporalLayer });
  }

  async #consume(peer: Peer, from: Peer, producer: ms.Producer): Promise<void> {
    const transport = peer.recvTransport();
    const caps = peer.rtpCapabilities;
    if (!transport || !caps || peer.closed || producer.closed) return;
    // One consumer per producer and peer: a repeated consumeReady (an officer's focus) adds only what is missing.
    if (peer.consumers().some((c) => c.producerId === producer.id)) return;
    if (!this.#router.canConsume({ producerId: producer.id, rtpCapabilities: caps })) {
      this.#logger.warn({ peerId: peer.id, producerId: producer.id }, 'peer cannot consume producer (codecs)');
      return;
    }
    let consumer: ms.Consumer;
    try {
      consumer = await transport.consume({
        producerId: producer.id,
        rtpCapabilities: caps,
        paused: true,
        enableRtx: true,
        ignoreDtx: true,
        appData: { peerId: from.id, source: from.sourceOf(producer) },
      });
    } catch (err) {
      this.#logger.warn({ peerId: peer.id, err: (err as Error).message }, 'consume failed');
      return;
    }
    peer.addConsumer(consumer);
    const channel = peer.channel;
    consumer.on('producerclose', () => channel.notify('consumerClosed', { consumerId: consumer.id }));
    consumer.on('producerpause', () => channel.notify('consumerPaused', { consumerId: consumer.id, paused: true }));
    consumer.on('producerresume', () => channel.notify('consumerPaused', { consumerId: consumer.id, paused: false }));
    consumer.on('layerschange', (layers) => channel.notify('consumerLayers', { consumerId: consumer.id, spatialLayer: layers?.spatialLayer ?? null }));
    if (consumer.type === 'simulcast') {
      const downlink = await DownlinkControl.create(consumer, {
        top: { ...topLayers },
        logger: this.#logger.child({ peerId: peer.id }),
        onSuspended: () => channel.notify('consumerLayers', { consumerId: consumer.id, spatialLayer: null }),
      });
      this.#downlinks.set(consumer.id, downlink);
      consumer.observer.once('close', () => this.#downlinks.delete(consumer.id));
    }
    void this.#offer(channel, consumer, from, producer).catch((err: Error) => this.#logger.warn({ peerId: peer.id, consumerId: consumer.id, err: err.message }, 'consumer offer failed'));
  }

  /** Tells the peer about its new consumer and resumes it once acked (closed if refused or not acked). */
  async #offer(channel: Peer['channel'], consumer: ms.Consumer, from: Peer, producer: ms.Producer): Promise<void> {
    const acked = await channel.request('newConsumer', {
      consumerId: consumer.id,
      producerId: producer.id,
      peerId: from.id,
      kind: consumer.kind,
      source: from.sourceOf(producer),
      rtpParameters: consumer.rtpParameters as unknown as Record<string, unknown>,
      producerPaused: consumer.producerPaused,
    });
    if (consumer.closed) return;
    if (!acked) {
      consumer.close();
      return;
    }
    await consumer.resume().catch(() => {});
    this.#untilFirstPicture(consumer);
  }

  /**
   * A simulcast consumer forwards nothing until a key frame of its layer arrives, so the viewer's
   * browser, having received nothing, never asks for one; if the browser sending the camera dropped
   * our one request (Chromium ignores requests within 300 ms of its last key frame), the viewer
   * had no picture until something else asked. Ask again until a layer is forwarded.
   */
  #untilFirstPicture(consumer: ms.Consumer): void {
    if (consumer.type !== 'simulcast') return;
    let tries = 0;
    const timer = setInterval(() => {
      if (consumer.closed || consumer.currentLayers || ++tries > FIRST_PICTURE_RETRIES) return clearInterval(timer);
      if (!consumer.paused && !consumer.producerPaused) void consumer.requestKeyFrame().catch(() => {});
    }, FIRST_PICTURE_RETRY_MS);
    timer.unref();
  }

  async #media<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof CallError) throw err;
      throw new CallError('media_error', (err as Error).message);
    }
  }

  #assertMember(peer: Peer): void {
    if (this.#closed) throw new CallError('call_ended', 'call is closed');
    if (this.#peers.get(peer.id) !== peer) throw new CallError('not_joined', 'not in this call');
  }

  #shutdown(unexpected: boolean): void {
    this.#closed = true;
    const peers = this.peers();
    for (const p of peers) p.close();
    this.#peers.clear();
    this.#router.close();
    this.emit('close', unexpected, peers);
  }

  close(): void {
    if (this.#closed) return;
    this.#shutdown(false);
  }
}
