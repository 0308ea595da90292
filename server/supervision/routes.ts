import { Router, type Request } from 'express';
import { z } from 'zod';
import { appendAudit, type AuditEntryInput } from '../audit/audit-log.ts';
import { officerOf, requireOfficer } from '../auth/require-officer.ts';
import type { Call } from '../calls/call.ts';
import { callDeadline } from '../calls/call-rules.ts';
import type { CallService } from '../calls/call-service.ts';
import type { AppContext } from '../context.ts';
import { HttpError } from '../http/errors.ts';
import { parseInput } from '../http/validate.ts';
import { extendVisit, ScheduleConflict } from '../visits/schedule.ts';
import { callViews } from './call-view.ts';

export const visitParam = z.strictObject({ visitId: z.uuid() });
const reason = z.string().trim().min(3).max(300);
export const warnBody = z.strictObject({ message: z.string().trim().min(1).max(300) });
export const muteBody = z.strictObject({
  peerId: z.string().min(1).max(64),
  kind: z.enum(['audio', 'video']),
  muted: z.boolean(),
  reason: z.string().trim().max(300).optional(),
});
export const endBody = z.strictObject({ reason });
export const extendBody = (maxMinutes: number) => z.strictObject({ minutes: z.number().int().min(1).max(maxMinutes), reason });

/**
 * Officers supervise the live calls of their token's facility on this node: list, warn, mute,
 * end, extend. Another facility's call answers 404 like a missing one; every action is audited
 * with who, what, when, which call and why.
 */
export function supervisionRoutes(ctx: AppContext, calls: () => CallService): Router {
  const router = Router();
  const officer = requireOfficer(ctx, ['officer', 'supervisor', 'admin']);

  function liveCall(req: Request): Call {
    const { visitId } = parseInput(visitParam, req.params, 'path');
    const call = calls().liveCalls().find((c) => c.visitId === visitId);
    if (!call || call.facilityId !== officerOf(req).fac) throw new HttpError(404, 'not_found', 'no live call for this visit');
    return call;
  }

  function auditEntry(req: Request, call: Call, action: string, details: Record<string, unknown>, why?: string): AuditEntryInput {
    return { actorKind: 'officer', actorId: officerOf(req).sub, facilityId: call.facilityId, action, subjectKind: 'visit', subjectId: call.visitId, reason: why ?? null, details };
  }

  async function audit(req: Request, call: Call, action: string, details: Record<string, unknown>, why?: string): Promise<void> {
    await appendAudit(ctx.storage, auditEntry(req, call, action, details, why));
  }

  router.get('/calls', officer, async (req, res) => {
    const fac = officerOf(req).fac;
    res.json({ calls: await callViews(ctx.storage, calls(), calls().liveCalls().filter((c) => c.facilityId === fac)) });
  });

  router.post('/calls/:visitId/warn', officer, async (req, res) => {
    const call = liveCall(req);
    const { message } = parseInput(warnBody, req.body);
    // Audited before it takes effect: no supervisory action without its entry.
    await audit(req, call, 'call.warn', { message });
    for (const p of call.currentRoom.peers()) p.channel.notify('officerWarning', { message });
    ctx.logger.info({ visitId: call.visitId, officer: officerOf(req).sub }, 'officer warned a call');
    res.json({ ok: true });
  });

  router.post('/calls/:visitId/mute', officer, async (req, res) => {
    const call = liveCall(req);
    const body = parseInput(muteBody, req.body);
    const peer = call.currentRoom.peer(body.peerId);
    const mutes = calls().supervision(call.visitId)?.mutes;
    if (!peer || peer.hidden || !mutes) throw new HttpError(404, 'not_found', 'no such party in this call');
    await audit(req, call, body.muted ? 'call.mute' : 'call.unmute', { peerId: peer.id, kind: body.kind }, body.reason);
    mutes.set(peer.id, body.kind, body.muted);
    await mutes.apply(peer.producers(), peer.id, body.kind);
    peer.channel.notify('mutedByOfficer', { kind: body.kind, muted: body.muted });
    ctx.logger.info({ visitId: call.visitId, peerId: peer.id, kind: body.kind, muted: body.muted }, 'officer mute');
    res.json({ ok: true });
  });

  router.post('/calls/:visitId/end', officer, async (req, res) => {
    const call = liveCall(req);
    const body = parseInput(endBody, req.body);
    const ended = await calls().endCall(call.visitId, 'ended_by_officer', { actorKind: 'officer', actorId: officerOf(req).sub, reason: body.reason });
    if (!ended) throw new HttpError(404, 'not_found', 'no live call for this visit');
    res.json({ ok: true });
  });

  router.post('/calls/:visitId/extend', officer, async (req, res) => {
    const call = liveCall(req);
    const body = parseInput(extendBody(ctx.config.supervision.maxExtensionMinutes), req.body);
    let row;
    try {
      // The longer visit and its audit entry are stored together.
      row = await extendVisit(ctx.storage, call.visitId, body.minutes * 60, (extended) =>
        auditEntry(req, call, 'call.extend', { minutes: body.minutes, deadline: callDeadline(extended).toISOString() }, body.reason));
    } catch (err) {
      if (err instanceof ScheduleConflict) {
        throw new HttpError(409, 'schedule_conflict', `the ${err.resource} has another visit in the added time`);
      }
      throw err;
    }
    if (!row) throw new HttpError(409, 'visit_closed', 'the visit is no longer open');
    const deadline = callDeadline(row);
    await calls().setDeadline(call.visitId, deadline);
    ctx.logger.info({ visitId: call.visitId, minutes: body.minutes, deadline }, 'officer extended a call');
    res.json({ deadline: deadline.toISOString() });
  });

  return router;
}
