import dgram from 'node:dgram';

function tryBind(port: number): Promise<dgram.Socket | null> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    s.once('error', () => {
      s.close();
      resolve(null);
    });
    s.bind(port, '127.0.0.1', () => resolve(s));
  });
}

/** Ports another owner (mediasoup) allocates by itself. */
export interface PortRange {
  min: number;
  max: number;
}

/**
 * An even UDP port p on 127.0.0.1 with p+1 also free (RTP + RTCP for ffmpeg's RTP input), outside
 * `avoid`: the port is free now but ffmpeg binds it a moment later, and mediasoup, which takes its
 * recording transports' ports from its own range (inside the kernel's ephemeral one by default),
 * could take it meanwhile: ffmpeg's bind then failed and the call's recording with it.
 */
export async function freeRtpPortPair(avoid?: PortRange): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const probe = await tryBind(0);
    if (!probe) continue;
    const candidate = probe.address().port & ~1;
    probe.close();
    if (avoid && candidate + 1 >= avoid.min && candidate <= avoid.max) continue;
    const a = await tryBind(candidate);
    const b = a ? await tryBind(candidate + 1) : null;
    a?.close();
    b?.close();
    if (a && b) return candidate;
  }
  throw new Error('no free UDP port pair on 127.0.0.1');
}

/** True once someone (ffmpeg) has bound the port. */
export async function isPortTaken(port: number): Promise<boolean> {
  const s = await tryBind(port);
  s?.close();
  return s === null;
}

