import type { types as ms } from 'mediasoup';

/**
 * Where consumers that model a browser send: the discard port on loopback, where nothing listens.
 * The kernel counts each arrival in Udp NoPorts and drops it, so a viewer costs the worker its
 * real egress (SRTP aside) and costs nobody a receiving process.
 */
export const SINK = { ip: '127.0.0.1', port: 9 } as const;

/** One way of carrying N supervised calls on one worker: the whole stack, or bare mediasoup. */
export interface CapacityDriver {
  readonly label: 'stack' | 'bare';
  readonly worker: ms.Worker;
  /** live calls */
  readonly calls: number;
  /** calls that ended without being asked to (recording failed closed, time limit, media failure) */
  readonly unexpectedEnds: string[];
  /** adds calls until `total` are live */
  grow(total: number): Promise<void>;
  /** ends every call the way it ends in production (stack: the family hangs up) */
  endAll(): Promise<void>;
  /** recording recorders (none in bare) */
  recorderPids(): number[];
  close(): Promise<void>;
}

/** Every live producer and consumer of a worker, and whether a consumer sends to SINK. */
export class MediaTally {
  readonly routers = new Set<ms.Router>();
  readonly transports = new Set<ms.Transport>();
  readonly producers = new Set<ms.Producer>();
  readonly consumers = new Map<ms.Consumer, { toSink: () => boolean }>();

  constructor(worker: ms.Worker) {
    worker.observer.on('newrouter', (router) => {
      this.routers.add(router);
      router.observer.once('close', () => this.routers.delete(router));
      router.observer.on('newtransport', (transport) => {
        this.transports.add(transport);
        transport.observer.once('close', () => this.transports.delete(transport));
        const toSink = () => transport.type === 'plain' && (transport as ms.PlainTransport).tuple.remotePort === SINK.port;
        transport.observer.on('newproducer', (p) => {
          this.producers.add(p);
          p.observer.once('close', () => this.producers.delete(p));
        });
        transport.observer.on('newconsumer', (c) => {
          this.consumers.set(c, { toSink });
          c.observer.once('close', () => this.consumers.delete(c));
        });
      });
    });
  }
}

/** What the worker still holds, from its dumps (worker.dump, router.dump): all zero once every call ended. */
export async function workerCounts(worker: ms.Worker, tally: MediaTally): Promise<{ routers: number; transports: number; producers: number; consumers: number }> {
  const dump = await worker.dump();
  const counts = { routers: dump.routerIds.length, transports: 0, producers: 0, consumers: 0 };
  for (const r of tally.routers) {
    if (r.closed || !dump.routerIds.includes(r.id)) continue;
    const d = await r.dump();
    counts.transports += d.transportIds.length;
    counts.producers += d.mapProducerIdConsumerIds.length;
    counts.consumers += d.mapConsumerIdProducerId.length;
  }
  return counts;
}

/** Runs `fn` over `items` with at most `limit` at a time. */
export async function inBatches<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}
