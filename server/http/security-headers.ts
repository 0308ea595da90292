import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import helmet from 'helmet';

/**
 * What the pages may load: everything from this origin only. Exceptions, each for a page:
 * QR codes are data: URLs (drive-thru ticket), a complaint's image is shown from a blob: URL
 * (officers fetch it with their token). socket.io's WebSocket is same-origin, which 'self'
 * covers (CSP3). No inline script or style anywhere, so none is allowed.
 */
export const CONTENT_SECURITY_POLICY = {
  'default-src': ["'self'"],
  'base-uri': ["'self'"],
  'connect-src': ["'self'"],
  'font-src': ["'self'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
  'img-src': ["'self'", 'data:', 'blob:'],
  'media-src': ["'self'"],
  'object-src': ["'none'"],
  'script-src': ["'self'"],
  'script-src-attr': ["'none'"],
  'style-src': ["'self'"],
} as const;

const HSTS_SECONDS = 180 * 24 * 3600;

/**
 * Security headers on every response. Referrer: none at all, since join and playback links carry
 * their token in the URL. HSTS only on requests that came over TLS (this server's, or a loopback
 * proxy's as X-Forwarded-Proto says): sent over plain HTTP it would be ignored or wrong.
 */
export function securityHeaders(): RequestHandler[] {
  const hsts = helmet.strictTransportSecurity({ maxAge: HSTS_SECONDS, includeSubDomains: false });
  return [
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: Object.fromEntries(Object.entries(CONTENT_SECURITY_POLICY).map(([k, v]) => [k, [...v]])),
      },
      referrerPolicy: { policy: 'no-referrer' },
      xFrameOptions: { action: 'deny' },
      strictTransportSecurity: false,
    }),
    (req, res, next) => (req.secure ? hsts(req, res, next) : next()),
  ];
}

/**
 * socket.io answers its own requests (long-polling, WebSocket upgrade) before express sees them;
 * they carry data, never a page, so nothing may load or frame them.
 */
function socketResponseHeaders(tls: boolean): Record<string, string> {
  return {
    'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    ...(tls ? { 'Strict-Transport-Security': `max-age=${HSTS_SECONDS}` } : {}),
  };
}

/**
 * An engine.io middleware setting socketResponseHeaders on every request it handles. Middlewares
 * run before engine.io verifies the request, so its own refusals (400 for a bad handshake, sid or
 * transport, 403 from allowRequest), which it writes with only a Content-Type, carry them too; on
 * a WebSocket upgrade they go into the 101 answer.
 */
export function socketSecurityHeaders(tls: boolean): (req: IncomingMessage, res: ServerResponse, next: (err?: Error) => void) => void {
  const headers = Object.entries(socketResponseHeaders(tls));
  return (_req, res, next) => {
    for (const [name, value] of headers) res.setHeader(name, value);
    next();
  };
}
