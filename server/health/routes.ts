import { Router } from 'express';
import type { Storage } from '../storage/database.ts';
import type { WorkerPool } from '../media/worker-pool.ts';

/** GET /healthz: 200 when every mediasoup worker is alive and the database answers, else 503. */
export function healthRoutes(deps: { storage: Storage; pool: WorkerPool }): Router {
  const router = Router();
  router.get('/healthz', async (_req, res) => {
    const workers = deps.pool.health();
    let database: { kind: string; ok: boolean; error?: string };
    try {
      await deps.storage.ping();
      database = { kind: deps.storage.kind, ok: true };
    } catch (err) {
      database = { kind: deps.storage.kind, ok: false, error: (err as Error).message };
    }
    const ok = database.ok && workers.length > 0 && workers.every((w) => w.alive);
    res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'degraded', workers, database });
  });
  return router;
}
