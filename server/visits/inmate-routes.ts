import { Router, type Request } from 'express';
import { z } from 'zod';
import { appendAudit, audited } from '../audit/audit-log.ts';
import { assertSameFacility, officerOf, requireOfficer } from '../auth/require-officer.ts';
import type { AppContext } from '../context.ts';
import { HttpError } from '../http/errors.ts';
import { parseInput } from '../http/validate.ts';
import { isUniqueViolation } from '../storage/unique-violation.ts';
import { COUNSEL, createInmate, createVisitor, findInmate, inmateView, listVisitors, RELATIONSHIPS, searchInmates, visitorView } from './inmate-store.ts';
import { nikProblem } from './nik.ts';

export const idParam = z.strictObject({ id: z.uuid() });
const oneLine = (max: number) => z.string().trim().min(1).max(max).regex(/^[^\p{Cc}]*$/u, 'must not contain control characters');

export const searchQuery = z.strictObject({
  q: z.string().trim().max(80).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  offset: z.coerce.number().int().min(0).max(100_000).default(0),
});
export const inmateBody = z.strictObject({
  registrationNumber: oneLine(40),
  name: oneLine(120),
  block: oneLine(40),
});
/** An advocate's credential number as printed on the card: letters, digits, `.`, `/`, `-`, spaces. */
const advocateCredential = z
  .string()
  .trim()
  .min(3)
  .max(40)
  .regex(/^[A-Za-z0-9./ -]+$/, 'only letters, digits, ".", "/", "-" and spaces')
  .regex(/[A-Za-z0-9]/, 'must contain a letter or a digit');
export const visitorBody = z
  .strictObject({
    name: oneLine(120),
    nik: z.string().trim().superRefine((nik, c) => {
      const problem = nikProblem(nik);
      if (problem) c.addIssue({ code: 'custom', message: problem });
    }),
    relationship: z.enum(RELATIONSHIPS),
    advocateCredential: advocateCredential.optional(),
  })
  .superRefine((b, c) => {
    if (b.relationship === COUNSEL && b.advocateCredential === undefined) {
      c.addIssue({ code: 'custom', path: ['advocateCredential'], message: `required for ${COUNSEL}` });
    }
    if (b.relationship !== COUNSEL && b.advocateCredential !== undefined) {
      c.addIssue({ code: 'custom', path: ['advocateCredential'], message: `only for ${COUNSEL}` });
    }
  });

/**
 * GET/POST /api/inmates, GET /api/inmates/:id, GET/POST /api/inmates/:id/visitors.
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
    const query = parseInput(searchQuery, req.query, 'query');
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

  router.get('/inmates/:id', anyOfficer, async (req, res) => {
    res.json({ inmate: inmateView(await inmateOf(req)) });
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
    res.json({ visitors: visitors.map(visitorView) });
  });

  router.post('/inmates/:id/visitors', anyOfficer, async (req, res) => {
    const inmate = await inmateOf(req);
    const officer = officerOf(req);
    const body = parseInput(visitorBody, req.body);
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
