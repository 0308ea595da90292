import os from 'node:os';

/**
 * The address browsers are told to send media to. Explicit config wins; a specific listen IP
 * is its own answer; for 0.0.0.0 the first external IPv4 of this host, else loopback.
 */
export function resolveAnnouncedAddress(listenIp: string, announced: string | null): string {
  if (announced) return announced;
  if (listenIp !== '0.0.0.0' && listenIp !== '::') return listenIp;
  for (const addresses of Object.values(os.networkInterfaces())) {
    for (const a of addresses ?? []) {
      if (a.family === 'IPv4' && !a.internal) return a.address;
    }
  }
  return '127.0.0.1';
}
