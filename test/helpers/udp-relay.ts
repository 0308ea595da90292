import dgram from 'node:dgram';

/**
 * A UDP hop between the browsers and mediasoup, so a test can cut one party's media like a
 * real network drop (DevTools "offline" cuts HTTP and WebSockets but not WebRTC).
 * Run the app with MEDIASOUP_ANNOUNCED_ADDRESS = frontIp: browsers send to frontIp:port, the
 * relay forwards to listenIp:port (same port) from one upstream socket per browser address.
 */
export interface UdpRelay {
  /** drop every datagram to or from these mediasoup ports until unblockAll() */
  block(ports: Iterable<number>): void;
  unblockAll(): void;
  /**
   * Narrows the link from mediasoup to the browser on these ports to `bitsPerSecond`, like a weak
   * mobile downlink: a queue of at most `maxQueueMs`, dropping what does not fit. null lifts it.
   */
  shape(ports: Iterable<number>, bitsPerSecond: number | null, maxQueueMs?: number): void;
  readonly shapedDrops: number;
  readonly dropped: number;
  close(): void;
}

export async function startUdpRelay(frontIp: string, backIp: string, minPort: number, maxPort: number): Promise<UdpRelay> {
  const blocked = new Set<number>();
  const shaped = new Map<number, { bitsPerSecond: number; maxQueueMs: number; nextFreeAt: number }>();
  let shapedDrops = 0;
  /** Sends now, later (queued behind earlier datagrams), or never (queue full). */
  const downstream = (port: number, send: () => void, bytes: number) => {
    const shaper = shaped.get(port);
    if (!shaper) return send();
    const now = performance.now();
    const at = Math.max(now, shaper.nextFreeAt);
    if (at - now > shaper.maxQueueMs) return void shapedDrops++;
    shaper.nextFreeAt = at + ((bytes + 28) * 8 * 1000) / shaper.bitsPerSecond;
    if (at - now < 1) send();
    else setTimeout(send, at - now);
  };
  const sockets: dgram.Socket[] = [];
  let dropped = 0;
  const bind = (s: dgram.Socket, port: number) =>
    new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.bind(port, frontIp, () => {
        s.off('error', reject);
        resolve();
      });
    });
  for (let port = minPort; port <= maxPort; port++) {
    const front = dgram.createSocket('udp4');
    sockets.push(front);
    await bind(front, port);
    const upstream = new Map<string, dgram.Socket>();
    front.on('message', (msg, from) => {
      if (blocked.has(port)) return void dropped++;
      const key = `${from.address}:${from.port}`;
      let up = upstream.get(key);
      if (!up) {
        if (upstream.size >= 64) return void dropped++;
        const fresh = dgram.createSocket('udp4');
        up = fresh;
        sockets.push(fresh);
        upstream.set(key, fresh);
        fresh.on('error', () => {});
        fresh.bind(0, frontIp);
        fresh.on('message', (back) => {
          if (blocked.has(port)) return void dropped++;
          downstream(port, () => front.send(back, from.port, from.address), back.length);
        });
      }
      up.send(msg, port, backIp);
    });
    front.on('error', () => {});
  }
  return {
    block(ports) {
      for (const p of ports) blocked.add(p);
    },
    unblockAll() {
      blocked.clear();
    },
    shape(ports, bitsPerSecond, maxQueueMs = 150) {
      for (const p of ports) {
        if (bitsPerSecond === null) shaped.delete(p);
        else shaped.set(p, { bitsPerSecond, maxQueueMs, nextFreeAt: 0 });
      }
    },
    get shapedDrops() {
      return shapedDrops;
    },
    get dropped() {
      return dropped;
    },
    close() {
      for (const s of sockets) s.close();
      sockets.length = 0;
    },
  };
}
