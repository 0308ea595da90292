import { fileTypeFromBuffer } from 'file-type';
import { ATTACHMENT_TYPES } from './schemas.ts';

/** The image type by content (magic bytes), never by file name or the client's claimed type. */
export async function sniffImageType(data: Buffer): Promise<(typeof ATTACHMENT_TYPES)[number] | undefined> {
  const detected = await fileTypeFromBuffer(data);
  return ATTACHMENT_TYPES.find((t) => t === detected?.mime);
}
