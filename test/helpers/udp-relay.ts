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
  readonly dropped: number;
  close(): void;
}

export async function startUdpRelay(frontIp: string, backIp: string, minPort: number, maxPort: number): Promise<UdpRelay> {
  const blocked = new Set<number>();
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
          front.send(back, from.port, from.address);
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
    get dropped() {
      return dropped;
    },
    close() {
      for (const s of sockets) s.close();
      sockets.length = 0;
    },
  };
}
