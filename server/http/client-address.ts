import { BlockList, isIPv4, isIPv6 } from 'node:net';
import type { IncomingMessage } from 'node:http';
import ipaddr from 'ipaddr.js';

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

/** '::ffff:192.0.2.1' (an IPv4 client on a dual-stack socket) → '192.0.2.1'. */
function unmapped(address: string): string {
  const m = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  return m ? m[1]! : address;
}

function isLoopback(address: string): boolean {
  if (isIPv4(address)) return loopback.check(address, 'ipv4');
  if (isIPv6(address)) return loopback.check(address, 'ipv6');
  return false;
}

/** The address is this machine (IPv4-mapped forms included). */
export function isLoopbackAddress(address: string): boolean {
  return isLoopback(unmapped(address));
}

/**
 * The client of a request, as express's `trust proxy: 'loopback'` sees it for the HTTP rate
 * limits: X-Forwarded-For counts only when the request comes from a loopback proxy, and then the
 * hop nearest to us that is not loopback itself (a client cannot push a forged address past it).
 */
export function clientAddress(remoteAddress: string | undefined, forwardedFor: string | string[] | undefined): string {
  let address = unmapped(remoteAddress ?? 'unknown');
  if (!isLoopback(address) || forwardedFor === undefined) return address;
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor).split(',').map((h) => h.trim()).filter((h) => h.length > 0);
  while (isLoopback(address) && hops.length > 0) address = unmapped(hops.pop()!);
  return address;
}

/**
 * The key rate limits count a client by: an IPv4 address as it is (also when written
 * IPv4-mapped, ::ffff:a.b.c.d), an IPv6 address by its /64. One subscriber or host usually
 * holds a whole /64, so counting per /128 would let it rotate through 2^64 fresh budgets.
 */
export function clientAddressKey(address: string): string {
  if (!ipaddr.isValid(address)) return address;
  const parsed = ipaddr.process(address);
  if (parsed.kind() === 'ipv4') return parsed.toString();
  const prefix = (parsed as ipaddr.IPv6).parts.slice(0, 4).map((part) => part.toString(16));
  return `${prefix.join(':')}::/64`;
}

/** The limit key of an HTTP request (a socket.io handshake or transport request). */
export function requestAddressKey(req: IncomingMessage): string {
  return clientAddressKey(clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for']));
}
