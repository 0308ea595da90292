import { EventEmitter } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import * as mediasoup from 'mediasoup';
import type { types as ms } from 'mediasoup';
import { projectRoot } from '../config/load.ts';
import type { Logger } from '../logging/logger.ts';

export interface WorkerPoolOptions {
  /** 0 = one per CPU core. */
  count: number;
  rtcMinPort: number;
  rtcMaxPort: number;
  logLevel: ms.WorkerLogLevel;
  /** One WebRtcServer per worker (omitted: each WebRTC transport takes its own ports from the range). */
  webRtcServer?: {
    listenIp: string;
    /** Given to browsers in place of listenIp when set. */
    announcedAddress?: string;
    /** Worker i listens on basePort + i, UDP and TCP; 0: any free port of rtcMinPort–rtcMaxPort. */
    basePort: number;
  };
}

/** A worker and, in single-port mode, the WebRtcServer its WebRTC transports share. */
export interface MediaWorker {
  worker: ms.Worker;
  webRtcServer: ms.WebRtcServer | undefined;
}

interface Slot extends MediaWorker {
  index: number;
  routers: number;
  generation: number;
}

export interface WorkerHealth {
  index: number;
  pid: number;
  alive: boolean;
  routers: number;
  restarts: number;
}

/**
 * Starts the real worker binary (mediasoup.workerBin, which honours MEDIASOUP_WORKER_BIN) in its own session.
 * Taken from the source tree, which the compiled build (dist/node) runs beside.
 */
const OWN_SESSION_WRAPPER = path.join(projectRoot, 'server', 'media', 'worker-own-session.sh');

type PoolEvents = { workerReplaced: [{ index: number; oldPid: number; newPid: number; error: string }] };

/**
 * A fixed set of mediasoup workers. New routers go to the least-loaded worker; a worker that
 * dies is replaced in its slot (its routers are gone: their owners see the router close).
 */
export class WorkerPool extends EventEmitter<PoolEvents> {
  readonly #slots: Slot[] = [];
  readonly #options: WorkerPoolOptions;
  readonly #logger: Logger;
  #closed = false;

  private constructor(options: WorkerPoolOptions, logger: Logger) {
    super();
    this.#options = options;
    this.#logger = logger;
  }

  static async create(options: WorkerPoolOptions, logger: Logger): Promise<WorkerPool> {
    const pool = new WorkerPool(options, logger);
    const count = options.count > 0 ? options.count : os.availableParallelism();
    const base = options.webRtcServer?.basePort ?? 0;
    if (base !== 0 && base + count - 1 > 65535) throw new Error(`mediasoup.rtcPort ${base} + ${count} workers runs past port 65535`);
    if (base !== 0 && base <= options.rtcMaxPort && base + count - 1 >= options.rtcMinPort) {
      throw new Error(`mediasoup.rtcPort ${base}–${base + count - 1} (one per worker) overlaps rtcMinPort–rtcMaxPort ${options.rtcMinPort}–${options.rtcMaxPort}`);
    }
    try {
      for (let i = 0; i < count; i++) pool.#slots.push(await pool.#spawn(i, 0));
    } catch (err) {
      pool.close();
      throw err;
    }
    logger.info({ workers: count, mediasoupVersion: mediasoup.version }, 'mediasoup worker pool ready');
    return pool;
  }

  get size(): number {
    return this.#slots.length;
  }

  async #spawn(index: number, generation: number): Promise<Slot> {
    process.env.KV_MEDIASOUP_WORKER_BIN ??= mediasoup.workerBin;
    const worker = await mediasoup.createWorker({
      logLevel: this.#options.logLevel,
      rtcMinPort: this.#options.rtcMinPort,
      rtcMaxPort: this.#options.rtcMaxPort,
      workerBin: OWN_SESSION_WRAPPER,
      appData: { index },
    });
    if (!keepWorkerThroughStopSignals(worker)) this.#logger.warn('mediasoup has no onSignal handler to remove: a stop signal may close workers before recordings are finalised');
    let webRtcServer: ms.WebRtcServer | undefined;
    try {
      webRtcServer = await this.#createWebRtcServer(worker, index);
    } catch (err) {
      worker.close();
      throw err;
    }
    const slot: Slot = { index, worker, webRtcServer, routers: 0, generation };
    worker.observer.on('newrouter', (router) => {
      slot.routers++;
      router.observer.once('close', () => slot.routers--);
    });
    worker.on('died', (error) => void this.#replace(slot, error));
    return slot;
  }

