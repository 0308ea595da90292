import { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../context.ts';
import { parseInput } from '../http/validate.ts';
import { clientKey, createRateLimit } from '../public-services/rate-limits.ts';
import type { CallService } from './call-service.ts';
import { Refusal } from './call-error.ts';

export const joinCheckBody = z.strictObject({ token: z.string().min(1).max(4096) });
export const joinCheckAnswer = z.object({ accepted: z.boolean() });

/** A page load makes one request; a family reopening the link now and then stays far below. */
const PER_CLIENT = { points: 30, durationSeconds: 60 };

/**
 * POST /api/join-links/check {token} (public): whether a family join link would be admitted now,
 * by the call socket's own admission (nothing is joined, taken over or stored). The family page
 * asks it while its call script still loads, so the camera starts as soon as the link is known
 * good rather than after the socket's hello; a refused or early link never opens the camera,
 * and the reason is told by the socket as before, so this answers only yes or no.
 */
export function joinCheckRoutes(ctx: AppContext, calls: () => CallService): Router {
  const router = Router();
  const perClient = createRateLimit('join-check-client', PER_CLIENT);
  router.post('/join-links/check', async (req, res) => {
    await perClient.consume(res, clientKey(req));
    const { token } = parseInput(joinCheckBody, req.body);
    try {
      await calls().admit(token, 'family');
      res.json({ accepted: true });
    } catch (err) {
      if (!(err instanceof Refusal)) throw err;
      ctx.logger.debug({ code: err.code }, 'join link check refused');
      res.json({ accepted: false });
    }
  });
  return router;
}
