import { Router, type Request, type RequestHandler } from 'express';
import { appendAudit, audited } from '../audit/audit-log.ts';
import { assertSameFacility, officerOf, requireOfficer } from '../auth/require-officer.ts';
import type { AppContext } from '../context.ts';
import { HttpError } from '../http/errors.ts';
import { parseInput } from '../http/validate.ts';
import { trackingCodeMatches } from '../public-services/codes.ts';
import { ticketCode } from '../public-services/fields.ts';
import { PUBLIC_ACTOR } from '../public-services/public-actor.ts';
import { clientKey, createRateLimit } from '../public-services/rate-limits.ts';
import { singleFileUpload } from '../public-services/uploads.ts';
import { sniffImageType, withoutMetadata } from './attachment-check.ts';
import { complaintHistory, createComplaint, findComplaintByTicket, transitionComplaint } from './complaint-store.ts';
import {
  complaintAssignBody, complaintIdParam, complaintListQuery, complaintSubmitBody, complaintTransitionBody,
} from './schemas.ts';
import { addWorkingDays } from './working-days.ts';

const NOT_FOUND = 'Pengaduan tidak ditemukan atau kode pelacakan salah.';

/** Multipart forms send empty inputs as "": treat them as absent, like a JSON body would. */
function formFields(req: Request): unknown {
  if (!req.is('multipart/form-data')) return req.body;
  return Object.fromEntries(Object.entries((req.body ?? {}) as Record<string, unknown>).filter(([, v]) => v !== ''));
}

/**
 * Public: POST /api/complaints, GET /api/complaints/{ticket} (X-Tracking-Code).
 * Officers: list, detail, attachment, assign, transition under /api/officer/complaints.
 */
