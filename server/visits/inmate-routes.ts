import { Router, type Request } from 'express';
import { z } from 'zod';
import { appendAudit, audited } from '../audit/audit-log.ts';
import { assertSameFacility, officerOf, requireOfficer } from '../auth/require-officer.ts';
import type { AppContext } from '../context.ts';
import { MAX_CSV_BYTES, uploadedCsvText } from '../csv/csv-file.ts';
import { HttpError } from '../http/errors.ts';
import { fieldErrors, parseInput } from '../http/validate.ts';
import { singleFileUpload } from '../public-services/uploads.ts';
import { isUniqueViolation } from '../storage/unique-violation.ts';
import { cancelledVisitViews, changeInmate, importInmateRegister, parseInmateCsv } from './inmate-register.ts';
import { COUNSEL, createInmate, createVisitor, findInmate, inmateView, listVisitors, RELATIONSHIPS, searchInmates, visitorView } from './inmate-store.ts';
import { nikIssue, nikProblem } from './nik.ts';
import { advocateCredential, inmateFields, inmateListQuery, inmateUpdateBody, oneLine, phone } from './people-schemas.ts';

export const idParam = z.strictObject({ id: z.uuid() });

export const inmateBody = z.strictObject(inmateFields);
export const visitorBody = z
  .strictObject({
    name: oneLine(120),
    nik: z.string().trim().superRefine((nik, c) => {
      const problem = nikProblem(nik);
      if (problem) c.addIssue({ code: 'custom', message: problem });
    }),
    relationship: z.enum(RELATIONSHIPS),
    advocateCredential: advocateCredential.optional(),
    /** Required by the desk page for new registrations; optional here, as visitors registered before it have none. */
    phone: phone.optional(),
  })
  .superRefine((b, c) => {
    if (b.relationship === COUNSEL && b.advocateCredential === undefined) {
      c.addIssue({ code: 'custom', path: ['advocateCredential'], message: `required for ${COUNSEL}` });
    }
    if (b.relationship !== COUNSEL && b.advocateCredential !== undefined) {
      c.addIssue({ code: 'custom', path: ['advocateCredential'], message: `only for ${COUNSEL}` });
    }
  });

/** Like parseInput, plus error.details.nikProblem (which part of the NIK is wrong) when the NIK is refused. */
function parseVisitorBody(input: unknown) {
  const result = visitorBody.safeParse(input);
  if (result.success) return result.data;
  const nik = (input as { nik?: unknown } | null)?.nik;
  const issue = typeof nik === 'string' ? nikIssue(nik.trim()) : null;
  throw new HttpError(400, 'validation_failed', 'invalid request body', fieldErrors(result.error), issue ? { details: { nikProblem: issue.code } } : {});
}

/**
 * GET/POST /api/inmates, GET/PATCH /api/inmates/:id, POST /api/inmates/import,
 * GET/POST /api/inmates/:id/visitors.
 * Inmates come from the facility's registry (supervisors, admins); any officer registers
 * family members at the visit desk.
 */
