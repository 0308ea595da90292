import { randomUUID } from 'node:crypto';
import { Router, type Request } from 'express';
import QRCode from 'qrcode';
import { appendAudit, audited } from '../audit/audit-log.ts';
import { assertSameFacility, officerOf, requireOfficer } from '../auth/require-officer.ts';
import type { AppContext } from '../context.ts';
import { HttpError } from '../http/errors.ts';
import { parseInput } from '../http/validate.ts';
import { trackingCodeMatches } from '../public-services/codes.ts';
import { PUBLIC_ACTOR } from '../public-services/public-actor.ts';
import { isUniqueViolation } from '../storage/unique-violation.ts';
import { ticketCode } from '../public-services/fields.ts';
import { clientKey, createPairGuard, createRateLimit } from '../public-services/rate-limits.ts';
import type { DriveThruTicketStatus } from '../storage/tables.ts';
import { bookTicket, findRegisteredPair, findTicket, nextFreeSession, sessionView, ticketItems } from './drive-thru-store.ts';
import { facilityNow, sessionOpen } from './facility-clock.ts';
import {
  bookingBody, facilityQuery, inspectBody, officerSessionsQuery, officerTicketsQuery, sessionCreateBody, sessionsQuery,
} from './schemas.ts';

const TICKET_NOT_FOUND = 'Tiket tidak ditemukan atau kode pelacakan salah.';
const NOT_REGISTERED = 'Nomor registrasi WBP dan NIK tidak cocok dengan data keluarga terdaftar di UPT ini.';

/**
 * Public: categories, sessions, booking, ticket status, now-serving.
 * Officers (/api/officer/drive-thru): sessions, queue, find a ticket, serve, inspect, deliver.
 */