export function complaintRoutes(ctx: AppContext): Router {
  const router = Router();
  const settings = ctx.config.publicServices.complaints;
  const holidays = new Set(settings.holidays);
  const submitLimit = createRateLimit('complaint-submit', ctx.config.publicServices.rateLimits.complaintSubmitPerClient);
  const trackLimit = createRateLimit('complaint-track', ctx.config.publicServices.rateLimits.trackingPerClient);

  // The limit is taken before the upload is read, so a flood of large files costs little.
  const limitSubmissions: RequestHandler = async (req, res, next) => {
    await submitLimit.consume(res, clientKey(req));
    next();
  };

  router.post('/complaints', limitSubmissions, singleFileUpload('attachment', settings.attachmentMaxBytes), async (req, res) => {
    const body = parseInput(complaintSubmitBody, formFields(req));
    const facility = await ctx.storage.db.selectFrom('facilities').select(['id', 'timezone']).where('id', '=', body.facilityId).executeTakeFirst();
    if (!facility) throw new HttpError(400, 'validation_failed', 'invalid request body', { facilityId: ['unknown facility'] });
    let attachment: { mediaType: string; data: Buffer } | undefined;
    if (req.file) {
      const mediaType = await sniffImageType(req.file.buffer);
      if (!mediaType) throw new HttpError(400, 'validation_failed', 'invalid upload', { attachment: ['must be a JPEG, PNG or WebP image'] });
      const clean = await withoutMetadata(req.file.buffer, mediaType);
      if (!clean) throw new HttpError(400, 'validation_failed', 'invalid upload', { attachment: ['the image cannot be read (damaged or too many pixels)'] });
      attachment = { mediaType, data: clean };
    }
    const dueAt = addWorkingDays(new Date(), settings.responseWorkingDays, facility.timezone, holidays);
    const created = await createComplaint(ctx.storage, { ...body, dueAt, attachment }, ({ id, ticket }) => ({
      ...PUBLIC_ACTOR, facilityId: facility.id, action: 'complaint.submit',
      subjectKind: 'complaint', subjectId: id,
      details: { ticket, category: body.category, anonymous: body.anonymous, attachment: !!attachment },
    }));
    res.status(201).json({ ticket: created.ticket, trackingCode: created.trackingCode, dueAt: dueAt.toISOString() });
  });

  router.get('/complaints/:ticket', async (req, res) => {
    await trackLimit.consume(res, clientKey(req));
    const ticket = ticketCode.safeParse(req.params.ticket);
    const complaint = ticket.success ? await findComplaintByTicket(ctx.storage, ticket.data) : undefined;
    if (!complaint || !trackingCodeMatches(req.get('x-tracking-code'), complaint.tracking_code_hash)) {
      throw new HttpError(404, 'not_found', NOT_FOUND);
    }
    const history = await complaintHistory(ctx.storage, complaint.id);
    res.json({
      ticket: complaint.ticket,
      facility: { name: complaint.facility_name },
      category: complaint.category,
      status: complaint.status,
      createdAt: complaint.created_at,
      dueAt: complaint.due_at,
      history: history.map((e) => ({ status: e.status, response: e.public_response, at: e.at })),
    });
  });

  const officers = requireOfficer(ctx);

  async function complaintInFacility(req: Request) {
    const id = complaintIdParam.safeParse(req.params.id);
    if (!id.success) throw new HttpError(404, 'not_found', 'not found');
    const row = await ctx.storage.db.selectFrom('complaints').selectAll().where('id', '=', id.data).executeTakeFirst();
    if (!row) throw new HttpError(404, 'not_found', 'not found');
    assertSameFacility(req, row.facility_id);
    return row;
  }

  router.get('/officer/complaints', officers, async (req, res) => {
    const { fac } = officerOf(req);
    const query = parseInput(complaintListQuery, req.query, 'query');
    const now = new Date().toISOString();
    let q = ctx.storage.db
      .selectFrom('complaints')
      .leftJoin('officers', 'officers.id', 'complaints.assigned_to')
      .leftJoin('complaint_attachments', 'complaint_attachments.complaint_id', 'complaints.id')
      .select([
        'complaints.id', 'complaints.ticket', 'complaints.category', 'complaints.status', 'complaints.description',
        'complaints.anonymous', 'complaints.created_at', 'complaints.due_at', 'complaints.assigned_to',
        'officers.display_name as assignee_name', 'complaint_attachments.id as attachment_id',
      ])
      .where('complaints.facility_id', '=', fac);
    if (query.status) q = q.where('complaints.status', '=', query.status);
    if (query.overdue === 'true') q = q.where('complaints.status', 'in', ['new', 'in_progress']).where('complaints.due_at', '<', now);
    const rows = await q.orderBy('complaints.due_at').limit(500).execute();
    res.json({
      complaints: rows.map((r) => ({
        id: r.id,
        ticket: r.ticket,
        category: r.category,
        status: r.status,
        summary: r.description.slice(0, 140),
        anonymous: r.anonymous === 1,
        createdAt: r.created_at,
        dueAt: r.due_at,
        overdue: (r.status === 'new' || r.status === 'in_progress') && r.due_at < now,
        assignee: r.assigned_to ? { id: r.assigned_to, displayName: r.assignee_name } : null,
        hasAttachment: !!r.attachment_id,
      })),
    });
  });

  router.get('/officer/complaint-assignees', officers, async (req, res) => {
    const { fac } = officerOf(req);
    const rows = await ctx.storage.db
      .selectFrom('officers')
      .innerJoin('officer_facilities', 'officer_facilities.officer_id', 'officers.id')
      .select(['officers.id', 'officers.display_name', 'officer_facilities.role'])
      .where('officer_facilities.facility_id', '=', fac)
      .where('officers.disabled', '=', 0)
      .orderBy('officers.display_name')
      .execute();
    res.json({ officers: rows.map((r) => ({ id: r.id, displayName: r.display_name, role: r.role })) });
  });

  router.get('/officer/complaints/:id', officers, async (req, res) => {
    const c = await complaintInFacility(req);
    const officer = officerOf(req);
    const [history, attachment] = await Promise.all([
      complaintHistory(ctx.storage, c.id),
      ctx.storage.db.selectFrom('complaint_attachments').select(['media_type', 'size_bytes']).where('complaint_id', '=', c.id).executeTakeFirst(),
    ]);
    // Reading a complaint shows the reporter's identity: it is audited like any supervisory act.
    await appendAudit(ctx.storage, { actorKind: 'officer', actorId: officer.sub, facilityId: c.facility_id, action: 'complaint.view', subjectKind: 'complaint', subjectId: c.id });
    res.json({
      id: c.id, ticket: c.ticket, category: c.category, status: c.status, description: c.description,
      anonymous: c.anonymous === 1, reporterName: c.reporter_name, contact: c.contact,
      createdAt: c.created_at, dueAt: c.due_at,
      overdue: (c.status === 'new' || c.status === 'in_progress') && c.due_at < new Date().toISOString(),
      assignedTo: c.assigned_to,
      attachment: attachment ? { mediaType: attachment.media_type, sizeBytes: Number(attachment.size_bytes) } : null,
      history: history.map((e) => ({ status: e.status, response: e.public_response, officerId: e.officer_id, at: e.at })),
    });
  });

  router.get('/officer/complaints/:id/attachment', officers, async (req, res) => {
    const c = await complaintInFacility(req);
    const file = await ctx.storage.db.selectFrom('complaint_attachments').selectAll().where('complaint_id', '=', c.id).executeTakeFirst();
    if (!file) throw new HttpError(404, 'not_found', 'no attachment');
    await appendAudit(ctx.storage, { actorKind: 'officer', actorId: officerOf(req).sub, facilityId: c.facility_id, action: 'complaint.attachment_view', subjectKind: 'complaint', subjectId: c.id });
    res.set({ 'Content-Type': file.media_type, 'X-Content-Type-Options': 'nosniff', 'Content-Disposition': 'inline', 'Cache-Control': 'private, no-store' });
    res.send(Buffer.from(file.data_base64, 'base64'));
  });

  router.post('/officer/complaints/:id/assign', officers, async (req, res) => {
    const c = await complaintInFacility(req);
    const officer = officerOf(req);
    const body = parseInput(complaintAssignBody, req.body);
    const assignee = await ctx.storage.db
      .selectFrom('officer_facilities')
      .innerJoin('officers', 'officers.id', 'officer_facilities.officer_id')
      .select(['officers.id', 'officers.display_name'])
      .where('officer_facilities.facility_id', '=', c.facility_id)
      .where('officers.id', '=', body.officerId)
      .where('officers.disabled', '=', 0)
      .executeTakeFirst();
    if (!assignee) throw new HttpError(400, 'validation_failed', 'invalid request body', { officerId: ['not an active officer of this facility'] });
    if (c.status === 'resolved' || c.status === 'rejected') throw new HttpError(409, 'complaint_closed', 'the complaint is closed');
    await audited(
      ctx.storage,
      (tx) => tx.db.updateTable('complaints').set({ assigned_to: assignee.id, updated_at: new Date().toISOString() }).where('id', '=', c.id).execute(),
      () => ({
        actorKind: 'officer', actorId: officer.sub, facilityId: c.facility_id, action: 'complaint.assign',
        subjectKind: 'complaint', subjectId: c.id, details: { from: c.assigned_to, to: assignee.id },
      }),
    );
    res.json({ id: c.id, assignee: { id: assignee.id, displayName: assignee.display_name } });
  });

  router.post('/officer/complaints/:id/transition', officers, async (req, res) => {
    const c = await complaintInFacility(req);
    const officer = officerOf(req);
    const body = parseInput(complaintTransitionBody, req.body);
    const from = await transitionComplaint(ctx.storage, c.id, body.to, officer.sub, body.response ?? null, (left) => ({
      actorKind: 'officer', actorId: officer.sub, facilityId: c.facility_id, action: 'complaint.transition',
      subjectKind: 'complaint', subjectId: c.id, reason: body.response ?? null, details: { from: left, to: body.to },
    }));
    if (!from) throw new HttpError(409, 'invalid_transition', `cannot move a complaint from ${c.status} to ${body.to}`);
    res.json({ id: c.id, status: body.to });
  });

  return router;
}
