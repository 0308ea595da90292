import { Router, type Request, type RequestHandler } from 'express';
import { audited } from '../audit/audit-log.ts';
import type { AppContext } from '../context.ts';
import { HttpError } from '../http/errors.ts';
import { parseInput } from '../http/validate.ts';
import { clientKey, createRateLimit } from '../public-services/rate-limits.ts';
import { singleFileUpload } from '../public-services/uploads.ts';
import { isUniqueViolation } from '../storage/unique-violation.ts';
import { cleanKtpImage, KTP_MAX_BYTES, type KtpFiles } from './ktp-files.ts';
import { submitRegistration } from './registration-store.ts';
import { registrationBody } from './schemas.ts';

export const REGISTRATIONS_PER_CLIENT = { points: 10, durationSeconds: 60 * 60 };

/** Multipart forms send empty inputs as "": treat them as absent, like a JSON body would. */
function formFields(req: Request): unknown {
  if (!req.is('multipart/form-data')) return req.body;
  return Object.fromEntries(Object.entries((req.body ?? {}) as Record<string, unknown>).filter(([, v]) => v !== ''));
}

/**
 * Public POST /api/family/registrations: always 202 { status: 'pending' } for valid input, whether
 * or not the registration number belongs to an inmate and whether the same request already waits.
 */
export function registrationRoutes(ctx: AppContext, ktpFiles: KtpFiles): Router {
  const router = Router();
  const limit = createRateLimit('family-registration', REGISTRATIONS_PER_CLIENT);
  // Taken before the upload is read, so a flood of large files costs little.
  const limitClients: RequestHandler = async (req, res, next) => {
    await limit.consume(res, clientKey(req));
    next();
  };

  router.post('/family/registrations', limitClients, singleFileUpload('ktp', KTP_MAX_BYTES), async (req, res) => {
    const body = parseInput(registrationBody, formFields(req));
    const facility = await ctx.storage.db.selectFrom('facilities').select('id').where('id', '=', body.facilityId).executeTakeFirst();
    if (!facility) throw new HttpError(400, 'validation_failed', 'invalid request body', { facilityId: ['unknown facility'] });
    const ktp = await cleanKtpImage(req.file);
    const file = await ktpFiles.save(ktp.data);
    const input = { ...body, email: body.email ?? null };
    const submit = () => audited(ctx.storage, (tx) => submitRegistration(tx, ctx.nikVault, input, { file, type: ktp.type }), (created) =>
      created
        ? { actorKind: 'family' as const, actorId: created.account_id, facilityId: created.facility_id, action: 'family.registration.submitted', subjectKind: 'family_registration', subjectId: created.id, details: { matched: created.inmate_id !== null } }
        : undefined);
    let created;
    try {
      // Two first registrations of one NIK at once: the loser finds the winner's account on retry.
      created = await submit().catch((err: unknown) => (isUniqueViolation(err) ? submit() : Promise.reject(err)));
    } catch (err) {
      await ktpFiles.remove(file);
      throw err;
    }
    if (!created) await ktpFiles.remove(file);
    res.status(202).json({ status: 'pending' });
  });

  return router;
}
