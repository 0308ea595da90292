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
}

interface Slot {
  index: number;
  worker: ms.Worker;
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
    const slot: Slot = { index, worker, routers: 0, generation };
    worker.observer.on('newrouter', (router) => {
      slot.routers++;
      router.observer.once('close', () => slot.routers--);
    });
    worker.on('died', (error) => void this.#replace(slot, error));
    return slot;
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
    const live = this.#slots.filter((s) => !s.worker.died && !s.worker.closed);
    if (live.length === 0) throw new Error('no live mediasoup worker');
    return live.reduce((best, s) => (s.routers < best.routers ? s : best)).worker;
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
