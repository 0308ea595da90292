import { Router } from 'express';
import { appendAudit } from '../audit/audit-log.ts';
import { officerOf, requireOfficer } from '../auth/require-officer.ts';
import type { AppContext } from '../context.ts';
import { MAX_CSV_BYTES, uploadedCsvText } from '../csv/csv-file.ts';
import { HttpError } from '../http/errors.ts';
import { PUBLIC_ACTOR } from '../public-services/public-actor.ts';
import { parseInput } from '../http/validate.ts';
import { clientKey, createPairGuard, createRateLimit } from '../public-services/rate-limits.ts';
import { singleFileUpload } from '../public-services/uploads.ts';
import { parseRemisiCsv } from './csv-import.ts';
import { lookupRemisi, replaceRemisiRecords, unknownRegistrations } from './remisi-store.ts';
import { remisiLookupBody } from './schemas.ts';

/** One answer for a wrong pair, an unknown inmate and a missing record alike. */
export const REMISI_NOT_FOUND = 'Data tidak ditemukan. Periksa nomor registrasi dan NIK keluarga yang terdaftar.';

/** POST /api/remisi/lookup (public); GET /api/officer/remisi, POST /api/officer/remisi/import (officers). */
export function remisiRoutes(ctx: AppContext): Router {
  const router = Router();
  const limits = ctx.config.publicServices.rateLimits;
  const perClient = createRateLimit('remisi-client', limits.remisiLookupPerClient);
  const wrongPairs = createPairGuard('remisi-failures', limits.remisiFailuresPerRegistrationAndClient, limits.remisiLookupPerRegistration);

  router.post('/remisi/lookup', async (req, res) => {
    const client = clientKey(req);
    await perClient.consume(res, client);
    const body = parseInput(remisiLookupBody, req.body);
    const attempt = await wrongPairs.admit(res, body.registrationNumber, client);
    const record = await lookupRemisi(ctx.storage, body.registrationNumber, ctx.nikVault.lookupHash(body.nik));
    await appendAudit(ctx.storage, {
      ...PUBLIC_ACTOR,
      action: 'remisi.lookup',
      subjectKind: 'registration_number',
      subjectId: body.registrationNumber,
      // The NIK itself stays out of the trail; its last 4 digits are enough to follow up a complaint.
      details: { found: !!record, nikLast4: body.nik.slice(-4) },
    });
    if (!record) {
      await attempt.failed();
      throw new HttpError(404, 'not_found', REMISI_NOT_FOUND);
    }
    await attempt.passed();
    res.json(record);
  });

  const importers = requireOfficer(ctx, ['supervisor', 'admin']);

  router.get('/officer/remisi', requireOfficer(ctx), async (req, res) => {
    const { fac } = officerOf(req);
    const row = await ctx.storage.db
      .selectFrom('remisi_records')
      .select((eb) => [eb.fn.countAll<number>().as('records'), eb.fn.max('imported_at').as('last')])
      .where('facility_id', '=', fac)
      .executeTakeFirst();
    res.json({ records: Number(row?.records ?? 0), lastImportAt: row?.last ?? null });
  });

  router.post('/officer/remisi/import', importers, singleFileUpload('file', MAX_CSV_BYTES), async (req, res) => {
    const officer = officerOf(req);
    const { text, fileName: file } = uploadedCsvText(req);
    const parsed = parseRemisiCsv(text);
    if (!parsed.ok) {
      await appendAudit(ctx.storage, {
        actorKind: 'officer', actorId: officer.sub, facilityId: officer.fac, action: 'remisi.import_rejected',
        details: { file, problems: Object.keys(parsed.errors).length },
      });
      throw new HttpError(400, 'invalid_rows', 'the file has invalid rows; nothing was imported', parsed.errors);
    }
    const unmatched = await unknownRegistrations(ctx.storage, officer.fac, parsed.records.map((r) => r.registrationNumber));
    const entries = parsed.records.reduce((n, r) => n + r.entries.length, 0);
    const { importId } = await replaceRemisiRecords(ctx.storage, officer.fac, parsed.records, (id) => ({
      actorKind: 'officer', actorId: officer.sub, facilityId: officer.fac, action: 'remisi.import',
      subjectKind: 'remisi_import', subjectId: id,
      details: { file, records: parsed.records.length, entries, unmatched: unmatched.length },
    }));
    res.status(201).json({ importId, records: parsed.records.length, entries, unmatchedRegistrationNumbers: unmatched });
  });

  return router;
}
