import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import multer from 'multer';
import { HttpError } from '../http/errors.ts';

/**
 * multipart/form-data with at most one file in `field`, kept in memory (size-capped).
 * Other content types pass through untouched. Limit breaches become 400s naming the field.
 */
export function singleFileUpload(field: string, maxBytes: number): RequestHandler {
  const upload = multer({
    storage: multer.memoryStorage(),
    limits: { fileSize: maxBytes, files: 1, fields: 20, fieldSize: 64 * 1024, parts: 24 },
  }).single(field);
  return (req: Request, res: Response, next) => {
    upload(req, res, (err: unknown) => {
      if (!err) return next();
      if (err instanceof multer.MulterError) {
        const key = err.field ?? field;
        const message =
          err.code === 'LIMIT_FILE_SIZE' ? `file larger than ${Math.floor(maxBytes / 1024)} KB`
          : err.code === 'LIMIT_UNEXPECTED_FILE' ? `unexpected file field (only "${field}" is accepted, once)`
          : err.message;
        return next(new HttpError(400, 'validation_failed', 'invalid upload', { [key]: [message] }));
      }
      // Malformed multipart (busboy) is a client error too.
      next(new HttpError(400, 'bad_multipart', err instanceof Error ? err.message : 'malformed multipart body'));
    });
  };
}

/**
 * Body-parser failures on the public-services paths become 400s with a field error, like every
 * other validation failure there (the JSON parser runs before any router sees the request).
 */
export function bodyErrorsAsFieldErrors(paths: RegExp): ErrorRequestHandler {
  return (err, req, _res, next) => {
    const type = (err as { type?: string } | null)?.type;
    if (!paths.test(req.path) || (type !== 'entity.too.large' && type !== 'entity.parse.failed')) return next(err);
    next(
      type === 'entity.too.large'
        ? new HttpError(400, 'payload_too_large', 'request body too large', { '(body)': [`larger than ${(err as { limit?: number }).limit ?? 'the limit'} bytes`] })
        : new HttpError(400, 'invalid_json', 'request body is not valid JSON', { '(body)': ['not valid JSON'] }),
    );
  };
}
