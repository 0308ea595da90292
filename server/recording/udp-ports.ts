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

/** An even UDP port p on 127.0.0.1 with p+1 also free (RTP + RTCP for ffmpeg's RTP input). */
export async function freeRtpPortPair(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const probe = await tryBind(0);
    if (!probe) continue;
    const candidate = probe.address().port & ~1;
    probe.close();
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

