// The comparison server: fastify 5 with the same two endpoints as ours, zod validating the POST body,
// and one access line per request (pino), like our access log.
import Fastify from 'fastify';
import * as z from 'zod';

const orderBody = z.object({
  sku: z.string().min(1).max(64),
  quantity: z.number().int().min(1).max(1000),
  unitPrice: z.number().int().nonnegative(),
  note: z.string().max(200).optional(),
});

const app = Fastify({ logger: process.env.ACCESS_LOG !== 'false', disableRequestLogging: true, keepAliveTimeout: 65_000 });
app.addHook('onResponse', async (request, reply) => {
  request.log.info({ method: request.method, url: request.url, statusCode: reply.statusCode, responseTime: reply.elapsedTime }, 'request');
});
app.get('/health', async () => ({ status: 'ok', checkedAt: new Date().toISOString(), checks: [] }));
app.post('/bench/orders', async (request, reply) => {
  const parsed = orderBody.safeParse(request.body);
  if (!parsed.success) return reply.code(400).type('application/problem+json').send({ status: 400, errors: parsed.error.issues });
  const { sku, quantity, unitPrice } = parsed.data;
  return reply.code(201).send({ sku, quantity, total: quantity * unitPrice });
});
await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
console.log(JSON.stringify({ message: 'listening', url: `http://127.0.0.1:${app.server.address().port}` }));
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
