import * as z from 'zod';
import { connectChannel, deleteConnection, listConnections } from '../../core/platform/channel-connections.ts';
import type { Connection } from '../../core/platform/connections.ts';
import { defineEndpoint, NO_STORE, type EndpointContext } from '../kit/endpoint.ts';
import { problemSchema } from '../kit/problem.ts';
import { inputOf, schemaOf } from '../kit/schema.ts';
import { requireTenant } from '../kit/tenant.ts';
import { iso, originOf } from './schemas.ts';

const channel = z.enum(['coupang_wing', 'naver_commerce']).describe('The marketplace seller API: coupang_wing (Coupang Wing Open API) or naver_commerce (Naver Commerce API)');

/** The wire shows instants as ISO strings and leaves the tenant id out (the caller's own); never a secret. */
export const toConnectionBody = (c: Connection) => ({
  id: c.id, channel: c.channel, keyHint: c.keyHint, status: c.status, verifiedAt: c.verifiedAt.toISOString(), lastUsedAt: c.lastUsedAt?.toISOString() ?? null,
  rejectedAt: c.rejectedAt?.toISOString() ?? null, rejectedCode: c.rejectedCode, createdAt: c.createdAt.toISOString(),
});

export const connectionSchema = schemaOf<ReturnType<typeof toConnectionBody>>()(
  z
    .object({
      id: z.string(),
      channel,
      keyHint: z.string().describe('The last 4 characters of the access key (coupang_wing) or client id (naver_commerce), to tell credentials apart'),
      status: z.enum(['active', 'rejected']).describe('rejected: the provider refused the credentials on a later call; connect again to renew'),
      verifiedAt: iso.describe('When the provider accepted the credentials'),
      lastUsedAt: iso.nullable().describe('Updated at most once a minute'),
      rejectedAt: iso.nullable(),
      rejectedCode: z.string().nullable().describe('The provider\'s code when it refused the credentials'),
      createdAt: iso,
    })
    .meta({ id: 'Connection' }),
);

// Credentials go into signed headers and form fields: printable, no spaces or separators.
const token = (what: string, min: number, max: number) => z.string().regex(new RegExp(`^[A-Za-z0-9_-]{${min},${max}}$`), `expected ${what}: ${min} to ${max} letters, digits, _ or -`);

const connectBody = inputOf<Parameters<typeof connectChannel>[2]>()(
  z.discriminatedUnion('channel', [
    z.object({
      channel: z.literal('coupang_wing'),
      vendorId: token('a Coupang vendor id such as A00012345', 1, 20),
      accessKey: token('a Wing Open API access key', 8, 100),
      secretKey: z.string().regex(/^[\x21-\x7e]{8,200}$/, 'expected a Wing Open API secret key: 8 to 200 printable characters without spaces').describe('Stored sealed; never shown again'),
    }),
    z.object({
      channel: z.literal('naver_commerce'),
      clientId: token('a Naver Commerce application client id', 4, 100),
      clientSecret: z
        .string()
        .regex(/^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{22}$/, 'expected a Naver Commerce client secret: $2a$, two digits, $ and 22 characters')
        .describe('Stored sealed; never shown again'),
    }),
  ]),
);

const depsOf = (ctx: EndpointContext) => ({ store: ctx.ports.access, vault: ctx.ports.vault, clock: ctx.ports.clock, verifier: ctx.ports.channelVerifier });

export const listConnectionsEndpoint = defineEndpoint({
  id: 'platform.listConnections',
  method: 'GET',
  path: '/v1/connections',
  summary: 'List the tenant\'s channel connections (never their secrets), oldest first',
  tags: ['platform'],
  access: 'tenant',
  metered: false,
  responses: { 200: z.object({ items: z.array(connectionSchema) }).meta({ id: 'ConnectionList' }) },
  run: async (_input, ctx) => ({ status: 200, body: { items: (await listConnections(depsOf(ctx), requireTenant(ctx))).map(toConnectionBody) } }),
});

export const createConnectionEndpoint = defineEndpoint({
  id: 'platform.createConnection',
  method: 'POST',
  path: '/v1/connections',
  summary: 'Connect a marketplace seller account (owners only); verified with the provider before it is stored',
  description:
    'One cheap call with the credentials first (Coupang Wing: one seller product; Naver Commerce: a token). A refusal answers 422 naming ' +
    'the channel and the provider\'s code, and nothing is stored. The credentials are stored sealed (AES-256-GCM) and never shown again. ' +
    'A tenant holds one connection per channel: connecting again replaces it (renewal, key rotation); the answer names the one replaced.',
  tags: ['platform'],
  access: 'tenant',
  role: 'owner',
  metered: false,
  body: connectBody,
  example: { channel: 'naver_commerce', clientId: 'sandboxCommerceClient01', clientSecret: '$2a$04$SandboxCommerceSecre0u' },
  responses: {
    201: z
      .object({ connection: connectionSchema, replacedConnectionId: z.string().nullable().describe('The connection on this channel that this one replaced, if any') })
      .meta({ id: 'CreatedConnection' }),
    422: problemSchema.describe('The provider refused the credentials: `channel` and `providerCode` say which and why; nothing was stored'),
    429: problemSchema.describe('The provider is rate limiting sign-ins or calls for these credentials; nothing was stored'),
    502: problemSchema.describe('The provider failed or did not answer; nothing was stored'),
  },
  audit: { action: 'connection.create', target: (body: { connection: { id: string } }) => `connection:${body.connection.id}` },
  run: async ({ body }, ctx) => {
    const { connection, replaced } = await connectChannel(depsOf(ctx), requireTenant(ctx), body, originOf(ctx), ctx.signal);
    return { status: 201, headers: NO_STORE, body: { connection: toConnectionBody(connection), replacedConnectionId: replaced } };
  },
});

export const deleteConnectionEndpoint = defineEndpoint({
  id: 'platform.deleteConnection',
  method: 'DELETE',
  path: '/v1/connections/{connectionId}',
  summary: 'Delete a channel connection and its sealed credentials (owners only)',
  description: 'Calls through the channel answer 404 afterwards until another connection is made. Answers the connection as it was.',
  tags: ['platform'],
  access: 'tenant',
  role: 'owner',
  metered: false,
  params: z.object({ connectionId: z.uuid('expected a connection id').transform((id) => id.toLowerCase()).describe('A UUID; upper- and lower-case letters name the same id') }),
  responses: { 200: connectionSchema },
  run: async ({ params }, ctx) => ({ status: 200, body: toConnectionBody(await deleteConnection(depsOf(ctx), requireTenant(ctx), params.connectionId, originOf(ctx), ctx.signal)) }),
});
