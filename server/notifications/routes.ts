import { Router } from 'express';
import { z } from 'zod';
import { appendAudit, audited } from '../audit/audit-log.ts';
import { assertSameFacility, officerOf, requireOfficer } from '../auth/require-officer.ts';
import type { AppContext } from '../context.ts';
import { HttpError } from '../http/errors.ts';
import { parseInput } from '../http/validate.ts';
import { DESK_STATUSES, findMessage, listForDesk, markHandled, type OutboxRow } from './outbox-store.ts';
import { isTemplateKey, renderMessage, type Language, type TemplateParams } from './templates.ts';

export const deskListQuery = z.strictObject({
  status: z.enum(DESK_STATUSES).default('manual'),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export const idParam = z.strictObject({ id: z.uuid() });

function deskView(row: OutboxRow, facility: { name: string; timezone: string }) {
  const rendered = isTemplateKey(row.template) ? renderMessage(row.template, row.language as Language, JSON.parse(row.params) as TemplateParams, facility) : null;
  const text = rendered?.text ?? '';
  return {
    id: row.id,
    status: row.status,
    template: row.template,
    language: row.language,
    recipient: { name: row.to_name, phone: row.to_phone, email: row.to_email },
    subject: rendered?.subject ?? '',
    text,
    // ready-made links for the desk: open WhatsApp or the mail program with the text filled in
    whatsappUrl: row.to_phone ? `https://wa.me/${row.to_phone.replace(/^\+/, '')}?text=${encodeURIComponent(rendered?.body ?? '')}` : null,
    mailtoUrl: row.to_email ? `mailto:${row.to_email}?subject=${encodeURIComponent(rendered?.subject ?? '')}&body=${encodeURIComponent(text)}` : null,
    attempts: row.attempts,
    lastError: row.last_error,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
  };
}

/**
 * GET /api/notifications?status=manual|failed: messages of the officer's facility that no channel
 * carried, with their text, for the desk to send by hand. POST /api/notifications/:id/handled:
 * the desk sent it. Any officer of the facility; both audited (the list shows contact data and
 * one-time codes).
 */
export function notificationRoutes(ctx: AppContext): Router {
  const router = Router();
  const anyOfficer = requireOfficer(ctx);

  router.get('/notifications', anyOfficer, async (req, res) => {
    const officer = officerOf(req);
    const query = parseInput(deskListQuery, req.query, 'query');
    const facility = await ctx.storage.db.selectFrom('facilities').select(['name', 'timezone']).where('id', '=', officer.fac).executeTakeFirstOrThrow();
    const rows = await listForDesk(ctx.storage, officer.fac, query.status, query.limit);
    await appendAudit(ctx.storage, {
      actorKind: 'officer', actorId: officer.sub, facilityId: officer.fac, action: 'notification.listed', details: { status: query.status, messageIds: rows.map((r) => r.id) },
    });
    res.set('Cache-Control', 'no-store');
    res.json({ status: query.status, messages: rows.map((r) => deskView(r, facility)) });
  });

  router.post('/notifications/:id/handled', anyOfficer, async (req, res) => {
    const officer = officerOf(req);
    const { id } = parseInput(idParam, req.params, 'path');
    parseInput(z.strictObject({}), req.body ?? {});
    const row = await findMessage(ctx.storage, id);
    if (!row) throw new HttpError(404, 'not_found', 'not found');
    assertSameFacility(req, row.facility_id);
    const now = new Date();
    const done = await audited(ctx.storage, (tx) => markHandled(tx, id, officer.sub, now), (ok) => ok
      ? { actorKind: 'officer', actorId: officer.sub, facilityId: officer.fac, action: 'notification.handled', subjectKind: 'notification', subjectId: id, details: { template: row.template, previousStatus: row.status } }
      : undefined);
    if (!done) throw new HttpError(409, 'not_waiting', `this message is ${row.status}, not waiting for the desk`);
    res.json({ id, status: 'handled', handledAt: now.toISOString() });
  });

  return router;
}
