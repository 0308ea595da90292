import dgram from 'node:dgram';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../server/app.ts';
import { TestCallClient } from '../calls/socket-client.ts';
import { seedVisit } from '../helpers/seed-visit.ts';
import { startTestApp } from '../helpers/test-app.ts';

type Candidate = { protocol: string; port: number; address: string };

/** Both parties in a call, each with a send and a receive transport; returns every transport's candidates. */
async function callTransports(app: App): Promise<Candidate[][]> {
  const seeded = await seedVisit(app);
  const booth = await TestCallClient.open(app, { token: seeded.boothToken, role: 'booth' });
  const family = await TestCallClient.open(app, { token: seeded.joinTokens[0], role: 'family' });
  try {
    await booth.ok('joinCall', { visitId: seeded.visitId });
    await family.ok('joinCall', {});
    const out: Candidate[][] = [];
    for (const party of [booth, family]) {
      for (const direction of ['send', 'recv'] as const) {
        out.push((await party.ok('createTransport', { direction })).iceCandidates as Candidate[]);
      }
    }
    return out;
  } finally {
    booth.close();
    family.close();
  }
}

async function listenPorts(app: App): Promise<{ udp: number[]; tcp: number[] }> {
  const server = app.pool.leastLoadedMedia().webRtcServer;
  if (!server) throw new Error('no WebRtcServer');
  const dump = await server.dump();
  return { udp: dump.udpSockets.map((s) => s.port), tcp: dump.tcpServers.map((s) => s.port) };
}

const canBind = async (port: number): Promise<boolean> => {
  const tcp = net.createServer();
  const udp = dgram.createSocket('udp4');
  try {
    await new Promise<void>((resolve, reject) => (tcp.once('error', reject), tcp.listen(port, '127.0.0.1', resolve)));
    await new Promise<void>((resolve, reject) => (udp.once('error', reject), udp.bind(port, '127.0.0.1', resolve)));
    return true;
  } catch {
    return false;
  } finally {
    if (tcp.listening) tcp.close();
    try {
      udp.close();
    } catch {
      // never bound
    }
  }
};

/** Two consecutive ports free for UDP and TCP on loopback, outside the test apps' RTC ranges (43000–60000). */
async function freePortPair(): Promise<number> {
  for (let tries = 0; tries < 50; tries++) {
    const port = 30000 + Math.floor(Math.random() * 9000);
    if ((await canBind(port)) && (await canBind(port + 1))) return port;
  }
  throw new Error('no two free consecutive ports');
}

describe('media over one port per worker (WebRtcServer)', () => {
  let app: App | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('by default every transport of a call is on the worker\'s one UDP and one TCP port', async () => {
    app = await startTestApp();
    expect(app.config.mediasoup.rtcPortMode).toBe('single');
    const { udp, tcp } = await listenPorts(app);
    expect(udp).toHaveLength(1);
    expect(tcp).toHaveLength(1);
    const transports = await callTransports(app);
    expect(transports).toHaveLength(4);
    for (const candidates of transports) {
      expect(candidates.map((c) => `${c.protocol}:${c.address}:${c.port}`).sort()).toEqual([`tcp:127.0.0.1:${tcp[0]}`, `udp:127.0.0.1:${udp[0]}`]);
    }
  });

  it('worker i listens on rtcPort + i, and a replaced worker listens on its port again', async () => {
    const base = await freePortPair();
    app = await startTestApp({ RTC_PORT: String(base), MEDIASOUP_WORKERS: '2', MEDIASOUP_ANNOUNCED_ADDRESS: '127.0.0.3' });
    const ports = async (i: number) => {
      const dump = await app!.pool.media()[i]!.webRtcServer!.dump();
      return [dump.udpSockets.map((x) => x.port), dump.tcpServers.map((x) => x.port)];
    };
    expect(await ports(0)).toEqual([[base], [base]]);
    expect(await ports(1)).toEqual([[base + 1], [base + 1]]);
    // Announced address carried over to the shared port's candidates.
    const [first] = await callTransports(app);
    expect(first!.map((c) => c.address)).toEqual(['127.0.0.3', '127.0.0.3']);

    const replaced = new Promise<{ index: number }>((resolve) => app!.pool.once('workerReplaced', resolve));
    process.kill(app.pool.health()[0]!.pid, 'SIGKILL');
    expect((await replaced).index).toBe(0);
    expect(app.pool.health()[0]!.alive).toBe(true);
    expect(await ports(0)).toEqual([[base], [base]]);
  });

  it('the range mode gives each transport its own ports from rtcMinPort–rtcMaxPort', async () => {
    app = await startTestApp({ RTC_PORT_MODE: 'range' });
    expect(app.pool.leastLoadedMedia().webRtcServer).toBeUndefined();
    const { rtcMinPort, rtcMaxPort } = app.config.mediasoup;
    const ports = (await callTransports(app)).map((candidates) => candidates.find((c) => c.protocol === 'udp')!.port);
    expect(new Set(ports).size).toBe(4);
    for (const p of ports) expect(p >= rtcMinPort && p <= rtcMaxPort).toBe(true);
  });
});
