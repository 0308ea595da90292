import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { freeRtpPortPair } from '../../server/recording/udp-ports.ts';

describe('freeRtpPortPair', () => {
  it('never picks a pair that touches the range mediasoup allocates from', async () => {
    // The kernel's ephemeral range, where the probe binds; the lower half stands for mediasoup's range.
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number) as [number, number];
    const avoid = { min: low, max: Math.floor((low + high) / 2) };
    for (let i = 0; i < 20; i++) {
      const port = await freeRtpPortPair(avoid);
      expect(port % 2).toBe(0);
      expect(port).toBeGreaterThan(avoid.max);
    }
  });
});
