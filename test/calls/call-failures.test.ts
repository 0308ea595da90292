import * as mediasoup from 'mediasoup';
import type { types as ms } from 'mediasoup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../server/app.ts';
import { Call } from '../../server/calls/call.ts';
import { Peer, type PeerChannel } from '../../server/calls/peer.ts';
import { createLogger } from '../../server/logging/logger.ts';
import { WorkerPool } from '../../server/media/worker-pool.ts';
import { seedVisit } from '../helpers/seed-visit.ts';
import { startTestApp } from '../helpers/test-app.ts';
import { TestCallClient } from './socket-client.ts';

const logger = createLogger('silent');

function recordingChannel(): PeerChannel & { seen: Array<{ method: string; data: unknown }> } {
  const seen: Array<{ method: string; data: unknown }> = [];
  return { seen, notify: (method, data) => void seen.push({ method, data }), request: async () => true };
}

function callOptions(pool: WorkerPool) {
  return { visitId: 'v-1', facilityId: 'f-1', boothId: 'b-1', deadline: new Date(Date.now() + 3600_000), pool, listenIp: '127.0.0.1', announcedAddress: '127.0.0.1', logger };
}

describe('a call whose worker dies', () => {
  it('opens a new room once the pool has replaced its only worker, and tells the parties mediaReset', async () => {
    const pool = await WorkerPool.create({ count: 1, rtcMinPort: 42700, rtcMaxPort: 42799, logLevel: 'warn' }, logger);
    const call = await Call.create(callOptions(pool));
    try {
      const first = await call.room();
      const channel = recordingChannel();
      first.join(Peer.create({ id: 'booth-1', role: 'booth', displayName: 'Bilik', channel }));
      const replaced = new Promise<unknown>((resolve) => call.once('roomReplaced', resolve));
      process.kill(pool.health()[0]!.pid, 'SIGKILL');
      const fresh = await replaced;
      expect(fresh).toBe(await call.room());
      expect(fresh).not.toBe(first);
      expect(call.currentRoom.closed).toBe(false);
      expect(channel.seen.map((n) => n.method)).toContain('mediaReset');
    } finally {
      call.end('time_up');
      pool.close();
    }
  });

  it('reports mediaFailed (and tells the parties callEnded) when no worker comes back', async () => {
    const worker = await mediasoup.createWorker({ logLevel: 'warn', rtcMinPort: 42800, rtcMaxPort: 42899 });
    const pool = { leastLoadedMedia: (): { worker: ms.Worker; webRtcServer: undefined } => {
      if (worker.closed) throw new Error('no live mediasoup worker');
      return { worker, webRtcServer: undefined };
    } } as unknown as WorkerPool;
    const call = await Call.create(callOptions(pool));
    const channel = recordingChannel();
    (await call.room()).join(Peer.create({ id: 'booth-1', role: 'booth', displayName: 'Bilik', channel }));
    const failed = new Promise<Error>((resolve) => call.once('mediaFailed', resolve));
    worker.close();
    expect((await failed).message).toMatch(/no live mediasoup worker/);
    expect(channel.seen).toContainEqual({ method: 'callEnded', data: { reason: 'media_failure' } });
    call.end('media_failure');
  });
});

describe('call service failure paths (real app)', () => {
  let app: App;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app?.close();
  });

  it('ends the call with media_failure when its media cannot be restored', async () => {
    const seeded = await seedVisit(app);
    const booth = await TestCallClient.open(app, { token: seeded.boothToken, role: 'booth' });
    try {
      await booth.ok('joinCall', { visitId: seeded.visitId });
      app.calls.call(seeded.visitId)!.emit('mediaFailed', new Error('no live mediasoup worker'));
      await expect.poll(() => app.calls.call(seeded.visitId)).toBeUndefined();
      const row = await app.storage.db.selectFrom('visits').select(['status', 'end_reason']).where('id', '=', seeded.visitId).executeTakeFirst();
      expect(row).toEqual({ status: 'ended', end_reason: 'media_failure' });
    } finally {
      booth.close();
    }
  });

  it('a database error while recording the end is logged; the call still ends and the process lives', async () => {
    const seeded = await seedVisit(app);
    const booth = await TestCallClient.open(app, { token: seeded.boothToken, role: 'booth' });
    const db = app.storage.db;
    try {
      await booth.ok('joinCall', { visitId: seeded.visitId });
      const broken = new Proxy(db, { get: (t, p) => (p === 'selectFrom' ? () => { throw new Error('database is gone'); } : Reflect.get(t, p)) });
      Object.defineProperty(app.storage, 'db', { value: broken, configurable: true, writable: true });
      await expect(app.calls.endCall(seeded.visitId, 'time_up')).resolves.toBe(true);
      expect(app.calls.call(seeded.visitId)).toBeUndefined();
      expect(await booth.waitFor('callEnded')).toEqual({ reason: 'time_up' });
    } finally {
      Object.defineProperty(app.storage, 'db', { value: db, configurable: true, writable: true });
      booth.close();
    }
  });

  it('a connection that drops while its join is in flight leaves its peer reconnecting, not connected', async () => {
    const seeded = await seedVisit(app);
    const booth = await TestCallClient.open(app, { token: seeded.boothToken, role: 'booth' });
    await booth.ok('joinCall', { visitId: seeded.visitId });
    const family = await TestCallClient.open(app, { token: seeded.joinTokens[0], role: 'family' });
    const join = app.calls.join.bind(app.calls);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    (app.calls as { join: typeof join }).join = async (...args) => {
      await gate;
      return join(...args);
    };
    try {
      void family.raw({ method: 'joinCall', data: {} }).catch(() => {});
      await new Promise((r) => setTimeout(r, 100));
      family.close();
      await new Promise((r) => setTimeout(r, 200));
      release();
      const peerState = await booth.waitFor('peerState', (d) => d.state === 'reconnecting');
      expect(app.calls.call(seeded.visitId)!.currentRoom.peer(peerState.peerId)?.state).toBe('reconnecting');
    } finally {
      delete (app.calls as { join?: unknown }).join;
      booth.close();
    }
  });
});
