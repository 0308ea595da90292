import { Router } from 'express';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { appendAudit, audited } from '../audit/audit-log.ts';
import { officerOf, requireOfficer } from '../auth/require-officer.ts';
import type { AppContext } from '../context.ts';
import { HttpError } from '../http/errors.ts';
import { parseInput } from '../http/validate.ts';
import { loginHashGate } from './hash-gate.ts';
import { officerAssignments } from './officer-store.ts';
import { hashPassword, verifyPassword } from './passwords.ts';
import { passwordChangeBody } from './schemas.ts';

/**
 * POST /api/auth/password: an officer sets their own password (also the forced change after a
 * handed-out one). The current password is checked like a sign-in (argon2 through the same gate,
 * failures limited per account, so a stolen session cannot guess it), the change ends every other
 * sign-in of the account, and the answer is a fresh token of this one.
 */
export function passwordChangeRoutes(ctx: AppContext): Router {
  const router = Router();
  const limit = ctx.config.officerLogin.failuresPerUsernameAndClient;
  const failures = new RateLimiterMemory({ keyPrefix: 'password-change', points: limit.points, duration: limit.durationSeconds });
  const hashes = loginHashGate(ctx);

  router.post('/auth/password', requireOfficer(ctx, undefined, { duringPasswordChange: true }), async (req, res) => {
    const claims = officerOf(req);
    const body = parseInput(passwordChangeBody, req.body);
    try {
      await failures.consume(claims.sub);
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) throw err;
      res.set('Retry-After', String(Math.max(1, Math.ceil(err.msBeforeNext / 1000))));
      throw new HttpError(429, 'too_many_attempts', 'too many wrong passwords, try again later');
    }
    const officer = await ctx.storage.db.selectFrom('officers').select(['password_hash']).where('id', '=', claims.sub).executeTakeFirstOrThrow();
    const checked = await hashes.tryRun(async () =>
      (await verifyPassword(officer.password_hash, body.currentPassword)) ? await hashPassword(body.newPassword) : undefined,
    );
    if (!checked) {
      await failures.reward(claims.sub, 1);
      res.set('Retry-After', '1');
      throw new HttpError(429, 'busy', 'the server is busy checking other passwords, try again in a moment');
    }
    const newHash = checked.value;
    if (newHash === undefined) {
      await appendAudit(ctx.storage, {
        actorKind: 'officer', actorId: claims.sub, facilityId: claims.fac, action: 'officer.password_change_failed', subjectKind: 'officer', subjectId: claims.sub,
      });
      throw new HttpError(400, 'wrong_password', 'the current password is wrong', { currentPassword: ['wrong password'] });
    }
    await failures.delete(claims.sub);
    const facilityIds = (await officerAssignments(ctx.storage, claims.sub)).map((a) => a.facilityId);
    const epoch = await audited(
      ctx.storage,
      async (tx) => {
        // Tokens of older epochs die, except this session's (epoch_session_id): see officer-standing.ts.
        const updated = await tx.db
          .updateTable('officers')
          .set((eb) => ({ password_hash: newHash, must_change_password: 0, session_epoch: eb('session_epoch', '+', 1), epoch_session_id: claims.sid }))
          .where('id', '=', claims.sub)
          .returning('session_epoch')
          .executeTakeFirstOrThrow();
        return Number(updated.session_epoch);
      },
      () => facilityIds.map((facilityId) => ({
        actorKind: 'officer' as const, actorId: claims.sub, facilityId, action: 'officer.password_changed', subjectKind: 'officer', subjectId: claims.sub,
        details: { otherSessionsEnded: true },
      })),
    );
    // The other sessions' open sockets are closed now, not at their next request.
    ctx.revocations.publish({ kind: 'officer', officerId: claims.sub });
    const { token, expiresAt } = ctx.tokens.signOfficer({ sub: claims.sub, role: claims.role, fac: claims.fac, sid: claims.sid, epoch });
    res.json({ token, expiresAt: expiresAt.toISOString() });
  });

  return router;
}
