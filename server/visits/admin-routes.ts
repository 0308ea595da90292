import { Router } from 'express';
import type { AppContext } from '../context.ts';
import { boothRoutes } from '../facilities/booth-routes.ts';
import { facilityRoutes } from '../facilities/facility-routes.ts';
import { officerAssignmentRoutes } from '../officers/assignment-routes.ts';
import { officerAccountRoutes } from '../officers/account-routes.ts';
import { inmateRoutes } from './inmate-routes.ts';
import { privilegedApprovalRoutes } from './privileged-approval.ts';
import { facilityRulesRoutes } from './rules-routes.ts';
import { visitConfirmationRoutes } from './visit-confirmation.ts';
import { visitRoutes } from './visit-routes.ts';
import { visitorRoutes } from './visitor-routes.ts';

/** Officer-facing administration under /api: booths and devices, inmates and visitors, visits, facility rules and slots, officer accounts, facilities. */
export function visitAdminRoutes(ctx: AppContext): Router {
  const router = Router();
  router.use(boothRoutes(ctx), inmateRoutes(ctx), visitorRoutes(ctx), visitRoutes(ctx), facilityRulesRoutes(ctx), privilegedApprovalRoutes(ctx), officerAccountRoutes(ctx));
  router.use(visitConfirmationRoutes(ctx));
  router.use(facilityRoutes(ctx), officerAssignmentRoutes(ctx));
  return router;
}