export function driveThruRoutes(ctx: AppContext): Router {
  const router = Router();
  const { itemCategories, prohibitedCategories } = ctx.config.publicServices.driveThru;
  const limits = ctx.config.publicServices.rateLimits;
  const bookingLimit = createRateLimit('drive-thru-booking', limits.driveThruBookingPerClient);
  const trackLimit = createRateLimit('drive-thru-track', limits.trackingPerClient);
  const unregistered = createPairGuard('drive-thru-unregistered', limits.driveThruUnregisteredPerRegistrationAndClient, limits.driveThruUnregisteredPerRegistration);

  async function facility(id: string) {
    const row = await ctx.storage.db.selectFrom('facilities').select(['id', 'name', 'timezone']).where('id', '=', id).executeTakeFirst();
    if (!row) throw new HttpError(404, 'not_found', 'unknown facility');
    return row;
  }

  router.get('/drive-thru/categories', (_req, res) => {
    res.json({
      allowed: itemCategories,
      prohibited: Object.entries(prohibitedCategories).map(([category, reason]) => ({ category, reason })),
    });
  });

  router.get('/drive-thru/sessions', async (req, res) => {
    const query = parseInput(sessionsQuery, req.query, 'query');
    const fac = await facility(query.facilityId);
    const today = facilityNow(fac.timezone).date;
    const from = query.from && query.from > today ? query.from : today;
    const rows = await ctx.storage.db
      .selectFrom('drive_thru_sessions')
      .selectAll()
      .where('facility_id', '=', fac.id)
      .where('date', '>=', from)
      .orderBy('date')
      .orderBy('start_time')
      .limit(100)
      .execute();
    res.json({ sessions: rows.filter((s) => sessionOpen(s, fac.timezone)).map(sessionView) });
  });

  router.post('/drive-thru/tickets', async (req, res) => {
    const client = clientKey(req);
    await bookingLimit.consume(res, client);
    const body = parseInput(bookingBody, req.body);
    const refused: Record<string, string[]> = {};
    body.items.forEach((item, i) => {
      const reason = prohibitedCategories[item.category];
      if (reason) refused[`items.${i}.category`] = [reason];
    });
    if (Object.keys(refused).length > 0) throw new HttpError(422, 'prohibited_items', 'some items may not be brought in', refused);
    const unknown = body.items.flatMap((item, i) => (itemCategories.includes(item.category) ? [] : [i]));
    if (unknown.length > 0) {
      throw new HttpError(400, 'validation_failed', 'invalid request body', Object.fromEntries(unknown.map((i) => [`items.${i}.category`, ['unknown category']])));
    }
    const session = await ctx.storage.db.selectFrom('drive_thru_sessions').selectAll().where('id', '=', body.sessionId).executeTakeFirst();
    if (!session) throw new HttpError(400, 'validation_failed', 'invalid request body', { sessionId: ['unknown session'] });
    const fac = await facility(session.facility_id);
    if (!sessionOpen(session, fac.timezone)) throw new HttpError(409, 'session_closed', 'this session is over');
    const registrationKey = `${fac.id}:${body.registrationNumber}`;
    const attempt = await unregistered.admit(res, registrationKey, client);
    const pair = await findRegisteredPair(ctx.storage, fac.id, body.registrationNumber, ctx.nikVault.lookupHash(body.visitorNik));
    if (!pair) {
      await attempt.failed();
      await appendAudit(ctx.storage, {
        ...PUBLIC_ACTOR, facilityId: fac.id, action: 'drive_thru.book_refused',
        subjectKind: 'registration_number', subjectId: body.registrationNumber,
        // As for remisi lookups: the NIK stays out of the trail, its last 4 digits are enough to follow up.
        details: { reason: 'not_registered', nikLast4: body.visitorNik.slice(-4) },
      });
      throw new HttpError(422, 'not_registered', NOT_REGISTERED);
    }
    await attempt.passed();

    const outcome = await bookTicket(ctx.storage, { session, inmateId: pair.inmate_id, visitorId: pair.visitor_id, items: body.items }, (booked) => ({
      ...PUBLIC_ACTOR, facilityId: fac.id, action: 'drive_thru.book',
      subjectKind: 'drive_thru_ticket', subjectId: booked.ticketId,
      details: { ticket: booked.ticket, sessionId: session.id, queueNumber: booked.queueNumber, items: body.items.length },
    }));
    if (outcome.kind === 'already_booked') throw new HttpError(409, 'already_booked', 'this NIK already has a ticket in this session');
    if (outcome.kind === 'full') {
      const next = await nextFreeSession(ctx.storage, session, facilityNow(fac.timezone).date);
      res.status(409).json({
        error: { code: 'session_full', message: 'Sesi ini sudah penuh.' },
        nextSession: next ? sessionView(next) : null,
      });
      return;
    }
    res.status(201).json({
      ticket: outcome.ticket,
      trackingCode: outcome.trackingCode,
      queueNumber: outcome.queueNumber,
      session: sessionView(outcome.session),
      qrCode: await QRCode.toDataURL(outcome.ticket, { errorCorrectionLevel: 'M', margin: 2, scale: 6 }),
    });
  });

  async function ticketView(ticket: NonNullable<Awaited<ReturnType<typeof findTicket>>>) {
    const items = await ticketItems(ctx.storage, ticket.id);
    return {
      ticket: ticket.ticket,
      status: ticket.status,
      queueNumber: Number(ticket.queue_number),
      facility: { name: ticket.facility_name },
      session: { id: ticket.session_id, date: ticket.date, startTime: ticket.start_time, endTime: ticket.end_time },
      items: items.map((i) => ({ id: i.id, category: i.category, description: i.description, quantity: Number(i.quantity), decision: i.decision, reason: i.reason })),
    };
  }

  router.get('/drive-thru/tickets/:ticket', async (req, res) => {
    await trackLimit.consume(res, clientKey(req));
    const code = ticketCode.safeParse(req.params.ticket);
    const ticket = code.success ? await findTicket(ctx.storage, code.data) : undefined;
    if (!ticket || !trackingCodeMatches(req.get('x-tracking-code'), ticket.tracking_code_hash)) throw new HttpError(404, 'not_found', TICKET_NOT_FOUND);
    const view = await ticketView(ticket);
    res.json({ ...view, items: view.items.map(({ id: _id, ...item }) => item) });
  });

  router.get('/drive-thru/now-serving', async (req, res) => {
    const query = parseInput(facilityQuery, req.query, 'query');
    const fac = await facility(query.facilityId);
    const today = facilityNow(fac.timezone).date;
    const sessions = await ctx.storage.db.selectFrom('drive_thru_sessions').selectAll().where('facility_id', '=', fac.id).where('date', '=', today).orderBy('start_time').execute();
    const tickets = sessions.length === 0 ? [] : await ctx.storage.db
      .selectFrom('drive_thru_tickets')
      .select(['session_id', 'queue_number', 'status'])
      .where('session_id', 'in', sessions.map((s) => s.id))
      .execute();
    res.set('Cache-Control', 'no-store');
    res.json({
      facility: { name: fac.name },
      date: today,
      sessions: sessions.map((s) => {
        const mine = tickets.filter((t) => t.session_id === s.id);
        const called = mine.filter((t) => t.status !== 'booked').map((t) => Number(t.queue_number));
        return {
          id: s.id,
          startTime: s.start_time,
          endTime: s.end_time,
          serving: mine.filter((t) => t.status === 'serving').map((t) => Number(t.queue_number)).sort((a, b) => a - b),
          lastCalled: called.length > 0 ? Math.max(...called) : null,
          waiting: mine.filter((t) => t.status === 'booked').length,
        };
      }),
    });
  });

  // ---- officer station ----
  const officers = requireOfficer(ctx);
  const planners = requireOfficer(ctx, ['supervisor', 'admin']);

  router.post('/officer/drive-thru/sessions', planners, async (req, res) => {
    const officer = officerOf(req);
    const body = parseInput(sessionCreateBody, req.body);
    const row = {
      id: randomUUID(), facility_id: officer.fac, date: body.date, start_time: body.startTime, end_time: body.endTime,
      capacity: body.capacity, booked: 0, created_by: officer.sub, created_at: new Date().toISOString(),
    };
    try {
      await audited(ctx.storage, (tx) => tx.db.insertInto('drive_thru_sessions').values(row).execute(), () => ({
        actorKind: 'officer', actorId: officer.sub, facilityId: officer.fac, action: 'drive_thru.session_create',
        subjectKind: 'drive_thru_session', subjectId: row.id, details: body,
      }));
    } catch (err) {
      if (isUniqueViolation(err)) throw new HttpError(409, 'session_exists', 'a session already starts at that time');
      throw err;
    }
    res.status(201).json(sessionView(row));
  });

  router.get('/officer/drive-thru/sessions', officers, async (req, res) => {
    const officer = officerOf(req);
    const query = parseInput(officerSessionsQuery, req.query, 'query');
    const fac = await facility(officer.fac);
    const date = query.date ?? facilityNow(fac.timezone).date;
    const rows = await ctx.storage.db.selectFrom('drive_thru_sessions').selectAll().where('facility_id', '=', officer.fac).where('date', '=', date).orderBy('start_time').execute();
    res.json({ date, sessions: rows.map(sessionView) });
  });

  router.get('/officer/drive-thru/tickets', officers, async (req, res) => {
    const query = parseInput(officerTicketsQuery, req.query, 'query');
    const session = await ctx.storage.db.selectFrom('drive_thru_sessions').select(['id', 'facility_id']).where('id', '=', query.sessionId).executeTakeFirst();
    if (!session) throw new HttpError(404, 'not_found', 'not found');
    assertSameFacility(req, session.facility_id);
    const rows = await ctx.storage.db
      .selectFrom('drive_thru_tickets')
      .innerJoin('inmates', 'inmates.id', 'drive_thru_tickets.inmate_id')
      .select(['drive_thru_tickets.ticket', 'drive_thru_tickets.queue_number', 'drive_thru_tickets.status', 'inmates.name as inmate_name'])
      .where('drive_thru_tickets.session_id', '=', session.id)
      .orderBy('drive_thru_tickets.queue_number')
      .execute();
    res.json({ tickets: rows.map((r) => ({ ticket: r.ticket, queueNumber: Number(r.queue_number), status: r.status, inmateName: r.inmate_name })) });
  });

  async function ticketInFacility(req: Request) {
    const code = ticketCode.safeParse(req.params.ticket);
    const ticket = code.success ? await findTicket(ctx.storage, code.data) : undefined;
    if (!ticket) throw new HttpError(404, 'not_found', 'not found');
    assertSameFacility(req, ticket.facility_id);
    return ticket;
  }

  async function officerTicketView(ticket: NonNullable<Awaited<ReturnType<typeof findTicket>>>) {
    const [view, people] = await Promise.all([
      ticketView(ticket),
      ctx.storage.db
        .selectFrom('inmates')
        .innerJoin('visitors', 'visitors.inmate_id', 'inmates.id')
        .select(['inmates.name as inmate_name', 'inmates.registration_number', 'inmates.block', 'visitors.id as visitor_id', 'visitors.name as visitor_name', 'visitors.nik_encrypted', 'visitors.relationship'])
        .where('inmates.id', '=', ticket.inmate_id)
        .where('visitors.id', '=', ticket.visitor_id)
        .executeTakeFirstOrThrow(),
    ]);
    return {
      ...view,
      inmate: { name: people.inmate_name, registrationNumber: people.registration_number, block: people.block },
      visitor: { name: people.visitor_name, nik: ctx.nikVault.reveal(people.visitor_id, people.nik_encrypted), relationship: people.relationship },
    };
  }

  // The station sees the visitor's full NIK (to compare with the KTP at the window): audited.
  router.get('/officer/drive-thru/tickets/:ticket', officers, async (req, res) => {
    const ticket = await ticketInFacility(req);
    await appendAudit(ctx.storage, { actorKind: 'officer', actorId: officerOf(req).sub, facilityId: ticket.facility_id, action: 'drive_thru.view', subjectKind: 'drive_thru_ticket', subjectId: ticket.id });
    res.json(await officerTicketView(ticket));
  });

  /**
   * Guarded status change: only from `from`, so two stations cannot act on one ticket at once.
   * The change and its audit entry are stored together.
   */
  async function moveTicket(req: Request, ticket: { id: string; facility_id: string }, from: DriveThruTicketStatus, to: DriveThruTicketStatus, action: string): Promise<void> {
    await audited(
      ctx.storage,
      async (tx) => {
        const r = await tx.db
          .updateTable('drive_thru_tickets')
          .set({ status: to, updated_at: new Date().toISOString() })
          .where('id', '=', ticket.id)
          .where('status', '=', from)
          .executeTakeFirst();
        if (Number(r.numUpdatedRows) !== 1) throw new HttpError(409, 'invalid_transition', `the ticket is not ${from}`);
      },
      () => ({ actorKind: 'officer', actorId: officerOf(req).sub, facilityId: ticket.facility_id, action, subjectKind: 'drive_thru_ticket', subjectId: ticket.id }),
    );
  }

  router.post('/officer/drive-thru/tickets/:ticket/serve', officers, async (req, res) => {
    const ticket = await ticketInFacility(req);
    await moveTicket(req, ticket, 'booked', 'serving', 'drive_thru.serve');
    res.json(await officerTicketView({ ...ticket, status: 'serving' }));
  });

  router.post('/officer/drive-thru/tickets/:ticket/inspect', officers, async (req, res) => {
    const ticket = await ticketInFacility(req);
    const officer = officerOf(req);
    const body = parseInput(inspectBody, req.body);
    const items = await ticketItems(ctx.storage, ticket.id);
    const decided = new Map(body.items.map((d) => [d.itemId, d]));
    const fields: Record<string, string[]> = {};
    items.forEach((item, i) => {
      if (!decided.has(item.id)) fields[`items.${i}`] = [`no decision for item ${item.id}`];
    });
    body.items.forEach((d, i) => {
      if (!items.some((item) => item.id === d.itemId)) fields[`items.${i}.itemId`] = ['not an item of this ticket'];
    });
    if (Object.keys(fields).length > 0) throw new HttpError(400, 'validation_failed', 'every item of the ticket needs one decision', fields);
    const accepted = body.items.filter((d) => d.decision === 'accepted').length;
    const to: DriveThruTicketStatus = accepted > 0 ? 'inspected' : 'rejected';
    const now = new Date().toISOString();
    await audited(ctx.storage, async ({ db: trx }) => {
      const moved = await trx.updateTable('drive_thru_tickets').set({ status: to, updated_at: now }).where('id', '=', ticket.id).where('status', '=', 'serving').executeTakeFirst();
      if (Number(moved.numUpdatedRows) !== 1) throw new HttpError(409, 'invalid_transition', 'the ticket is not being served');
      for (const d of body.items) {
        await trx
          .updateTable('drive_thru_items')
          .set({ decision: d.decision, reason: d.reason ?? null, decided_by: officer.sub, decided_at: now })
          .where('id', '=', d.itemId)
          .where('ticket_id', '=', ticket.id)
          .execute();
      }
    }, () => ({
      actorKind: 'officer', actorId: officer.sub, facilityId: ticket.facility_id, action: 'drive_thru.inspect',
      subjectKind: 'drive_thru_ticket', subjectId: ticket.id,
      details: { outcome: to, decisions: body.items.map((d) => ({ itemId: d.itemId, decision: d.decision, reason: d.reason ?? null })) },
    }));
    res.json(await officerTicketView({ ...ticket, status: to }));
  });

  router.post('/officer/drive-thru/tickets/:ticket/deliver', officers, async (req, res) => {
    const ticket = await ticketInFacility(req);
    await moveTicket(req, ticket, 'inspected', 'delivered', 'drive_thru.deliver');
    res.json(await officerTicketView({ ...ticket, status: 'delivered' }));
  });

  return router;
}
