import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../config/load.ts';

const SECRET_FILE = 'jwt-secret';

function looksStrong(secret: string): boolean {
  return secret.length >= 32 && new Set(secret).size >= 12;
}

/**
 * The signing secret for every token. An explicit secret wins; otherwise one is generated
 * once and kept in dataDir (0600) so tokens survive restarts. Production refuses to guess.
 */
export function resolveJwtSecret(configured: string | null, dataDir: string, nodeEnv = process.env.NODE_ENV): string {
  if (configured !== null) {
    if (!looksStrong(configured)) {
      throw new ConfigError('invalid configuration: jwtSecret (environment JWT_SECRET): too weak, use at least 32 random characters');
    }
    return configured;
  }
  if (nodeEnv === 'production') {
    throw new ConfigError(
      'invalid configuration: jwtSecret (environment JWT_SECRET): required when NODE_ENV=production (e.g. `openssl rand -base64 48`)',
    );
  }
  const file = path.join(dataDir, SECRET_FILE);
  try {
    const existing = readFileSync(file, 'utf8').trim();
    if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
    if (looksStrong(existing)) return existing;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(file, secret + '\n', { mode: 0o600 });
  chmodSync(file, 0o600);
  return secret;
}
