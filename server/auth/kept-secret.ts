import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../config/load.ts';
import { ensurePrivateDir, PRIVATE_FILE_MODE } from '../storage/private-files.ts';

export interface KeptSecretSpec {
  /** Config key and environment variable, for error messages. */
  configKey: string;
  env: string;
  /** File name inside dataDir for the generated secret. */
  fileName: string;
}

function looksStrong(secret: string): boolean {
  return secret.length >= 32 && new Set(secret).size >= 12;
}

/** The configured secret, validated; null when none is configured (refused in production). */
function configuredSecret(spec: KeptSecretSpec, configured: string | null, nodeEnv: string | undefined): string | null {
  const named = `${spec.configKey} (environment ${spec.env})`;
  if (configured !== null) {
    if (!looksStrong(configured)) throw new ConfigError(`invalid configuration: ${named}: too weak, use at least 32 random characters`);
    return configured;
  }
  if (nodeEnv === 'production') {
    throw new ConfigError(`invalid configuration: ${named}: required when NODE_ENV=production (e.g. \`openssl rand -base64 48\`)`);
  }
  return null;
}

/** The generated secret kept in dataDir, null when there is none (or only a weak one). */
function readSecretFile(file: string): string | null {
  try {
    const existing = readFileSync(file, 'utf8').trim();
    return looksStrong(existing) ? existing : null;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    return null;
  }
}

/**
 * A server secret kept outside the database. An explicit one wins; otherwise one is generated
 * once and kept in dataDir (0600, dir 0700) so it survives restarts. Production refuses to guess.
 */
export function resolveKeptSecret(spec: KeptSecretSpec, configured: string | null, dataDir: string, nodeEnv = process.env.NODE_ENV): string {
  const explicit = configuredSecret(spec, configured, nodeEnv);
  if (explicit !== null) return explicit;
  ensurePrivateDir(dataDir);
  const file = path.join(dataDir, spec.fileName);
  const existing = readSecretFile(file);
  if (existing !== null) {
    if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, PRIVATE_FILE_MODE);
    return existing;
  }
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(file, secret + '\n', { mode: PRIVATE_FILE_MODE });
  chmodSync(file, PRIVATE_FILE_MODE);
  return secret;
}

/** The secret resolveKeptSecret would use, for a reader that must not write: never generates one. */
export function existingKeptSecret(spec: KeptSecretSpec, configured: string | null, dataDir: string, nodeEnv = process.env.NODE_ENV): string {
  const secret = configuredSecret(spec, configured, nodeEnv) ?? readSecretFile(path.join(dataDir, spec.fileName));
  if (secret === null) {
    throw new ConfigError(`no ${spec.configKey}: set ${spec.env}, or keep the generated ${path.join(dataDir, spec.fileName)}`);
  }
  return secret;
}
