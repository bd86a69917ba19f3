import * as z from 'zod';
import { defineEndpoint, NO_STORE } from '../kit/endpoint.ts';

const report = z
  .object({
    status: z.enum(['ok', 'failing']),
    checkedAt: z.iso.datetime(),
    checks: z.array(
      z.object({
        name: z.string(),
        status: z.enum(['up', 'down']),
        durationMs: z.number().int().nonnegative(),
        error: z.string().optional(),
      }),
    ),
  })
  .meta({ id: 'HealthReport' });

export const health = defineEndpoint({
  id: 'platform.health',
  method: 'GET',
  path: '/health',
  summary: 'Liveness and readiness: every critical dependency checked',
  description:
    '200 when every critical dependency answers within its timeout; 503 naming the ones that did not. One round of checks serves all callers for HEALTH_CACHE_MS (1 s by default; `checkedAt` says when it ran).',
  tags: ['platform'],
  access: 'public',
  responses: { 200: report, 503: report },
  run: async (_input, { ports }) => {
    const result = await ports.health.report();
    return result.status === 'ok'
      ? { status: 200, body: result, headers: NO_STORE }
      : { status: 503, body: result, headers: NO_STORE };
  },
});
