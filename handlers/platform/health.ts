import * as z from 'zod';
import { defineEndpoint, NO_STORE, type EndpointContext } from '../kit/endpoint.ts';

const report = z
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
  .meta({ id: 'HealthReport' });

/**
 * Whether the caller may see the checks (dependency names, driver messages): the metrics token when one is
 * configured, or an admin credential. Never an error: a caller who is neither gets the short answer.
 */
const seesDetails = async (ctx: EndpointContext): Promise<boolean> => {
  const authorization = ctx.headers.authorization;
  if (!authorization) return false;
  const metrics = ctx.ports.metrics;
  // `authorize(undefined)` is true only when no token is configured: then the token grants nothing here.
  if (metrics && !metrics.authorize(undefined) && metrics.authorize(authorization)) return true;
  try {
    const principal = await ctx.ports.auth.authenticate({ authorization, sourceIp: ctx.sourceIp, requestId: ctx.requestId }, ctx.signal);
    return principal?.kind === 'admin';
  } catch {
    return false; // the database holding the keys may be the dependency that is down
  }
};

export const health = defineEndpoint({
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
    const result = await ctx.ports.health.report();
    const body = (await seesDetails(ctx)) ? result : { status: result.status, checkedAt: result.checkedAt };
    return { status: result.status === 'ok' ? 200 : 503, body, headers: NO_STORE };
  },
});
