import * as z from 'zod';
import { readHealth } from '../../core/platform/health.ts';
import type { HealthReport } from '../../core/platform/model.ts';
import { defineEndpoint, NO_STORE } from '../kit/endpoint.ts';
import { schemaOf } from '../kit/schema.ts';

/** One schema for both answers: `checks` is left out of the public one. */
const report = schemaOf<Omit<HealthReport, 'checks'> & Partial<Pick<HealthReport, 'checks'>>>()(
  z
    .object({
      status: z.enum(['ok', 'failing']),
      checkedAt: z.iso.datetime(),
      checks: z
        .array(
          z.object({
            name: z.string(),
            status: z.enum(['up', 'down']),
            durationMs: z.number().int().nonnegative(),
            error: z.string().optional(),
          }),
        )
        .optional()
        .describe('Each dependency by name with its error: only for an admin credential or the metrics token'),
    })
    .meta({ id: 'HealthReport' }),
);

export const healthEndpoint = defineEndpoint({
  id: 'platform.health',
  method: 'GET',
  path: '/health',
  summary: 'Liveness and readiness: every critical dependency checked',
  description:
    '200 when every critical dependency answers within its timeout, 503 when one does not. The public answer is ' +
    'the status and when it was checked; `checks` (each dependency by name, with its error) is added for ' +
    '`Authorization: Bearer <admin key>` or `Bearer <METRICS_TOKEN>`. One round of checks serves all callers for ' +
    'HEALTH_CACHE_MS (1 s by default; `checkedAt` says when it ran).',
  tags: ['platform'],
  access: 'public',
  responses: { 200: report, 503: report },
  run: async (_input, ctx) => {
    const credentials = { authorization: ctx.headers.authorization, sourceIp: ctx.sourceIp, requestId: ctx.requestId };
    const body = await readHealth(ctx.ports, credentials, ctx.signal);
    return { status: body.status === 'ok' ? 200 : 503, body, headers: NO_STORE };
  },
});
