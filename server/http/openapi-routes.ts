import { Router } from 'express';
import type { AppContext } from '../context.ts';
import { apiDocument } from './api-operations.ts';

/** GET /api/openapi.json (mounted under /api); built once, the server URL is known only after listening. */
export function openApiRoutes(ctx: Pick<AppContext, 'config' | 'publicUrl'>): Router {
  const router = Router();
  let document: string | undefined;
  router.get('/openapi.json', (_req, res) => {
    document ??= JSON.stringify(apiDocument(ctx.config, ctx.publicUrl()));
    res.set('Cache-Control', 'no-cache');
    res.type('application/json').send(document);
  });
  return router;
}
