import { BlockList, isIPv4, isIPv6 } from 'node:net';
import type { IncomingMessage } from 'node:http';

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

/** The first 64 bits of an IPv6 address, e.g. '2001:db8:0:1::/64' for '2001:db8::1:0:0:5'. */
function ipv6Prefix64(address: string): string {
  const [head = '', tail] = address.split('%')[0]!.split('::');
  const groups = (part: string) => (part === '' ? [] : part.split(':').flatMap((g) => (g.includes('.') ? ['0', '0'] : [g])));
  const front = groups(head);
  const back = tail === undefined ? [] : groups(tail);
  const full = tail === undefined ? front : [...front, ...Array<string>(Math.max(0, 8 - front.length - back.length)).fill('0'), ...back];
  return `${full.slice(0, 4).map((g) => parseInt(g, 16).toString(16)).join(':')}::/64`;
}

/**
 * What connection limits count by: the IPv4 address, or the /64 an IPv6 client holds (one
 * subscriber usually gets a whole /64, so counting per address would be no limit at all).
 */
export function addressKey(address: string): string {
  return isIPv6(address) ? ipv6Prefix64(address) : address;
}

/** The limit key of an HTTP request (a socket.io handshake or transport request). */
export function requestAddressKey(req: IncomingMessage): string {
  return addressKey(clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for']));
}
