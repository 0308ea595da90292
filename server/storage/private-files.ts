import { chmodSync, existsSync, mkdirSync, statSync } from 'node:fs';

/** Only the server's own user may read what lives here (database, generated secrets). */
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** Creates dir (and parents) if missing, and takes group/other access away from it either way. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  if ((statSync(dir).mode & 0o077) !== 0) chmodSync(dir, PRIVATE_DIR_MODE);
}

/** chmod 0600 each file that exists (a file may come and go, e.g. SQLite's -wal). */
export function makeFilesPrivate(files: string[]): void {
  for (const file of files) {
    if (existsSync(file) && (statSync(file).mode & 0o077) !== 0) chmodSync(file, PRIVATE_FILE_MODE);
  }
}

/**
 * Runs fn with a umask that keeps group and others out, so files it creates are never readable
 * by them, not even for an instant. fn must be synchronous: the umask is process-wide.
 */
export function withPrivateUmask<T>(fn: () => T): T {
  const previous = process.umask(0o077);
  try {
    return fn();
  } finally {
    process.umask(previous);
  }
}
