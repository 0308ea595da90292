import { Router, type ErrorRequestHandler } from 'express';
import { complaintRoutes } from '../complaints/routes.ts';
import type { AppContext } from '../context.ts';
import { driveThruRoutes } from '../drive-thru/routes.ts';
import { remisiRoutes } from '../remisi/routes.ts';
import { publicFacilityRoutes } from './facilities.ts';
import { publicServicesOpenApi } from './openapi.ts';
import { bodyErrorsAsFieldErrors } from './uploads.ts';

const PUBLIC_SERVICE_PATHS = /^\/(remisi|complaints|drive-thru|public|officer\/(remisi|complaints|complaint-assignees|drive-thru))(\/|$)/;

/** The routers of the public services, in mounting order; each is exported for route-level tests. */
export function publicServicesRouters(ctx: AppContext): Router[] {
  const meta = Router();
  meta.get('/public-services/openapi.json', (_req, res) => {
    res.json(publicServicesOpenApi(ctx.publicUrl()));
  });
  return [meta, publicFacilityRoutes(ctx), remisiRoutes(ctx), complaintRoutes(ctx), driveThruRoutes(ctx)];
}

/** Mounted under /api: remisi, complaints, drive-thru, their OpenAPI document. */
export function publicServicesRoutes(ctx: AppContext): Array<Router | ErrorRequestHandler> {
  return [...publicServicesRouters(ctx), bodyErrorsAsFieldErrors(PUBLIC_SERVICE_PATHS)];
}
