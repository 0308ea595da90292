import type { Request, RequestHandler } from 'express';
import type { AppContext } from '../context.ts';
import { HttpError } from '../http/errors.ts';
import { TokenError } from '../auth/tokens.ts';

/** Who a family request is for: one account of one facility, nothing else. */
export interface FamilySession {
  accountId: string;
  facilityId: string;
}

declare module 'express-serve-static-core' {
  interface Request {
    family?: FamilySession;
  }
}

/**
 * A 12-hour session for a family account. Its audience ('family') differs from officer, join,
 * booth and playback tokens, so requireOfficer refuses it and requireFamily refuses theirs.
 */
export function signFamilySession(ctx: Pick<AppContext, 'tokens'>, session: FamilySession): { token: string; expiresAt: Date } {
  return ctx.tokens.signFamily(session.accountId, session.facilityId);
}

function bearer(req: Request): string | undefined {
  const header = req.get('authorization');
  return header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
}

/** Accepts only a valid family token of an account that still exists; sets req.family. */
export function requireFamily(ctx: Pick<AppContext, 'tokens' | 'storage'>): RequestHandler {
  return async (req, _res, next) => {
    try {
      const claims = ctx.tokens.verify('family', bearer(req));
      const account = await ctx.storage.db
        .selectFrom('family_accounts')
        .select('id')
        .where('id', '=', claims.sub)
        .where('facility_id', '=', claims.fac)
        .executeTakeFirst();
      if (!account) throw new HttpError(401, 'token_revoked', 'family sign-in required');
      req.family = { accountId: claims.sub, facilityId: claims.fac };
      next();
    } catch (err) {
      if (err instanceof TokenError) next(new HttpError(401, `token_${err.problem}`, 'family sign-in required'));
      else next(err);
    }
  };
}

/** The family of a request that passed requireFamily. */
export function familyOf(req: Request): FamilySession {
  if (!req.family) throw new HttpError(401, 'token_missing', 'family sign-in required');
  return req.family;
}
