import { Router } from 'express';
import { audited } from '../audit/audit-log.ts';
import type { AppContext } from '../context.ts';
import { revokeOfficerSession } from './officer-sessions.ts';
import { officerOf, requireOfficer } from './require-officer.ts';

/**
 * POST /api/auth/logout: ends the officer's session on the server (every token of it, also those
 * of other facilities reached by switching, and the playback links made in it) and closes its
 * live sockets. A token already refused gets 401 like any other request.
 */
export function logoutRoutes(ctx: AppContext): Router {
  const router = Router();
  router.post('/auth/logout', requireOfficer(ctx, undefined, { duringPasswordChange: true }), async (req, res) => {
    const { sub, fac, sid } = officerOf(req);
    await audited(ctx.storage, (tx) => revokeOfficerSession(tx, sid, sub), () => ({
      actorKind: 'officer', actorId: sub, facilityId: fac, action: 'officer.logout', subjectKind: 'officer', subjectId: sub,
    }));
    ctx.revocations.publish({ kind: 'session', sessionId: sid });
    res.status(204).end();
  });
  return router;
}
