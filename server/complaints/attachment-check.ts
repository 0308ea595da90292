import { fileTypeFromBuffer } from 'file-type';
import sharp from 'sharp';
import { ATTACHMENT_TYPES } from './schemas.ts';

type AttachmentType = (typeof ATTACHMENT_TYPES)[number];

/** A phone camera's photo fits; a small file that decodes to a huge bitmap (a pixel bomb) does not. */
const MAX_PIXELS = 50_000_000;

/** The image type by content (magic bytes), never by file name or the client's claimed type. */
export async function sniffImageType(data: Buffer): Promise<AttachmentType | undefined> {
  const detected = await fileTypeFromBuffer(data);
  return ATTACHMENT_TYPES.find((t) => t === detected?.mime);
}

/**
 * The image re-encoded in the same format with no metadata at all: a photo's EXIF carries the
 * GPS position and camera serial of an anonymous complainant. It is turned upright first, since
 * the orientation tag goes with the rest. Undefined when the bytes do not decode as an image.
 */
export async function withoutMetadata(data: Buffer, type: AttachmentType): Promise<Buffer | undefined> {
  // sharp writes no metadata unless asked to (withMetadata / keepExif), so re-encoding drops it.
  const image = sharp(data, { failOn: 'error', limitInputPixels: MAX_PIXELS }).rotate();
  const encoded =
    type === 'image/jpeg' ? image.jpeg({ quality: 90 })
    : type === 'image/png' ? image.png()
    : image.webp({ quality: 90 });
  try {
    return await encoded.toBuffer();
  } catch {
    return undefined;
  }
}
