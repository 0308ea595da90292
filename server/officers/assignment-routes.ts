import { Router, type Request } from 'express';
import { audited } from '../audit/audit-log.ts';
import { officerOf, requireOfficer } from '../auth/require-officer.ts';
import type { AppContext } from '../context.ts';
import { HttpError } from '../http/errors.ts';
import { parseInput } from '../http/validate.ts';
import type { Storage } from '../storage/database.ts';
import type { OfficerRole } from '../storage/tables.ts';
import { officerAssignments, setOfficerRole } from './officer-store.ts';
import { assignmentBody, assignmentParams } from './schemas.ts';

const notFound = () => new HttpError(404, 'not_found', 'not found');

/**
 * Enabled admins of the facility other than `officerId`. On PostgreSQL the admin rows are locked,
 * so two admins removing each other at once cannot both pass this check.
 */
async function otherAdmins(tx: Storage, facilityId: string, officerId: string): Promise<number> {
  let query = tx.db
    .selectFrom('officer_facilities')
    .innerJoin('officers', 'officers.id', 'officer_facilities.officer_id')
    .select(['officer_facilities.officer_id', 'officers.disabled'])
    .where('officer_facilities.facility_id', '=', facilityId)
    .where('officer_facilities.role', '=', 'admin');
  if (tx.kind === 'postgres') query = query.forUpdate();
  const rows = await query.execute();
  return rows.filter((r) => r.officer_id !== officerId && !r.disabled).length;
}

/**
 * Who may be assigned where: the actor must be admin of the facility (404 when they are not even
 * assigned to it, so its id is not confirmed), and the officer must already belong to a facility
 * the actor is admin of (404 otherwise: accounts of other facilities stay unseen).
 */
async function checkedTarget(ctx: AppContext, req: Request) {
  const actor = officerOf(req);
  const { id, facilityId } = parseInput(assignmentParams, req.params, 'params');
  const actorRoles = await officerAssignments(ctx.storage, actor.sub);
  const actorThere = actorRoles.find((a) => a.facilityId === facilityId);
  if (!actorThere) throw notFound();
  if (actorThere.role !== 'admin') throw new HttpError(403, 'forbidden', 'only an admin of that facility may do this');
  const managed = new Set(actorRoles.filter((a) => a.role === 'admin').map((a) => a.facilityId));
  const targetRoles = await officerAssignments(ctx.storage, id);
  if (!targetRoles.some((a) => managed.has(a.facilityId))) throw notFound();
  return { actor, id, facilityId, targetRoles, current: targetRoles.find((a) => a.facilityId === facilityId)?.role };
}

const lastAdmin = () => new HttpError(409, 'last_admin', 'a facility must keep at least one enabled admin');

/**
 * PUT /api/officers/:id/facilities/:facilityId {role}: assigns an officer to a facility, or changes
 * the role held there. DELETE removes them from it; their open sockets are closed at once.
 * Admin of that facility only; a facility never loses its last enabled admin.
 */
export function officerAssignmentRoutes(ctx: AppContext): Router {
  const router = Router();
  const admin = requireOfficer(ctx, ['admin']);

  router.put('/officers/:id/facilities/:facilityId', admin, async (req, res) => {
    const { actor, id, facilityId, current } = await checkedTarget(ctx, req);
    const { role } = parseInput(assignmentBody, req.body);
    await audited(
      ctx.storage,
      async (tx) => {
        if (current === 'admin' && role !== 'admin' && (await otherAdmins(tx, facilityId, id)) === 0) throw lastAdmin();
        await setOfficerRole(tx, id, facilityId, role);
      },
      () => current === role ? undefined : {
        actorKind: 'officer', actorId: actor.sub, facilityId, action: current ? 'officer.updated' : 'officer.assigned', subjectKind: 'officer', subjectId: id,
        details: { role: { from: current ?? null, to: role satisfies OfficerRole }, ...(facilityId !== actor.fac ? { byAdminOf: actor.fac } : {}) },
      },
    );
    // A changed role closes the officer's monitoring sockets (they sign in again with the new role).
    if (current && current !== role) ctx.revocations.publish({ kind: 'officer', officerId: id });
    res.json({ assignment: { officerId: id, facilityId, role } });
  });

  router.delete('/officers/:id/facilities/:facilityId', admin, async (req, res) => {
    const { actor, id, facilityId, targetRoles, current } = await checkedTarget(ctx, req);
    if (!current) throw notFound();
    if (targetRoles.length === 1) {
      throw new HttpError(409, 'only_facility', 'this is the officer’s only facility: disable the account instead');
    }
    await audited(
      ctx.storage,
      async (tx) => {
        if (current === 'admin' && (await otherAdmins(tx, facilityId, id)) === 0) throw lastAdmin();
        await tx.db.deleteFrom('officer_facilities').where('officer_id', '=', id).where('facility_id', '=', facilityId).execute();
      },
      () => ({
        actorKind: 'officer', actorId: actor.sub, facilityId, action: 'officer.unassigned', subjectKind: 'officer', subjectId: id,
        details: { role: current, ...(facilityId !== actor.fac ? { byAdminOf: actor.fac } : {}) },
      }),
    );
    // Its tokens for this facility are refused at the next request; open sockets go now.
    ctx.revocations.publish({ kind: 'officer', officerId: id });
    res.status(204).end();
  });

  return router;
}
