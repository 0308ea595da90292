import { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../context.ts';

export const publicFacilityList = z.object({
  facilities: z.array(z.object({ id: z.string(), code: z.string(), name: z.string() })),
});

/** GET /api/public/facilities: what the complaint and drive-thru forms offer to choose from. */
export function publicFacilityRoutes(ctx: AppContext): Router {
  const router = Router();
  router.get('/public/facilities', async (_req, res) => {
    const rows = await ctx.storage.db.selectFrom('facilities').select(['id', 'code', 'name']).orderBy('name').execute();
    res.set('Cache-Control', 'public, max-age=60');
    res.json({ facilities: rows });
  });
  return router;
}
