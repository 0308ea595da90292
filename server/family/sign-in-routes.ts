import { randomUUID } from 'node:crypto';
import { Router, type Request } from 'express';
import { audited } from '../audit/audit-log.ts';
import type { AppContext } from '../context.ts';
import { HttpError } from '../http/errors.ts';
import { parseInput } from '../http/validate.ts';
import { notifyOneTimeCode } from '../notifications/events.ts';
import { clientKey, createRateLimit } from '../public-services/rate-limits.ts';
import { withinTransaction } from '../storage/transaction.ts';
import { maskedNik } from '../visits/nik-vault.ts';
import { findAccount, findAccountByNik } from './account-store.ts';
import { familyOf, requireFamily, signFamilySession } from './family-session.ts';
import { checkCode, coolDownUntil, issueCode } from './sign-in-codes.ts';
import { codeRequestBody, signInBody } from './schemas.ts';

export const CODE_REQUESTS_PER_CLIENT = { points: 10, durationSeconds: 15 * 60 };
export const SIGN_INS_PER_CLIENT = { points: 30, durationSeconds: 15 * 60 };

/**
 * POST /api/family/sign-in/code (always 202), POST /api/family/sign-in (NIK + code → family
 * session), GET /api/family/me (the person's own account, registrations and visitor records).
 */
export function signInRoutes(ctx: AppContext, clock: () => Date = () => new Date()): Router {
  const router = Router();
  const codeLimit = createRateLimit('family-code', CODE_REQUESTS_PER_CLIENT);
  const signInLimit = createRateLimit('family-sign-in', SIGN_INS_PER_CLIENT);

  async function knownFacility(facilityId: string): Promise<void> {
    const facility = await ctx.storage.db.selectFrom('facilities').select('id').where('id', '=', facilityId).executeTakeFirst();
    if (!facility) throw new HttpError(400, 'validation_failed', 'invalid request body', { facilityId: ['unknown facility'] });
  }

  router.post('/family/sign-in/code', async (req: Request, res) => {
    await codeLimit.consume(res, clientKey(req));
    const body = parseInput(codeRequestBody, req.body ?? {});
    await knownFacility(body.facilityId);
    const now = clock();
    const nikHash = ctx.nikVault.lookupHash(body.nik);
    await withinTransaction(ctx.storage, async (tx) => {
      const account = await findAccountByNik(tx, ctx.nikVault, body.facilityId, body.nik);
      // No code during a cool-down, and none for a NIK without an account: the answer is the same.
      if (!account || (await coolDownUntil(tx, body.facilityId, nikHash, now))) return;
      const { code, expiresAt } = await issueCode(tx, body.facilityId, nikHash, now);
      await notifyOneTimeCode(tx, {
        requestId: randomUUID(), facilityId: body.facilityId, code, expiresAt, now,
        recipient: { ref: account.id, name: account.name, phone: account.phone, email: account.email, language: account.language },
      });
    });
    res.status(202).json({ sent: true });
  });

  router.post('/family/sign-in', async (req, res) => {
    await signInLimit.consume(res, clientKey(req));
    const body = parseInput(signInBody, req.body ?? {});
    await knownFacility(body.facilityId);
    const now = clock();
    const checked = await checkCode(ctx.storage, body.facilityId, ctx.nikVault.lookupHash(body.nik), body.code, now);
    if (!checked.ok && checked.problem === 'too_many_attempts') {
      res.set('Retry-After', String(Math.max(1, Math.ceil((checked.retryAt.getTime() - now.getTime()) / 1000))));
      throw new HttpError(429, 'too_many_attempts', 'too many wrong codes: ask for a new code later');
    }
    const account = checked.ok ? await findAccountByNik(ctx.storage, ctx.nikVault, body.facilityId, body.nik) : undefined;
    if (!account) throw new HttpError(401, 'bad_code', 'wrong or expired code');
    const session = await audited(ctx.storage, async () => signFamilySession(ctx, { accountId: account.id, facilityId: account.facility_id }), () => ({
      actorKind: 'family', actorId: account.id, facilityId: account.facility_id, action: 'family.sign_in', subjectKind: 'family_account', subjectId: account.id,
    }));
    res.json({ token: session.token, expiresAt: session.expiresAt.toISOString(), account: { name: account.name, language: account.language } });
  });

  router.get('/family/me', requireFamily(ctx), async (req, res) => {
    const { accountId, facilityId } = familyOf(req);
    const account = await findAccount(ctx.storage, accountId);
    if (!account || account.facility_id !== facilityId) throw new HttpError(401, 'token_revoked', 'family sign-in required');
    const [registrations, visitors] = await Promise.all([
      ctx.storage.db.selectFrom('family_registrations').select(['id', 'registration_number', 'status', 'reason', 'created_at'])
        .where('account_id', '=', accountId).orderBy('created_at', 'desc').execute(),
      ctx.storage.db.selectFrom('visitors').innerJoin('inmates', 'inmates.id', 'visitors.inmate_id')
        .select(['visitors.id', 'visitors.relationship', 'inmates.id as inmate_id', 'inmates.name as inmate_name', 'inmates.registration_number'])
        .where('visitors.family_account_id', '=', accountId).where('inmates.facility_id', '=', facilityId).orderBy('inmates.name').execute(),
    ]);
    res.set('Cache-Control', 'no-store').json({
      account: { name: account.name, nikMasked: maskedNik(account.nik_last4), phone: account.phone, email: account.email, language: account.language },
      registrations: registrations.map((r) => ({ id: r.id, registrationNumber: r.registration_number, status: r.status, reason: r.reason, createdAt: r.created_at })),
      visitors: visitors.map((v) => ({ visitorId: v.id, relationship: v.relationship, inmate: { id: v.inmate_id, name: v.inmate_name, registrationNumber: v.registration_number } })),
    });
  });

  return router;
}
