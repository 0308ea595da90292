import { randomUUID } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { sniffImageType, withoutMetadata } from '../complaints/attachment-check.ts';
import { HttpError } from '../http/errors.ts';
import { ensurePrivateDir, PRIVATE_FILE_MODE } from '../storage/private-files.ts';

/** A KTP photo: a phone camera's JPEG fits well within this. */
export const KTP_MAX_BYTES = 5 * 1024 * 1024;
const KTP_DIR = 'family-ktp';

/**
 * The uploaded KTP checked by its bytes (JPEG/PNG/WebP) and re-encoded without metadata (a
 * photo's EXIF carries where and with what it was taken). 400 naming the `ktp` field otherwise.
 */
export async function cleanKtpImage(file: Express.Multer.File | undefined): Promise<{ type: string; data: Buffer }> {
  if (!file) throw new HttpError(400, 'validation_failed', 'invalid upload', { ktp: ['a photo of the KTP is required'] });
  const type = await sniffImageType(file.buffer);
  if (!type) throw new HttpError(400, 'validation_failed', 'invalid upload', { ktp: ['must be a JPEG, PNG or WebP image'] });
  const data = await withoutMetadata(file.buffer, type);
  if (!data) throw new HttpError(400, 'validation_failed', 'invalid upload', { ktp: ['the image cannot be read (damaged or too many pixels)'] });
  return { type, data };
}

/** KTP images live in dataDir/family-ktp, readable only by the server's user; the row keeps the file name. */
export class KtpFiles {
  readonly #dir: string;

  constructor(dataDir: string) {
    this.#dir = path.join(dataDir, KTP_DIR);
  }

  async save(data: Buffer): Promise<string> {
    ensurePrivateDir(this.#dir);
    const name = `${randomUUID()}.img`;
    const file = path.join(this.#dir, name);
    // Created 0600 (a umask can only take bits away), in a 0700 directory.
    await writeFile(file, data, { mode: PRIVATE_FILE_MODE, flag: 'wx' });
    return name;
  }

  read(name: string): Promise<Buffer> {
    return readFile(path.join(this.#dir, path.basename(name)));
  }

  /** For a registration whose transaction did not commit. */
  async remove(name: string): Promise<void> {
    await rm(path.join(this.#dir, path.basename(name)), { force: true });
  }
}
