import { Router, type Request, type Response } from 'express';
import { requireOfficer } from '../auth/require-officer.ts';
import type { AppContext } from '../context.ts';
import { isLoopbackAddress } from '../http/client-address.ts';
import type { WorkerPool } from '../media/worker-pool.ts';

/** The request's client (X-Forwarded-For only from a loopback proxy, as express resolves it) is this machine. */
function fromLoopback(req: Request): boolean {
  const ip = req.ip ?? req.socket.remoteAddress;
  return ip !== undefined && isLoopbackAddress(ip);
}

/** A valid officer bearer token of an enabled officer (the same check as every officer route). */
async function fromOfficer(ctx: Pick<AppContext, 'tokens' | 'storage'>, req: Request, res: Response): Promise<boolean> {
  if (!req.get('authorization')) return false;
  return new Promise((resolve) => {
    void requireOfficer(ctx)(req, res, (err?: unknown) => resolve(!err));
  });
}

/**
 * GET /healthz: 200 when every mediasoup worker is alive and the database answers, else 503.
 * Anyone gets the status; worker PIDs and database errors help an attacker, so only a client on
 * this machine or a signed-in officer gets them.
 */
export function healthRoutes(ctx: Pick<AppContext, 'tokens' | 'storage'>, pool: WorkerPool): Router {
  const router = Router();
  router.get('/healthz', async (req, res) => {
    const workers = pool.health();
    let database: { kind: string; ok: boolean; error?: string };
    try {
      await ctx.storage.ping();
      database = { kind: ctx.storage.kind, ok: true };
    } catch (err) {
      database = { kind: ctx.storage.kind, ok: false, error: (err as Error).message };
    }
    const ok = database.ok && workers.length > 0 && workers.every((w) => w.alive);
    const status = ok ? 'ok' : 'degraded';
    res.set('Cache-Control', 'no-store');
    const details = fromLoopback(req) || (await fromOfficer(ctx, req, res));
    res.status(ok ? 200 : 503).json(details ? { status, workers, database } : { status });
  });
  return router;
}
