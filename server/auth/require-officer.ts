import type { Request, RequestHandler } from 'express';
import type { AppContext } from '../context.ts';
import { HttpError } from '../http/errors.ts';
import type { OfficerRole } from '../storage/tables.ts';
import { officerStanding } from './officer-standing.ts';
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
 * Accepts only a valid officer token (Authorization: Bearer …) of an officer who is, right now,
 * enabled and assigned to the token's facility; the role stored now, not the one in the token,
 * must be allowed. A disabled officer or a lowered role takes effect at the next request, not
 * when the token expires. The claims land in req.officer; the token's facility is the only one
 * the request may touch. While the officer must change a handed-out password, only routes marked
 * `duringPasswordChange` accept the token (403 password_change_required elsewhere).
 */
export function requireOfficer(
  ctx: Pick<AppContext, 'tokens' | 'storage'>,
  roles: OfficerRole[] = ['officer', 'supervisor', 'admin'],
  options: { duringPasswordChange?: boolean } = {},
): RequestHandler {
  return async (req, _res, next) => {
    try {
      const claims = ctx.tokens.verify('officer', bearer(req));
      const standing = await officerStanding(ctx.storage, claims);
      // Signed out (POST /api/auth/logout) or ended by a password change: dead before they expire.
      if (!standing.ok && standing.problem === 'session_revoked') throw new HttpError(401, 'token_revoked', 'signed out: sign in again');
      if (!standing.ok) throw new HttpError(401, 'token_revoked', 'officer login required');
      if (standing.mustChangePassword && !options.duringPasswordChange) {
        throw new HttpError(403, 'password_change_required', 'change your password first (POST /api/auth/password)');
      }
      const { role } = standing;
      if (!roles.includes(role)) throw new HttpError(403, 'forbidden', `role ${role} may not do this`);
      req.officer = { ...claims, role };
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
