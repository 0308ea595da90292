import { Router } from 'express';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { z } from 'zod';
import { appendAudit } from '../audit/audit-log.ts';
import { officerOf, requireOfficer } from '../auth/require-officer.ts';
import type { AppContext } from '../context.ts';
import { HttpError } from '../http/errors.ts';
import { parseInput } from '../http/validate.ts';
import { findOfficerByUsername, officerFacilityIds } from './officer-store.ts';
import { timingDummyHash, verifyPassword } from './passwords.ts';

const loginBody = z.strictObject({
  username: z.string().trim().min(1).max(64),
  password: z.string().min(1).max(256),
  facilityId: z.string().min(1).max(64).optional(),
});

const switchBody = z.strictObject({ facilityId: z.uuid() });

/** POST /api/auth/login, POST /api/auth/refresh, POST /api/auth/switch-facility, GET /api/auth/me */
export function officerAuthRoutes(ctx: AppContext): Router {
  const router = Router();
  // 10 failed attempts per username+address, and 30 attempts of any kind per address, per 15
  // minutes. Points are taken before the (deliberately slow) password check, so parallel
  // requests cannot all slip past the limit; a successful login gives its point back.
  const failures = new RateLimiterMemory({ points: 10, duration: 15 * 60 });
  const perAddress = new RateLimiterMemory({ points: 30, duration: 15 * 60 });

  async function facilitiesOf(officerId: string) {
    const ids = await officerFacilityIds(ctx.storage, officerId);
    if (ids.length === 0) return [];
    return ctx.storage.db.selectFrom('facilities').select(['id', 'code', 'name']).where('id', 'in', ids).orderBy('code').execute();
  }

  router.post('/auth/login', async (req, res) => {
    const body = parseInput(loginBody, req.body);
    const address = req.ip ?? 'unknown';
    const limiterKey = `${body.username.toLowerCase()}|${address}`;
    try {
      await perAddress.consume(address);
      await failures.consume(limiterKey);
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) throw err;
      res.set('Retry-After', String(Math.ceil(err.msBeforeNext / 1000)));
      throw new HttpError(429, 'too_many_attempts', 'too many failed logins, try again later');
    }
    const officer = await findOfficerByUsername(ctx.storage, body.username);
    const ok = await verifyPassword(officer?.password_hash ?? (await timingDummyHash()), body.password);
    if (!officer || !ok || officer.disabled) {
      await appendAudit(ctx.storage, { actorKind: 'public', actorId: req.ip ?? 'unknown', action: 'officer.login_failed', details: { username: body.username } });
      throw new HttpError(401, 'bad_credentials', 'wrong username or password');
    }
    const facilities = await facilitiesOf(officer.id);
    const facility = body.facilityId ? facilities.find((f) => f.id === body.facilityId) : facilities.length === 1 ? facilities[0] : undefined;
    if (!facility) {
      throw new HttpError(facilities.length === 0 ? 403 : 400, facilities.length === 0 ? 'no_facility' : 'choose_facility', 'choose one of your facilities', {
        facilityId: facilities.map((f) => f.id),
      });
    }
    await failures.delete(limiterKey);
    await perAddress.reward(address, 1);
    const { token, expiresAt } = ctx.tokens.signOfficer({ sub: officer.id, role: officer.role, fac: facility.id });
    await appendAudit(ctx.storage, { actorKind: 'officer', actorId: officer.id, facilityId: facility.id, action: 'officer.login' });
    res.json({
      token,
      expiresAt: expiresAt.toISOString(),
      officer: { id: officer.id, username: officer.username, displayName: officer.display_name, role: officer.role },
      facility,
      facilities,
    });
  });

  // requireOfficer has already checked the account is enabled and assigned, and put its current role in the claims.
  router.post('/auth/refresh', requireOfficer(ctx), (req, res) => {
    const { sub, role, fac, sid } = officerOf(req);
    const { token, expiresAt } = ctx.tokens.signOfficer({ sub, role, fac, sid });
    res.json({ token, expiresAt: expiresAt.toISOString() });
  });

  // A supervisor assigned to several facilities moves between them without signing in again;
  // the new token is scoped to the chosen facility only, like one from the login.
  router.post('/auth/switch-facility', requireOfficer(ctx), async (req, res) => {
    const claims = officerOf(req);
    const { facilityId } = parseInput(switchBody, req.body);
    const facilities = await facilitiesOf(claims.sub);
    const facility = facilities.find((f) => f.id === facilityId);
    if (!facility) throw new HttpError(404, 'not_found', 'not one of your facilities');
    const { token, expiresAt } = ctx.tokens.signOfficer({ sub: claims.sub, role: claims.role, fac: facility.id, sid: claims.sid });
    await appendAudit(ctx.storage, {
      actorKind: 'officer', actorId: claims.sub, facilityId: facility.id, action: 'officer.facility_switch', details: { from: claims.fac },
    });
    res.json({ token, expiresAt: expiresAt.toISOString(), facility, facilities });
  });

  router.get('/auth/me', requireOfficer(ctx), async (req, res) => {
    const claims = officerOf(req);
    const officer = await ctx.storage.db.selectFrom('officers').select(['id', 'username', 'display_name', 'role']).where('id', '=', claims.sub).executeTakeFirstOrThrow();
    const facility = await ctx.storage.db.selectFrom('facilities').select(['id', 'code', 'name', 'timezone']).where('id', '=', claims.fac).executeTakeFirstOrThrow();
    res.json({ officer: { id: officer.id, username: officer.username, displayName: officer.display_name, role: officer.role }, facility });
  });

  return router;
}
