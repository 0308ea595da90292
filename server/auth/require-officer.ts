import type { Request, RequestHandler } from 'express';
import { HttpError } from '../http/errors.ts';
import type { OfficerRole } from '../storage/tables.ts';
import { TokenError, type OfficerClaims, type TokenService } from './tokens.ts';

declare module 'express-serve-static-core' {
  interface Request {
    officer?: OfficerClaims;
  }
}

function bearer(req: Request): string | undefined {
  const header = req.get('authorization');
  return header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
}

/**
 * Accepts only a valid officer token (Authorization: Bearer …) whose role is allowed;
 * the claims land in req.officer. The token's facility is the only one the request may touch.
 */
export function requireOfficer(tokens: TokenService, roles: OfficerRole[] = ['officer', 'supervisor', 'admin']): RequestHandler {
  return (req, _res, next) => {
    try {
      const claims = tokens.verify('officer', bearer(req));
      if (!roles.includes(claims.role)) throw new HttpError(403, 'forbidden', `role ${claims.role} may not do this`);
      req.officer = claims;
      next();
    } catch (err) {
      if (err instanceof TokenError) next(new HttpError(401, `token_${err.problem}`, 'officer login required'));
      else next(err);
    }
  };
}

/** The officer of a request that passed requireOfficer. */
export function officerOf(req: Request): OfficerClaims {
  if (!req.officer) throw new HttpError(401, 'token_missing', 'officer login required');
  return req.officer;
}

/** 404 (not 403) for another facility's data, so ids of other facilities are not confirmed. */
export function assertSameFacility(req: Request, facilityId: string): void {
  if (officerOf(req).fac !== facilityId) throw new HttpError(404, 'not_found', 'not found');
}
