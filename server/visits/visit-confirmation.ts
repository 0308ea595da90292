import { Router } from 'express';
import { audited } from '../audit/audit-log.ts';
import { assertSameFacility, officerOf, requireOfficer } from '../auth/require-officer.ts';
import type { AppContext } from '../context.ts';
import { HttpError } from '../http/errors.ts';
import { parseInput } from '../http/validate.ts';
import { visitorRecipients } from '../notifications/contacts.ts';
import { notifyVisitConfirmed, visitRef } from '../notifications/events.ts';
import { visitView } from './schedule.ts';
import { idParam } from './visit-routes.ts';
import { getVisitWithParties } from './visit-store.ts';

/**
 * POST /api/visits/:id/confirm: any officer of the facility confirms a family booking that waits
 * (the facility confirms family bookings by hand); audited, and the family is told in the same
 * transaction. Rejecting one is the ordinary cancel with a reason.
 */
export function visitConfirmationRoutes(ctx: AppContext): Router {
  const router = Router();
  router.post('/visits/:id/confirm', requireOfficer(ctx), async (req, res) => {
    const officer = officerOf(req);
    const { id } = parseInput(idParam, req.params, 'path');
    const found = await getVisitWithParties(ctx.storage, id);
    if (!found) throw new HttpError(404, 'not_found', 'visit not found');
    assertSameFacility(req, found.visit.facility_id);
    const confirmed = await audited(
      ctx.storage,
      async (tx) => {
        const result = await tx.db
          .updateTable('visits')
          .set({ confirmation: 'confirmed' })
          .where('id', '=', id)
          .where('confirmation', '=', 'pending')
          .where('status', '=', 'scheduled')
          .executeTakeFirst();
        const done = Number(result.numUpdatedRows) === 1;
        if (done) await notifyVisitConfirmed(tx, visitRef(found.visit), await visitorRecipients(tx, found.visitors.map((v) => v.id)));
        return done;
      },
      (done) => done ? { actorKind: 'officer', actorId: officer.sub, facilityId: officer.fac, action: 'visit.confirmed', subjectKind: 'visit', subjectId: id } : undefined,
    );
    if (!confirmed) throw new HttpError(409, 'confirmation_not_pending', 'only a scheduled visit awaiting confirmation can be confirmed');
    res.json({ visit: visitView((await getVisitWithParties(ctx.storage, id))!) });
  });
  return router;
}
