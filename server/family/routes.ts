import { Router } from 'express';
import type { AppContext } from '../context.ts';
import { KtpFiles } from './ktp-files.ts';
import { registrationRoutes } from './registration-routes.ts';
import { signInRoutes } from './sign-in-routes.ts';
import { verificationRoutes } from './verification-routes.ts';

/** Family self-service under /api/family: registration, verification by officers, code sign-in. */
export function familyRoutes(ctx: AppContext, options: { clock?: () => Date } = {}): Router {
  const router = Router();
  const ktpFiles = new KtpFiles(ctx.config.dataDir);
  router.use(registrationRoutes(ctx, ktpFiles));
  router.use(verificationRoutes(ctx, ktpFiles));
  router.use(signInRoutes(ctx, options.clock));
  return router;
}
