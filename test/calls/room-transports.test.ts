import * as mediasoup from 'mediasoup';
import type { types as ms } from 'mediasoup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallError } from '../../server/calls/call-error.ts';
import { Peer, type PeerChannel } from '../../server/calls/peer.ts';
import { Room, webRtcOnly, type PeerTransportFactory } from '../../server/calls/room.ts';
import { createLogger } from '../../server/logging/logger.ts';

const logger = createLogger('silent');
const channel: PeerChannel = { notify: () => {}, request: async () => true };

let worker: ms.Worker;
beforeAll(async () => {
  worker = await mediasoup.createWorker({ logLevel: 'error', rtcMinPort: 42900, rtcMaxPort: 42999 });
});
afterAll(() => worker.close());

function roomOptions(visitId: string, transportFactory?: PeerTransportFactory) {
  return { visitId, worker, listenIp: '127.0.0.1', announcedAddress: '127.0.0.1', logger, ...(transportFactory ? { transportFactory } : {}) };
}

describe('the transports a room opens for its peers', () => {
  it('are WebRTC by default, with what the signalling answers (ICE, DTLS)', async () => {
    const room = await Room.create(roomOptions('v-webrtc'));
    try {
      const peer = Peer.create({ id: 'booth-1', role: 'booth', displayName: 'Bilik', channel });
      room.join(peer);
      const t = webRtcOnly(await room.createTransport(peer, 'send'));
      expect(t.type).toBe('webrtc');
      expect(t.iceParameters.usernameFragment).toBeTruthy();
      expect(peer.transportFor('send')).toBe(t);
    } finally {
      room.close();
    }
  });

  it('come from the factory a room is given; WebRTC-only requests are refused on them', async () => {
    const plain: PeerTransportFactory = (router, peer, direction) =>
      router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1' }, comedia: true, appData: { peerId: peer.id, direction } });
    const room = await Room.create(roomOptions('v-plain', plain));
    try {
      const peer = Peer.create({ id: 'booth-1', role: 'booth', displayName: 'Bilik', channel });
      room.join(peer);
      const t = await room.createTransport(peer, 'recv');
      expect(t.type).toBe('plain');
      expect(peer.recvTransport()).toBe(t);
      const refused = room.connectTransport(peer, t.id, { fingerprints: [], role: 'client' });
      await expect(refused).rejects.toBeInstanceOf(CallError);
      await expect(refused).rejects.toMatchObject({ code: 'media_error' });
      expect(() => webRtcOnly(t)).toThrow(CallError);
    } finally {
      room.close();
    }
  });

  it('stay one per direction under parallel requests: 16 createTransport(send) and 16 (recv) at once leave two in the router', async () => {
    const room = await Room.create(roomOptions('v-parallel'));
    try {
      const peer = Peer.create({ id: 'family-1', role: 'family', displayName: 'Siti', channel });
      room.join(peer);
      const requests = (['send', 'recv'] as const).flatMap((direction) => Array.from({ length: 16 }, () => room.createTransport(peer, direction)));
      const created = await Promise.all(requests);
      expect(created.filter((t) => !t.closed)).toHaveLength(2);
      const kept = [peer.transportFor('send'), peer.transportFor('recv')];
      expect(kept.every((t) => t && !t.closed)).toBe(true);
      const { transportIds } = await room.router.dump();
      expect([...transportIds].sort()).toEqual(kept.map((t) => t!.id).sort());
    } finally {
      room.close();
    }
  });
});
