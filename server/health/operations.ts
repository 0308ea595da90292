import { z } from 'zod';
import type { Operation } from '../http/openapi.ts';

const health = z.object({
  status: z.enum(['ok', 'degraded']),
  workers: z.array(z.looseObject({ alive: z.boolean() })).optional().describe('only for a client on this machine or a signed-in officer'),
  database: z.object({ kind: z.string(), ok: z.boolean(), error: z.string().optional() }).optional().describe('only for a client on this machine or a signed-in officer'),
});

export const healthOperations: Operation[] = [
  {
    method: 'get', path: '/healthz', tag: 'health', summary: 'Liveness: every media worker alive and the database answers',
    success: { status: 200, schema: health }, otherResponses: [{ status: 503, schema: health, description: 'degraded (same body)' }],
  },
];
