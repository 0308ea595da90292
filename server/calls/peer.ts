import { EventEmitter } from 'node:events';
import type { types as ms } from 'mediasoup';
import type { MediaSource, NotificationData, NotificationMethod, PeerInfo, Role } from '../signalling/messages.ts';

/** How the media plane talks to one party; the signalling layer provides it (socket.io now). */
export interface PeerChannel {
  notify<M extends NotificationMethod>(method: M, data: NotificationData<M>): void;
  /** A notification the client must acknowledge; resolves false on timeout or disconnect. */
  request<M extends NotificationMethod>(method: M, data: NotificationData<M>): Promise<boolean>;
}

type PeerEvents = { close: [] };

export interface PeerOptions {
  id: string;
  role: Role;
  displayName: string;
  /** Hidden peers (officers, recorder: later issue) consume but are not announced to others. */
  hidden?: boolean;
  channel: PeerChannel;
}

/** One party in one call: its transports, producers and consumers. The Room wires them. */
export class Peer extends EventEmitter<PeerEvents> {
  readonly id: string;
  readonly role: Role;
  readonly displayName: string;
  readonly hidden: boolean;
  readonly #transports = new Map<string, ms.Transport>();
  readonly #producers = new Map<string, ms.Producer>();
  readonly #consumers = new Map<string, ms.Consumer>();
  /** Kinds whose produce is under way (at most one per kind). */
  readonly #producing = new Set<ms.MediaKind>();
  #channel: PeerChannel;
  #rtpCapabilities: ms.RtpCapabilities | undefined;
  #state: 'connected' | 'reconnecting' = 'connected';
  #closed = false;

  private constructor(options: PeerOptions) {
    super();
    this.id = options.id;
    this.role = options.role;
    this.displayName = options.displayName;
    this.hidden = options.hidden ?? false;
    this.#channel = options.channel;
  }

  static create(options: PeerOptions): Peer {
    return new Peer(options);
  }

  get closed(): boolean {
    return this.#closed;
  }

  get channel(): PeerChannel {
    return this.#channel;
  }

  get state(): 'connected' | 'reconnecting' {
    return this.#state;
  }

  set state(value: 'connected' | 'reconnecting') {
    this.#state = value;
  }

  get info(): PeerInfo {
    return { peerId: this.id, role: this.role, displayName: this.displayName, state: this.#state };
  }

  /** Set once the receive side is ready (consumeReady); undefined before. */
  get rtpCapabilities(): ms.RtpCapabilities | undefined {
    return this.#rtpCapabilities;
  }

  set rtpCapabilities(caps: ms.RtpCapabilities | undefined) {
    this.#rtpCapabilities = caps;
  }

  addTransport(transport: ms.Transport): void {
    this.#transports.set(transport.id, transport);
    transport.observer.once('close', () => this.#transports.delete(transport.id));
  }

  transport(id: string): ms.Transport | undefined {
    return this.#transports.get(id);
  }

  transportFor(direction: 'send' | 'recv'): ms.Transport | undefined {
    return [...this.#transports.values()].find((t) => (t.appData as { direction?: string }).direction === direction);
  }

  /** The transport this peer receives on (consumers go there). */
  recvTransport(): ms.Transport | undefined {
    return this.transportFor('recv');
  }

  addProducer(producer: ms.Producer): void {
    this.#producers.set(producer.id, producer);
    producer.observer.once('close', () => this.#producers.delete(producer.id));
  }

  /**
   * Reserves the kind for a new producer: false while a live producer of that kind exists or
   * another produce of it is under way. releaseProducing() when that produce is done.
   */
  claimProducing(kind: ms.MediaKind): boolean {
    if (this.#producing.has(kind) || this.producers().some((p) => p.kind === kind && !p.closed)) return false;
    this.#producing.add(kind);
    return true;
  }

  releaseProducing(kind: ms.MediaKind): void {
    this.#producing.delete(kind);
  }

  producer(id: string): ms.Producer | undefined {
    return this.#producers.get(id);
  }

  producers(): ms.Producer[] {
    return [...this.#producers.values()];
  }

  addConsumer(consumer: ms.Consumer): void {
    this.#consumers.set(consumer.id, consumer);
    consumer.observer.once('close', () => this.#consumers.delete(consumer.id));
  }

  consumer(id: string): ms.Consumer | undefined {
    return this.#consumers.get(id);
  }

  consumers(): ms.Consumer[] {
    return [...this.#consumers.values()];
  }

  sourceOf(producer: ms.Producer): MediaSource {
    return (producer.appData as { source?: MediaSource }).source ?? (producer.kind === 'audio' ? 'microphone' : 'camera');
  }

  /** Closes every transport (and with them producers and consumers). Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const t of this.#transports.values()) t.close();
    this.#transports.clear();
    this.emit('close');
  }
}
