import { createHash, randomInt, timingSafeEqual } from 'node:crypto';

// Crockford base32: no I, L, O, U, so codes read aloud or typed from paper survive.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

function randomChars(n: number): string {
  let out = '';
  for (let i = 0; i < n; i++) out += ALPHABET[randomInt(ALPHABET.length)];
  return out;
}

/** Public ticket number, e.g. ADU-7K3M9QX2 (40 random bits: unguessable, still short). */
export function newTicket(prefix: 'ADU' | 'TB'): string {
  return `${prefix}-${randomChars(8)}`;
}

/** Secret tracking code, e.g. 4F7K-Q2MZ-9XHC (60 random bits); only its hash is stored. */
export function newTrackingCode(): string {
  return `${randomChars(4)}-${randomChars(4)}-${randomChars(4)}`;
}

const TRACKING_CODE_CHARS = 12;

/**
 * The canonical XXXX-XXXX-XXXX form of a typed tracking code, so "4f7k q2mz 9xhc", "4F7KQ2MZ9XHC"
 * and "4F7K - Q2MZ - 9XHC" all match. Read-alike letters decode as Crockford says (O → 0,
 * I and L → 1): they never occur in a code. Stored hashes are of the dashed form, so it stays.
 */
export function normaliseCode(code: string): string {
  const chars = code.toUpperCase().replace(/[\s-]+/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  if (chars.length !== TRACKING_CODE_CHARS) return chars;
  return `${chars.slice(0, 4)}-${chars.slice(4, 8)}-${chars.slice(8)}`;
}

export function hashTrackingCode(code: string): string {
  return createHash('sha256').update(normaliseCode(code)).digest('hex');
}

export function trackingCodeMatches(code: string | undefined, storedHash: string): boolean {
  if (!code) return false;
  const a = Buffer.from(hashTrackingCode(code), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
