import { Router, type Request } from 'express';
import { z } from 'zod';
import { audited } from '../audit/audit-log.ts';
import { assertSameFacility, officerOf, requireOfficer } from '../auth/require-officer.ts';
import type { AppContext } from '../context.ts';
import { HttpError } from '../http/errors.ts';
import { parseInput } from '../http/validate.ts';
import type { Storage } from '../storage/database.ts';
import type { VisitsTable } from '../storage/tables.ts';
import { visitView } from './schedule.ts';
import { ADVOCATE_CREDENTIAL_MISSING } from './visit-routes.ts';
import { getVisitWithParties, type VisitWithParties } from './visit-store.ts';

export const idParam = z.strictObject({ id: z.uuid() });
export const approveBody = z.strictObject({ reason: z.string().trim().min(3).max(500).optional() });
export const rejectBody = z.strictObject({ reason: z.string().trim().min(3).max(500) });

/**
 * Records the decision on a privileged visit still scheduled and pending; a rejected visit is
 * cancelled, freeing its slot. False when it is no longer pending (decided, cancelled, over).
 */
async function decidePrivileged(storage: Storage, visitId: string, decision: 'approved' | 'rejected', by: string, reason: string | null): Promise<boolean> {
  const at = new Date().toISOString();
  const result = await storage.db
    .updateTable('visits')
    .set({
      privileged_approval: decision,
      privileged_decided_by: by,
      privileged_decided_at: at,
      privileged_decision_reason: reason,
      ...(decision === 'rejected' ? { status: 'cancelled' as const, ended_at: at, end_reason: 'privileged_rejected' } : {}),
    })
    .where('id', '=', visitId)
    .where('privileged', '=', 1)
    .where('privileged_approval', '=', 'pending')
    .where('status', '=', 'scheduled')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * POST /api/visits/:id/approve-privileged {reason?}, POST /api/visits/:id/reject-privileged {reason}.
 * A privileged (unrecorded, unobserved) visit's call cannot start until a supervisor or admin of
 * the facility approves it; whoever booked it may not approve it, whatever their role.
 */
export function privilegedApprovalRoutes(ctx: AppContext): Router {
  const router = Router();
  const manager = requireOfficer(ctx, ['supervisor', 'admin']);

  async function privilegedVisitOf(req: Request): Promise<VisitWithParties> {
    const { id } = parseInput(idParam, req.params, 'path');
    const found = await getVisitWithParties(ctx.storage, id);
    if (!found) throw new HttpError(404, 'not_found', 'visit not found');
    assertSameFacility(req, found.visit.facility_id);
    if (found.visit.privileged !== 1) throw new HttpError(409, 'not_privileged', 'this visit is not privileged; there is nothing to approve');
    return found;
  }

  /** Counsel registered before credentials were required may have been booked privileged without one. */
  function assertCounselCredentialed(found: VisitWithParties): void {
    const missing = Object.fromEntries(found.visitors.flatMap((v, i) => (v.advocateCredential ? [] : [[`visitors.${i}`, [ADVOCATE_CREDENTIAL_MISSING]]])));
    if (Object.keys(missing).length > 0) throw new HttpError(409, 'advocate_credential_missing', ADVOCATE_CREDENTIAL_MISSING, missing);
  }

  function notPending(visit: VisitsTable): HttpError {
    return new HttpError(409, 'approval_not_pending', `this privileged visit is no longer awaiting approval (${visit.status}, ${visit.privileged_approval ?? 'pending'})`);
  }

  /** One decision route; only an approval is refused to the officer who booked the visit. */
  function decisionRoute(path: string, decision: 'approved' | 'rejected', body: typeof approveBody | typeof rejectBody): void {
    router.post(path, manager, async (req, res) => {
      const officer = officerOf(req);
      const found = await privilegedVisitOf(req);
      const visit = found.visit;
      const { reason } = parseInput(body, req.body ?? {});
      if (decision === 'approved' && visit.created_by === officer.sub) {
        throw new HttpError(403, 'own_booking', 'a privileged visit must be approved by someone other than the officer who booked it');
      }
      if (decision === 'approved') assertCounselCredentialed(found);
      const decided = await audited(ctx.storage, (tx) => decidePrivileged(tx, visit.id, decision, officer.sub, reason ?? null), (done) =>
        done
          ? {
            actorKind: 'officer', actorId: officer.sub, facilityId: officer.fac, action: `visit.privileged_${decision}`, subjectKind: 'visit', subjectId: visit.id,
            reason, details: { bookedBy: visit.created_by },
          }
          : undefined,
      );
      if (!decided) throw notPending(visit);
      res.json({ visit: visitView((await getVisitWithParties(ctx.storage, visit.id))!) });
    });
  }
  decisionRoute('/visits/:id/approve-privileged', 'approved', approveBody);
  decisionRoute('/visits/:id/reject-privileged', 'rejected', rejectBody);

  return router;
}