  async #createWebRtcServer(worker: ms.Worker, index: number): Promise<ms.WebRtcServer | undefined> {
    const o = this.#options.webRtcServer;
    if (!o) return undefined;
    // A fixed port per worker (what the firewall opens), or a free one of the range when 0.
    const at = o.basePort !== 0
      ? { port: o.basePort + index }
      : { portRange: { min: this.#options.rtcMinPort, max: this.#options.rtcMaxPort } };
    const server = await worker.createWebRtcServer({
      listenInfos: [
        { protocol: 'udp', ip: o.listenIp, announcedAddress: o.announcedAddress, ...at },
        { protocol: 'tcp', ip: o.listenIp, announcedAddress: o.announcedAddress, ...at },
      ],
      appData: { index },
    });
    const { udpSockets, tcpServers } = await server.dump();
    this.#logger.info({ worker: index, udp: udpSockets.map((s) => s.port), tcp: tcpServers.map((s) => s.port) }, 'mediasoup WebRtcServer listening');
    return server;
  }

  async #replace(dead: Slot, error: Error): Promise<void> {
    if (this.#closed) return;
    this.#logger.error({ worker: dead.index, pid: dead.worker.pid, err: error.message }, 'mediasoup worker died, replacing it');
    for (let attempt = 1; !this.#closed; attempt++) {
      try {
        const fresh = await this.#spawn(dead.index, dead.generation + 1);
        if (this.#closed) {
          fresh.worker.close();
          return;
        }
        this.#slots[dead.index] = fresh;
        this.#logger.warn({ worker: dead.index, oldPid: dead.worker.pid, newPid: fresh.worker.pid, attempt }, 'mediasoup worker replaced');
        this.emit('workerReplaced', { index: dead.index, oldPid: dead.worker.pid, newPid: fresh.worker.pid, error: error.message });
        return;
      } catch (err) {
        this.#logger.error({ worker: dead.index, attempt, err: (err as Error).message }, 'mediasoup worker respawn failed');
        await new Promise((r) => setTimeout(r, Math.min(5000, 250 * attempt)));
      }
    }
  }

  /** The live worker carrying the fewest routers. */
  leastLoaded(): ms.Worker {
    return this.leastLoadedMedia().worker;
  }

  /** The live worker carrying the fewest routers, with its WebRtcServer in single-port mode. */
  leastLoadedMedia(): MediaWorker {
    const live = this.#slots.filter((s) => !s.worker.died && !s.worker.closed);
    if (live.length === 0) throw new Error('no live mediasoup worker');
    const { worker, webRtcServer } = live.reduce((best, s) => (s.routers < best.routers ? s : best));
    return { worker, webRtcServer };
  }

  /** Every slot's current worker and WebRtcServer, in slot order. */
  media(): MediaWorker[] {
    return this.#slots.map(({ worker, webRtcServer }) => ({ worker, webRtcServer }));
  }

  health(): WorkerHealth[] {
    return this.#slots.map((s) => ({
      index: s.index,
      pid: s.worker.pid,
      alive: !s.worker.died && !s.worker.closed,
      routers: s.routers,
      restarts: s.generation,
    }));
  }

  close(): void {
    this.#closed = true;
    for (const s of this.#slots) s.worker.close();
  }
}

/**
 * mediasoup closes every worker as soon as this process gets SIGINT or SIGTERM; the server
 * closes the pool itself, after the recordings that need the workers are finalised.
 */
function keepWorkerThroughStopSignals(worker: ms.Worker): boolean {
  const onSignal = (worker as unknown as { onSignal?: () => void }).onSignal;
  if (typeof onSignal !== 'function') return false;
  process.removeListener('SIGINT', onSignal);
  process.removeListener('SIGTERM', onSignal);
  return true;
}
