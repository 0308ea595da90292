import { Router } from 'express';
import type { AppContext } from '../context.ts';
import { boothRoutes } from '../facilities/booth-routes.ts';
import { officerAccountRoutes } from '../officers/account-routes.ts';
import { inmateRoutes } from './inmate-routes.ts';
import { privilegedApprovalRoutes } from './privileged-approval.ts';
import { facilityRulesRoutes } from './rules-routes.ts';
import { visitRoutes } from './visit-routes.ts';

/** Officer-facing administration under /api: booths and devices, inmates and visitors, visits, facility rules and slots, officer accounts. */
export function visitAdminRoutes(ctx: AppContext): Router {
  const router = Router();
  router.use(boothRoutes(ctx), inmateRoutes(ctx), visitRoutes(ctx), facilityRulesRoutes(ctx), privilegedApprovalRoutes(ctx), officerAccountRoutes(ctx));
  return router;
}
