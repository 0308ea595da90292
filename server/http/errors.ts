import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from '../logging/logger.ts';

/** More about an error than its fields: `details` (machine codes, e.g. nikProblem), `lines` (a CSV file's problems). */
export interface HttpErrorExtra {
  details?: Record<string, unknown>;
  lines?: Array<{ line: number; column: string | null; message: string }>;
}

/** An error meant for the client: status, stable code, human message, optional field errors. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields?: Record<string, string[]>,
    readonly extra: HttpErrorExtra = {},
  ) {
    super(message);
  }
}

export const notFound: RequestHandler = (req, res) => {
  res.status(404).json({ error: { code: 'not_found', message: `no route for ${req.method} ${req.path}` } });
};

/** Last handler: client errors keep their status, anything else is logged and becomes a 500. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    if (err instanceof HttpError) {
      res.status(err.status).json({ error: { code: err.code, message: err.message, fields: err.fields, ...err.extra } });
      return;
    }
    // body-parser errors (bad JSON, too large) carry a 4xx status and a type.
    const status = typeof err?.status === 'number' ? err.status : 500;
    if (status >= 400 && status < 500) {
      const code = err.type === 'entity.too.large' ? 'payload_too_large' : err.type === 'entity.parse.failed' ? 'invalid_json' : 'bad_request';
      res.status(status).json({ error: { code, message: err.message } });
      return;
    }
    // Paths may carry a credential (recording playback links): log the route, not the token.
    const path = req.path.replace(/\/stream\/[^/]+/, '/stream/<token>');
    logger.error({ err, method: req.method, path }, 'unhandled request error');
    if (!res.headersSent) res.status(500).json({ error: { code: 'internal', message: 'internal server error' } });
  };
}
