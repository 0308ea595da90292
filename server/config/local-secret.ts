import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from './load.ts';

export interface LocalSecretSpec {
  /** Config key and environment variable, for error messages. */
  configKey: string;
  env: string;
  /** File name under dataDir holding a generated secret. */
  file: string;
}

function looksStrong(secret: string): boolean {
  return secret.length >= 32 && new Set(secret).size >= 12;
}

/**
 * A secret that must never live in the database: an explicit one wins; otherwise one is
 * generated once and kept in dataDir (0600) so it survives restarts. Production refuses to guess.
 */
export function resolveLocalSecret(spec: LocalSecretSpec, configured: string | null, dataDir: string, nodeEnv = process.env.NODE_ENV): string {
  if (configured !== null) {
    if (!looksStrong(configured)) {
      throw new ConfigError(`invalid configuration: ${spec.configKey} (environment ${spec.env}): too weak, use at least 32 random characters`);
    }
    return configured;
  }
  if (nodeEnv === 'production') {
    throw new ConfigError(
      `invalid configuration: ${spec.configKey} (environment ${spec.env}): required when NODE_ENV=production (e.g. \`openssl rand -base64 48\`)`,
    );
  }
  const file = path.join(dataDir, spec.file);
  try {
    const existing = readFileSync(file, 'utf8').trim();
    if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
    if (looksStrong(existing)) return existing;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(file, secret + '\n', { mode: 0o600 });
  chmodSync(file, 0o600);
  return secret;
}
