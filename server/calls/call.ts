import { EventEmitter } from 'node:events';
import type { Logger } from '../logging/logger.ts';
import type { WorkerPool } from '../media/worker-pool.ts';
import type { EndReason } from '../signalling/messages.ts';
import { TimeWarnings } from '../supervision/time-warnings.ts';
import { msUntil, RECONNECT_GRACE_MS } from './call-rules.ts';
import type { types as ms } from 'mediasoup';
import type { Peer } from './peer.ts';
import { Room, type PeerTransportFactory } from './room.ts';

type CallEvents = {
  /** the deadline passed (the service re-checks the stored visit before ending) */
  deadline: [];
  /** a party stayed away longer than the grace period */
  gone: [Peer];
  /** a peer produced (in whichever room is current) */
  produced: [Peer, ms.Producer];
  /** the router died and a new room replaced it (parties were told mediaReset) */
  roomReplaced: [Room];
  /** the router died and no new room could be opened: the call cannot go on */
  mediaFailed: [Error];
};

// The pool replaces a dead worker asynchronously: when the only worker died, wait for it.
const ROOM_RETRY_DELAYS_MS = [0, 100, 250, 500, 1000, 2000, 4000];

export interface CallOptions {
  visitId: string;
  facilityId: string;
  boothId: string;
  deadline: Date;
  pool: WorkerPool;
  listenIp: string;
  announcedAddress: string;
  logger: Logger;
  /** default: WebRTC (see Room) */
  transportFactory?: PeerTransportFactory;
  /** timeWarning offsets (seconds before the deadline); none when omitted */
  warningOffsetsSeconds?: readonly number[];
}

/**
 * One live visit on this node: its Room (media), its deadline timer and the grace timers of
 * parties whose connection dropped. The CallService decides; the Call keeps time and media.
 */
export class Call extends EventEmitter<CallEvents> {
  readonly visitId: string;
  readonly facilityId: string;
  readonly boothId: string;
  readonly #options: CallOptions;
  readonly #grace = new Map<string, NodeJS.Timeout>();
  #room: Room;
  #roomReady: Promise<Room>;
  #deadline: Date;
  #deadlineTimer: NodeJS.Timeout | undefined;
  readonly #warnings: TimeWarnings;
  #ended: EndReason | undefined;

  private constructor(options: CallOptions, room: Room) {
    super();
    this.visitId = options.visitId;
    this.facilityId = options.facilityId;
    this.boothId = options.boothId;
    this.#options = options;
    this.#room = room;
    this.#roomReady = Promise.resolve(room);
    this.#deadline = options.deadline;
    this.#warnings = new TimeWarnings(options.warningOffsetsSeconds ?? [], (secondsLeft) => {
      for (const p of this.#room.peers()) p.channel.notify('timeWarning', { secondsLeft });
    });
    this.#watch(room);
    this.#armDeadline();
  }

  static async create(options: CallOptions): Promise<Call> {
    const room = await Room.create({ ...options, ...options.pool.leastLoadedMedia() });
    return new Call(options, room);
  }

  get ended(): EndReason | undefined {
    return this.#ended;
  }

  get deadline(): Date {
    return this.#deadline;
  }

  /** The current room (a new one after a worker died). */
  room(): Promise<Room> {
    return this.#roomReady;
  }

  get currentRoom(): Room {
    return this.#room;
  }

  /** Seconds left if a time warning for the current deadline was given (told to parties joining later). */
  get warningSecondsLeft(): number | undefined {
    return this.#warnings.activeSecondsLeft();
  }

  #watch(room: Room): void {
    room.on('produced', (peer, producer) => this.emit('produced', peer, producer));
    room.on('close', (unexpected, peers) => {
      if (!unexpected || this.#ended) return;
      this.#options.logger.error({ visitId: this.visitId }, 'call router closed unexpectedly, opening a new one');
      this.#roomReady = this.#replaceRoom();
      void this.#roomReady
        .then(
          (fresh) => {
            this.#room = fresh;
            this.#watch(fresh);
            this.emit('roomReplaced', fresh);
            peers.forEach((p) => p.channel.notify('mediaReset', {}));
          },
          (err: Error) => {
            if (this.#ended) return;
            this.#options.logger.error({ visitId: this.visitId, err: err.message }, 'no new router for the call, ending it');
            peers.forEach((p) => p.channel.notify('callEnded', { reason: 'media_failure' }));
            this.emit('mediaFailed', err);
          },
        )
        .catch((err: Error) => this.#options.logger.error({ visitId: this.visitId, err: err.message }, 'room replacement handling failed'));
    });
  }

  async #replaceRoom(): Promise<Room> {
    let lastError: Error | undefined;
    for (const delay of ROOM_RETRY_DELAYS_MS) {
      if (delay) await new Promise((r) => setTimeout(r, delay));
      if (this.#ended) throw new Error('call ended');
      try {
        const fresh = await Room.create({ ...this.#options, ...this.#options.pool.leastLoadedMedia() });
        if (!this.#ended) return fresh;
        fresh.close();
        throw new Error('call ended');
      } catch (err) {
        if (this.#ended) throw err;
        lastError = err as Error;
      }
    }
    throw lastError ?? new Error('no room');
  }

  setDeadline(deadline: Date): void {
    this.#deadline = deadline;
    this.#armDeadline();
    for (const p of this.#room.peers()) p.channel.notify('deadline', { deadline: deadline.toISOString() });
  }

  #armDeadline(): void {
    clearTimeout(this.#deadlineTimer);
    if (this.#ended) return;
    this.#warnings.arm(this.#deadline);
    this.#deadlineTimer = setTimeout(() => this.emit('deadline'), msUntil(this.#deadline, new Date()));
  }

  /** The party's connection dropped: keep its place for RECONNECT_GRACE_MS. */
  startGrace(peer: Peer, graceMs = RECONNECT_GRACE_MS): void {
    this.cancelGrace(peer.id);
    this.#room.setPeerState(peer, 'reconnecting');
    this.#grace.set(
      peer.id,
      setTimeout(() => {
        this.#grace.delete(peer.id);
        if (this.#room.peer(peer.id) === peer) this.emit('gone', peer);
      }, graceMs),
    );
  }

  cancelGrace(peerId: string): void {
    clearTimeout(this.#grace.get(peerId));
    this.#grace.delete(peerId);
  }

  /** Stops the timers and closes the media without ending the visit (this node is stopping). */
  dispose(): void {
    clearTimeout(this.#deadlineTimer);
    this.#warnings.stop();
    for (const t of this.#grace.values()) clearTimeout(t);
    this.#grace.clear();
    this.removeAllListeners();
    this.#room.close();
  }

  /** Tells every party why and closes the media. Idempotent. */
  end(reason: EndReason): void {
    if (this.#ended) return;
    this.#ended = reason;
    clearTimeout(this.#deadlineTimer);
    this.#warnings.stop();
    for (const t of this.#grace.values()) clearTimeout(t);
    this.#grace.clear();
    for (const p of this.#room.peers()) p.channel.notify('callEnded', { reason });
    this.#room.close();
  }
}
