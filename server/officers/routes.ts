import { Router, type Response } from 'express';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { z } from 'zod';
import { appendAudit } from '../audit/audit-log.ts';
import { officerOf, requireOfficer } from '../auth/require-officer.ts';
import type { AppContext } from '../context.ts';
import { HttpError } from '../http/errors.ts';
import { parseInput } from '../http/validate.ts';
import { clientKey } from '../public-services/rate-limits.ts';
import { loginHashGate } from './hash-gate.ts';
import { KnownClients } from './known-clients.ts';
import { findOfficerByUsername } from './officer-store.ts';
import { passwordChangeRoutes } from './password-routes.ts';
import { timingDummyHash, verifyPassword } from './passwords.ts';

const loginBody = z.strictObject({
  username: z.string().trim().min(1).max(64),
  password: z.string().min(1).max(256),
  facilityId: z.string().min(1).max(64).optional(),
});

const switchBody = z.strictObject({ facilityId: z.uuid() });

/** POST /api/auth/login, POST /api/auth/refresh, POST /api/auth/switch-facility, GET /api/auth/me, POST /api/auth/password */
export function officerAuthRoutes(ctx: AppContext): Router {
  const router = Router();
  const limits = ctx.config.officerLogin;
  // Points are taken before the (deliberately slow) password check, so parallel requests cannot
  // all slip past a limit; a successful login gives its points back. A client is an address,
  // IPv6 by /64 (clientKey).
  const perClient = new RateLimiterMemory({ keyPrefix: 'login-client', points: limits.attemptsPerClient.points, duration: limits.attemptsPerClient.durationSeconds });
  const failures = new RateLimiterMemory({
    keyPrefix: 'login-user-client', points: limits.failuresPerUsernameAndClient.points, duration: limits.failuresPerUsernameAndClient.durationSeconds,
  });
  // Guesses at one username from all clients together. Clients the user recently signed in from
  // are exempt, so guessing from many addresses slows the guessers without locking the user out
  // of the places they work from.
  const perUsername = new RateLimiterMemory({ keyPrefix: 'login-user', points: limits.failuresPerUsername.points, duration: limits.failuresPerUsername.durationSeconds });
  const knownClients = new KnownClients(limits.trustedClientDays);
  const hashes = loginHashGate(ctx);

  async function facilitiesOf(officerId: string) {
    const rows = await ctx.storage.db
      .selectFrom('facilities')
      .innerJoin('officer_facilities', 'officer_facilities.facility_id', 'facilities.id')
      .select(['facilities.id', 'facilities.code', 'facilities.name', 'officer_facilities.role'])
      .where('officer_facilities.officer_id', '=', officerId)
      .orderBy('facilities.code')
      .execute();
    return rows.map((f) => ({ id: f.id, code: f.code, name: f.name, role: f.role }));
  }

  function tooManyAttempts(res: Response, err: unknown): never {
    if (!(err instanceof RateLimiterRes)) throw err;
    res.set('Retry-After', String(Math.max(1, Math.ceil(err.msBeforeNext / 1000))));
    throw new HttpError(429, 'too_many_attempts', 'too many failed logins, try again later');
  }

  router.post('/auth/login', async (req, res) => {
    const body = parseInput(loginBody, req.body);
    const username = body.username.toLowerCase();
    const client = clientKey(req);
    const pairKey = `${username}|${client}`;
    const known = knownClients.has(pairKey);
    try {
      await perClient.consume(client);
      await failures.consume(pairKey);
    } catch (err) {
      tooManyAttempts(res, err);
    }
    if (!known) {
      try {
        await perUsername.consume(username);
      } catch (err) {
        await failures.reward(pairKey, 1);
        tooManyAttempts(res, err);
      }
    }
    const giveBack = async () => {
      await failures.reward(pairKey, 1);
      if (!known) await perUsername.reward(username, 1);
    };
    const officer = await findOfficerByUsername(ctx.storage, username);
    const checked = await hashes.tryRun(async () => verifyPassword(officer?.password_hash ?? (await timingDummyHash()), body.password));
    if (!checked) {
      // Cheap to answer, so it costs no budget: only attempts that were checked count.
      await giveBack();
      await perClient.reward(client, 1);
      ctx.logger.warn({ client, maxConcurrentHashes: hashes.size }, 'login refused: password checks at capacity');
      res.set('Retry-After', '1');
      throw new HttpError(429, 'busy', 'the server is busy checking other logins, try again in a moment');
    }
    if (!officer || !checked.value || officer.disabled) {
      await appendAudit(ctx.storage, { actorKind: 'public', actorId: req.ip ?? 'unknown', action: 'officer.login_failed', details: { username: body.username } });
      throw new HttpError(401, 'bad_credentials', 'wrong username or password');
    }
    // The password was right: nothing of this attempt counts as a guess.
    await giveBack();
    await failures.delete(pairKey);
    await perClient.reward(client, 1);
    knownClients.add(pairKey);
    const facilities = await facilitiesOf(officer.id);
    const facility = body.facilityId ? facilities.find((f) => f.id === body.facilityId) : facilities.length === 1 ? facilities[0] : undefined;
    if (!facility) {
      throw new HttpError(facilities.length === 0 ? 403 : 400, facilities.length === 0 ? 'no_facility' : 'choose_facility', 'choose one of your facilities', {
        facilityId: facilities.map((f) => f.id),
      });
    }
    // The role is the one held in the chosen facility.
    const { token, expiresAt } = ctx.tokens.signOfficer({ sub: officer.id, role: facility.role, fac: facility.id, epoch: Number(officer.session_epoch) });
    await appendAudit(ctx.storage, { actorKind: 'officer', actorId: officer.id, facilityId: facility.id, action: 'officer.login' });
    res.json({
      token,
      expiresAt: expiresAt.toISOString(),
      officer: { id: officer.id, username: officer.username, displayName: officer.display_name, role: facility.role },
      facility,
      facilities,
      // until the officer sets their own password, the token only reaches /auth/me, /auth/password and /auth/logout
      mustChangePassword: officer.must_change_password === 1,
    });
  });

  // requireOfficer has already checked the account is enabled and assigned, and put its current role in the claims.
  router.post('/auth/refresh', requireOfficer(ctx), (req, res) => {
    const { sub, role, fac, sid, epoch } = officerOf(req);
    const { token, expiresAt } = ctx.tokens.signOfficer({ sub, role, fac, sid, epoch });
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
    const { token, expiresAt } = ctx.tokens.signOfficer({ sub: claims.sub, role: facility.role, fac: facility.id, sid: claims.sid, epoch: claims.epoch });
    await appendAudit(ctx.storage, {
      actorKind: 'officer', actorId: claims.sub, facilityId: facility.id, action: 'officer.facility_switch', details: { from: claims.fac },
    });
    res.json({ token, expiresAt: expiresAt.toISOString(), facility, facilities });
  });

  router.get('/auth/me', requireOfficer(ctx, undefined, { duringPasswordChange: true }), async (req, res) => {
    const claims = officerOf(req);
    const officer = await ctx.storage.db
      .selectFrom('officers')
      .select(['id', 'username', 'display_name', 'must_change_password'])
      .where('id', '=', claims.sub)
      .executeTakeFirstOrThrow();
    const facility = await ctx.storage.db.selectFrom('facilities').select(['id', 'code', 'name', 'timezone']).where('id', '=', claims.fac).executeTakeFirstOrThrow();
    // claims.role is the role held now in the token's facility (requireOfficer).
    res.json({
      officer: { id: officer.id, username: officer.username, displayName: officer.display_name, role: claims.role },
      facility,
      mustChangePassword: officer.must_change_password === 1,
    });
  });

  router.use(passwordChangeRoutes(ctx));
  return router;
}
