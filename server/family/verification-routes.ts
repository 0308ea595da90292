import { Router, type Request } from 'express';
import { audited } from '../audit/audit-log.ts';
import { assertSameFacility, officerOf, requireOfficer } from '../auth/require-officer.ts';
import type { AppContext } from '../context.ts';
import { HttpError } from '../http/errors.ts';
import { parseInput } from '../http/validate.ts';
import { notifyRegistrationDecision } from '../notifications/events.ts';
import type { KtpFiles } from './ktp-files.ts';
import { approveRegistration, findRegistration, listRegistrations, queueView, rejectRegistration, type Decision } from './registration-store.ts';
import { registrationIdParam, registrationQueueQuery, rejectBody } from './schemas.ts';

/**
 * Officers of the facility: GET /api/family/registrations (queue), GET …/:id/ktp (the photo,
 * audited), POST …/:id/approve and …/:id/reject. A decision, its audit entry and the message
 * telling the family are stored in one transaction.
 */
export function verificationRoutes(ctx: AppContext, ktpFiles: KtpFiles): Router {
  const router = Router();
  const anyOfficer = requireOfficer(ctx);

  async function registrationOf(req: Request) {
    const id = registrationIdParam.safeParse(req.params);
    if (!id.success) throw new HttpError(404, 'not_found', 'not found');
    const row = await findRegistration(ctx.storage, id.data.id);
    if (!row) throw new HttpError(404, 'not_found', 'not found');
    assertSameFacility(req, row.facility_id);
    return row;
  }

  router.get('/family/registrations', anyOfficer, async (req, res) => {
    const { status } = parseInput(registrationQueueQuery, req.query, 'query');
    const rows = await listRegistrations(ctx.storage, officerOf(req).fac, status);
    res.set('Cache-Control', 'no-store').json({ registrations: rows.map(queueView) });
  });

  router.get('/family/registrations/:id/ktp', anyOfficer, async (req, res) => {
    const reg = await registrationOf(req);
    const officer = officerOf(req);
    const image = await ktpFiles.read(reg.ktp_file);
    await audited(ctx.storage, async () => undefined, () => ({
      actorKind: 'officer', actorId: officer.sub, facilityId: reg.facility_id, action: 'family.registration.ktp_viewed', subjectKind: 'family_registration', subjectId: reg.id,
    }));
    res.set({ 'Cache-Control': 'no-store', 'Content-Type': reg.ktp_type, 'X-Content-Type-Options': 'nosniff', 'Content-Disposition': 'inline' }).send(image);
  });

  function refusal(decision: Extract<Decision, { ok: false }>): never {
    if (decision.problem === 'no_matching_inmate') throw new HttpError(409, 'no_matching_inmate', 'no active inmate of this facility has this registration number');
    throw new HttpError(409, 'not_pending', 'this registration was already decided');
  }

  router.post('/family/registrations/:id/approve', anyOfficer, async (req, res) => {
    const reg = await registrationOf(req);
    const officer = officerOf(req);
    const signInLink = `${ctx.publicUrl().replace(/\/$/, '')}/kunjungan/`;
    const decision = await audited(ctx.storage, async (tx) => {
      const done = await approveRegistration(tx, ctx.nikVault, reg.id, officer.sub);
      if (done.ok) {
        await notifyRegistrationDecision(tx, {
          registrationId: reg.id, facilityId: reg.facility_id, approved: true, signInLink,
          recipient: { ref: reg.account_id, name: reg.name, phone: reg.phone, email: reg.email, language: reg.language },
        });
      }
      return done;
    }, (done) => (done.ok ? {
      actorKind: 'officer', actorId: officer.sub, facilityId: reg.facility_id, action: 'family.registration.approved', subjectKind: 'family_registration', subjectId: reg.id,
      details: { visitorId: done.visitorId },
    } : undefined));
    if (!decision.ok) refusal(decision);
    const after = await findRegistration(ctx.storage, reg.id);
    res.json({ registration: queueView(after!), visitorId: decision.visitorId });
  });

  router.post('/family/registrations/:id/reject', anyOfficer, async (req, res) => {
    const reg = await registrationOf(req);
    const officer = officerOf(req);
    const { reason } = parseInput(rejectBody, req.body ?? {});
    const decision = await audited(ctx.storage, async (tx) => {
      const done = await rejectRegistration(tx, reg.id, officer.sub, reason);
      if (done.ok) {
        await notifyRegistrationDecision(tx, {
          registrationId: reg.id, facilityId: reg.facility_id, approved: false, reason,
          recipient: { ref: reg.account_id, name: reg.name, phone: reg.phone, email: reg.email, language: reg.language },
        });
      }
      return done;
    }, (done) => (done.ok ? {
      actorKind: 'officer', actorId: officer.sub, facilityId: reg.facility_id, action: 'family.registration.rejected', subjectKind: 'family_registration', subjectId: reg.id, reason,
    } : undefined));
    if (!decision.ok) refusal(decision);
    const after = await findRegistration(ctx.storage, reg.id);
    res.json({ registration: queueView(after!), visitorId: null });
  });

  return router;
}