export function inmateRoutes(ctx: AppContext): Router {
  const router = Router();
  const anyOfficer = requireOfficer(ctx);
  const manager = requireOfficer(ctx, ['supervisor', 'admin']);

  async function inmateOf(req: Request) {
    const { id } = parseInput(idParam, req.params, 'path');
    const inmate = await findInmate(ctx.storage, id);
    if (!inmate) throw new HttpError(404, 'not_found', 'inmate not found');
    assertSameFacility(req, inmate.facility_id);
    return inmate;
  }

  router.get('/inmates', anyOfficer, async (req, res) => {
    const query = parseInput(inmateListQuery, req.query, 'query');
    const inmates = await searchInmates(ctx.storage, officerOf(req).fac, query);
    res.json({ inmates: inmates.map(inmateView) });
  });

  router.post('/inmates', manager, async (req, res) => {
    const officer = officerOf(req);
    const body = parseInput(inmateBody, req.body);
    const inmate = await audited(ctx.storage, (tx) => createInmate(tx, officer.fac, body), (created) => ({
      actorKind: 'officer', actorId: officer.sub, facilityId: officer.fac, action: 'inmate.created', subjectKind: 'inmate', subjectId: created.id,
      details: { registrationNumber: created.registration_number },
    })).catch((err: unknown) => {
      if (isUniqueViolation(err)) throw new HttpError(409, 'registration_number_taken', 'an inmate with this registration number exists in this facility');
      throw err;
    });
    res.status(201).json({ inmate: inmateView(inmate) });
  });

  // One bad row rejects the whole file; problems come back per line and column.
  router.post('/inmates/import', manager, singleFileUpload('file', MAX_CSV_BYTES), async (req, res) => {
    const officer = officerOf(req);
    const { text, fileName: file } = uploadedCsvText(req);
    const parsed = parseInmateCsv(text);
    if (!parsed.ok) {
      await appendAudit(ctx.storage, {
        actorKind: 'officer', actorId: officer.sub, facilityId: officer.fac, action: 'inmate.import_rejected', details: { file, problems: parsed.problems.length },
      });
      const whole = parsed.problems.filter((p) => p.line === null).map((p) => p.message);
      const lines = parsed.problems.flatMap((p) => (p.line === null ? [] : [{ line: p.line, column: p.column, message: p.message }]));
      throw new HttpError(400, 'csv_invalid', 'the file has problems; nothing was imported', whole.length > 0 ? { file: whole } : undefined, { lines });
    }
    const counts = await audited(ctx.storage, (tx) => importInmateRegister(tx, officer.fac, parsed.rows), (done) => ({
      actorKind: 'officer', actorId: officer.sub, facilityId: officer.fac, action: 'inmate.imported', subjectKind: 'facility', subjectId: officer.fac,
      details: { file, rows: parsed.rows.length, ...done },
    }));
    res.json(counts);
  });

  router.get('/inmates/:id', anyOfficer, async (req, res) => {
    res.json({ inmate: inmateView(await inmateOf(req)) });
  });

  // Leaving (transferred, released) cancels the inmate's scheduled visits in the same transaction.
  // A call live right now is not cut: ending a call is an officer's decision on the live page.
  // Families are not notified by the server (there is no channel yet): the answer lists who to tell.
  router.patch('/inmates/:id', manager, async (req, res) => {
    const inmate = await inmateOf(req);
    const officer = officerOf(req);
    const body = parseInput(inmateUpdateBody, req.body);
    const statusChanges = body.status !== undefined && body.status !== inmate.status;
    if (statusChanges && body.reason === undefined) throw new HttpError(400, 'validation_failed', 'invalid request body', { reason: ['required when the status changes'] });
    const result = await audited(ctx.storage, (tx) => changeInmate(tx, inmate, body, officer.sub), (done) => [
      {
        actorKind: 'officer' as const, actorId: officer.sub, facilityId: officer.fac, action: statusChanges ? 'inmate.status_changed' : 'inmate.updated',
        subjectKind: 'inmate', subjectId: inmate.id, reason: statusChanges ? body.reason : null,
        details: {
          changed: (['name', 'block', 'status'] as const).filter((k) => body[k] !== undefined && body[k] !== inmate[k]),
          ...(statusChanges ? { from: inmate.status, to: done.inmate.status, cancelledVisitIds: done.cancelled.map((v) => v.id), liveVisitIds: done.liveVisitIds } : {}),
        },
      },
      ...done.cancelled.map((v) => ({
        actorKind: 'officer' as const, actorId: officer.sub, facilityId: officer.fac, action: 'visit.cancelled', subjectKind: 'visit', subjectId: v.id,
        reason: body.reason, details: { endReason: v.end_reason },
      })),
    ]);
    res.json({
      inmate: inmateView(result.inmate),
      cancelledVisitIds: result.cancelled.map((v) => v.id),
      cancelledVisits: await cancelledVisitViews(ctx.storage, result.cancelled),
      liveVisitIds: result.liveVisitIds,
    });
  });

  // Names and relationships of a family are personal data: who looked them up is audited.
  router.get('/inmates/:id/visitors', anyOfficer, async (req, res) => {
    const inmate = await inmateOf(req);
    const officer = officerOf(req);
    const visitors = await listVisitors(ctx.storage, inmate.id);
    await appendAudit(ctx.storage, {
      actorKind: 'officer', actorId: officer.sub, facilityId: officer.fac, action: 'visitor.list', subjectKind: 'inmate', subjectId: inmate.id,
      details: { count: visitors.length },
    });
    res.json({ visitors: visitors.map((v) => visitorView(v)) });
  });

  router.post('/inmates/:id/visitors', anyOfficer, async (req, res) => {
    const inmate = await inmateOf(req);
    const officer = officerOf(req);
    const body = parseVisitorBody(req.body);
    // The NIK stays out of the append-only audit log: it could never be erased from there.
    const visitor = await audited(ctx.storage, (tx) => createVisitor(tx, ctx.nikVault, inmate.id, body), (created) => ({
      actorKind: 'officer', actorId: officer.sub, facilityId: officer.fac, action: 'visitor.registered', subjectKind: 'visitor', subjectId: created.id,
      details: { inmateId: inmate.id, relationship: created.relationship, ...(created.advocate_credential ? { advocateCredential: created.advocate_credential } : {}) },
    })).catch((err: unknown) => {
      if (isUniqueViolation(err)) throw new HttpError(409, 'visitor_exists', 'this NIK is already registered for this inmate');
      throw err;
    });
    res.status(201).json({ visitor: visitorView(visitor) });
  });

  return router;
}
