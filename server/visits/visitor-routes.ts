import { Router, type Request } from 'express';
import { z } from 'zod';
import { audited } from '../audit/audit-log.ts';
import { assertSameFacility, officerOf, requireOfficer } from '../auth/require-officer.ts';
import type { AppContext } from '../context.ts';
import { localDayRange, localToday } from '../facilities/local-day.ts';
import { HttpError } from '../http/errors.ts';
import { parseInput } from '../http/validate.ts';
import { COUNSEL, setAdvocateCredential, visitorView } from './inmate-store.ts';
import { visitorAdvocateCredentialBody, visitorBanBody, visitorUnbanBody } from './people-schemas.ts';
import { banInForce, banVisitor, unbanVisitor } from './visitor-bans.ts';

export const idParam = z.strictObject({ id: z.uuid() });
const MAX_BAN_DAYS = 10 * 366;

/**
 * POST /api/visitors/:id/ban, POST /api/visitors/:id/unban (supervisors, admins; audited).
 * A ban ends when its last day ends in the facility's zone. Banning closes the visitor's open
 * call connections at once; bookings and joins check the ban themselves.
 * PUT /api/visitors/:id/advocate-credential (any officer, as at registration; audited).
 */
export function visitorRoutes(ctx: AppContext): Router {
  const router = Router();
  const anyOfficer = requireOfficer(ctx);
  const manager = requireOfficer(ctx, ['supervisor', 'admin']);

  async function visitorOf(req: Request) {
    const { id } = parseInput(idParam, req.params, 'path');
    const found = await ctx.storage.db
      .selectFrom('visitors')
      .innerJoin('inmates', 'inmates.id', 'visitors.inmate_id')
      .innerJoin('facilities', 'facilities.id', 'inmates.facility_id')
      .selectAll('visitors')
      .select(['inmates.facility_id', 'facilities.timezone'])
      .where('visitors.id', '=', id)
      .executeTakeFirst();
    if (!found) throw new HttpError(404, 'not_found', 'visitor not found');
    assertSameFacility(req, found.facility_id);
    const { facility_id: facilityId, timezone, ...visitor } = found;
    return { visitor, facilityId, timezone };
  }

  const reload = async (id: string) => visitorView((await ctx.storage.db.selectFrom('visitors').selectAll().where('id', '=', id).executeTakeFirstOrThrow()));

  // Banning again replaces the reason and the end date.
  router.post('/visitors/:id/ban', manager, async (req, res) => {
    const { visitor, timezone } = await visitorOf(req);
    const officer = officerOf(req);
    const body = parseInput(visitorBanBody, req.body);
    const now = new Date();
    const today = localToday(timezone, now);
    if (body.until < today) throw new HttpError(400, 'validation_failed', 'invalid request body', { until: [`must be today (${today}) or later`] });
    const endsAt = localDayRange(body.until, timezone).to;
    if (endsAt.getTime() - now.getTime() > MAX_BAN_DAYS * 86_400_000) throw new HttpError(400, 'validation_failed', 'invalid request body', { until: ['must be within 10 years'] });
    const previous = banInForce(visitor, now);
    await audited(ctx.storage, (tx) => banVisitor(tx, visitor.id, { reason: body.reason, until: body.until, endsAt, by: officer.sub, at: now }), () => ({
      actorKind: 'officer', actorId: officer.sub, facilityId: officer.fac, action: 'visitor.banned', subjectKind: 'visitor', subjectId: visitor.id,
      reason: body.reason, details: { inmateId: visitor.inmate_id, until: body.until, ...(previous ? { replacedUntil: previous.until } : {}) },
    }));
    ctx.revocations.publish({ kind: 'visitor', visitorId: visitor.id });
    res.json({ visitor: await reload(visitor.id) });
  });

  router.post('/visitors/:id/unban', manager, async (req, res) => {
    const { visitor } = await visitorOf(req);
    const officer = officerOf(req);
    const body = parseInput(visitorUnbanBody, req.body);
    const lifted = await audited(ctx.storage, (tx) => unbanVisitor(tx, visitor.id), (done) => done ? {
      actorKind: 'officer', actorId: officer.sub, facilityId: officer.fac, action: 'visitor.unbanned', subjectKind: 'visitor', subjectId: visitor.id,
      reason: body.reason, details: { inmateId: visitor.inmate_id, until: visitor.ban_until },
    } : undefined);
    if (!lifted) throw new HttpError(409, 'visitor_not_banned', 'this visitor is not banned');
    res.json({ visitor: await reload(visitor.id) });
  });

  // Counsel registered before credentials were asked for (migration 0009) have none, and cannot be
  // booked privileged until the desk has seen their card and entered it here. Replacing one keeps
  // the old number in the audit trail.
  router.put('/visitors/:id/advocate-credential', anyOfficer, async (req, res) => {
    const { visitor } = await visitorOf(req);
    const officer = officerOf(req);
    const body = parseInput(visitorAdvocateCredentialBody, req.body);
    if (visitor.relationship !== COUNSEL) throw new HttpError(409, 'not_counsel', `only a ${COUNSEL} visitor carries an advocate credential`);
    await audited(ctx.storage, (tx) => setAdvocateCredential(tx, visitor.id, body.advocateCredential), () => ({
      actorKind: 'officer', actorId: officer.sub, facilityId: officer.fac, action: 'visitor.advocate_credential_set', subjectKind: 'visitor', subjectId: visitor.id,
      details: { inmateId: visitor.inmate_id, advocateCredential: body.advocateCredential, ...(visitor.advocate_credential ? { replaced: visitor.advocate_credential } : {}) },
    }));
    res.json({ visitor: await reload(visitor.id) });
  });

  return router;
}
