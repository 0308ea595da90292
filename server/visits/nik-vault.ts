import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { resolveKeptSecret } from '../auth/kept-secret.ts';

const SEALED_PREFIX = 'v1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** How a NIK is stored: never in clear, so a copied database file does not reveal it. */
export interface StoredNik {
  /** HMAC-SHA256 (hex) under a key kept outside the database: equality lookups only. */
  nik_hash: string;
  /** Shown to officers in lists. */
  nik_last4: string;
  /** AES-256-GCM of the full NIK, bound to the visitor row; only an audited read opens it. */
  nik_encrypted: string;
}

/** The NIK secret: config `nikKey` / NIK_KEY, else generated once into dataDir/nik-key (0600). */
export function resolveNikSecret(configured: string | null, dataDir: string, nodeEnv = process.env.NODE_ENV): string {
  return resolveKeptSecret({ configKey: 'nikKey', env: 'NIK_KEY', fileName: 'nik-key' }, configured, dataDir, nodeEnv);
}

/**
 * Keyed hashing and encryption of NIKs. Both keys are derived from one secret (HKDF), so the
 * lookup key and the encryption key are never the same bytes.
 */
export class NikVault {
  readonly #lookupKey: Buffer;
  readonly #sealKey: Buffer;

  constructor(secret: string) {
    const ikm = Buffer.from(secret, 'utf8');
    this.#lookupKey = Buffer.from(hkdfSync('sha256', ikm, Buffer.alloc(0), 'kunjungan nik lookup v1', 32));
    this.#sealKey = Buffer.from(hkdfSync('sha256', ikm, Buffer.alloc(0), 'kunjungan nik encryption v1', 32));
  }

  /** Stored once per database: tells whether this is the key its NIKs were stored with. */
  keyCheck(): string {
    return createHmac('sha256', this.#lookupKey).update('kunjungan nik key check', 'utf8').digest('hex');
  }

  /** The value stored in and compared against visitors.nik_hash. */
  lookupHash(nik: string): string {
    return createHmac('sha256', this.#lookupKey).update(nik, 'utf8').digest('hex');
  }

  /** The three stored columns of a visitor's NIK. */
  protect(visitorId: string, nik: string): StoredNik {
    return { nik_hash: this.lookupHash(nik), nik_last4: nik.slice(-4), nik_encrypted: this.#seal(visitorId, nik) };
  }

  /** The full NIK of this visitor row; throws if the value was tampered with or moved to another row. */
  reveal(visitorId: string, sealed: string): string {
    if (!sealed.startsWith(SEALED_PREFIX)) throw new Error('unknown NIK encryption format');
    const raw = Buffer.from(sealed.slice(SEALED_PREFIX.length), 'base64');
    const decipher = createDecipheriv('aes-256-gcm', this.#sealKey, raw.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(visitorId, 'utf8'));
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
  }

  #seal(visitorId: string, nik: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#sealKey, iv);
    // The row id as associated data: a ciphertext copied onto another visitor does not open.
    cipher.setAAD(Buffer.from(visitorId, 'utf8'));
    const body = Buffer.concat([cipher.update(nik, 'utf8'), cipher.final()]);
    return SEALED_PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
  }
}

/** What officers see in lists: the last 4 digits only. */
export const maskedNik = (last4: string) => `************${last4}`;
