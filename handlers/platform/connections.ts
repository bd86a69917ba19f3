import * as z from 'zod';
import { alibabaAccount, completeAlibabaAuthorization, startAlibabaAuthorization } from '../../core/platform/alibaba-1688.ts';
import { connectChannel, deleteConnection, listConnections } from '../../core/platform/channel-connections.ts';
import type { Connection } from '../../core/platform/connections.ts';
import { defineEndpoint, NO_STORE, type EndpointContext } from '../kit/endpoint.ts';
import { problemSchema } from '../kit/problem.ts';
import { inputOf, schemaOf } from '../kit/schema.ts';
import { requireTenant } from '../kit/tenant.ts';
import { iso, originOf } from './schemas.ts';

const channel = z
  .enum(['coupang_wing', 'naver_commerce', 'alibaba_1688'])
  .describe('The seller API: coupang_wing (Coupang Wing Open API), naver_commerce (Naver Commerce API) or alibaba_1688 (the tenant\'s own 1688 account, granted by OAuth)');

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
      keyHint: z.string().describe('The last 4 characters of the access key (coupang_wing), client id (naver_commerce) or 1688 member id (alibaba_1688), to tell credentials apart'),
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

// ---- a tenant's own 1688 account (OAuth) ---------------------------------------------------------------------

const grantDepsOf = (ctx: EndpointContext) => ({
  store: ctx.ports.access, vault: ctx.ports.vault, clock: ctx.ports.clock, rateCounter: ctx.ports.rateCounter, grants: ctx.ports.alibabaGrants,
});

const authorizationSchema = schemaOf<{ authorizeUrl: string; state: string; expiresAt: string }>()(
  z
    .object({
      authorizeUrl: z.string().describe('The 1688 page where the seller signs in and grants access; 1688 then sends them to the redirect URI with `code` and `state`'),
      state: z.string().describe('Bound to this tenant, single use, valid 10 minutes; send it back with the code'),
      expiresAt: iso.describe('When the state stops being accepted'),
    })
    .meta({ id: 'Alibaba1688Authorization' }),
);

export const authorizeAlibabaEndpoint = defineEndpoint({
  id: 'platform.authorizeAlibaba1688',
  method: 'POST',
  path: '/v1/connections/alibaba_1688/authorize',
  summary: 'Start connecting the tenant\'s own 1688 account (owners only): the 1688 authorize URL with a single-use state',
  description:
    'Open `authorizeUrl` in the seller\'s browser; after the grant 1688 redirects to the configured redirect URI with `code` and `state`. ' +
    'Send both to POST /v1/connections/alibaba_1688/grant within 10 minutes (1688\'s code itself lives 2 minutes).',
  tags: ['platform'],
  access: 'tenant',
  role: 'owner',
  metered: false,
  body: z.object({}).strict(),
  example: {},
  responses: { 200: authorizationSchema, 503: problemSchema.describe('1688 OAuth is not configured on this server') },
  run: async (_input, ctx) => {
    const started = await startAlibabaAuthorization(grantDepsOf(ctx), requireTenant(ctx), originOf(ctx));
    return { status: 200, headers: NO_STORE, body: { authorizeUrl: started.authorizeUrl, state: started.state, expiresAt: started.expiresAt.toISOString() } };
  },
});

const grantBody = inputOf<Parameters<typeof completeAlibabaAuthorization>[2]>()(
  z.object({
    code: z.string().regex(/^[\x21-\x7e]{1,512}$/, 'expected the code 1688 sent to the redirect URI: 1 to 512 printable characters').describe('Single use; 1688 lets it live 2 minutes'),
    state: z.string().regex(/^[A-Za-z0-9._-]{1,1024}$/, 'expected the state POST /v1/connections/alibaba_1688/authorize answered').describe('As POST /v1/connections/alibaba_1688/authorize answered it'),
  }),
);

export const grantAlibabaEndpoint = defineEndpoint({
  id: 'platform.grantAlibaba1688',
  method: 'POST',
  path: '/v1/connections/alibaba_1688/grant',
  summary: 'Finish connecting the tenant\'s own 1688 account (owners only): exchange the code for tokens, stored sealed',
  description:
    'The state must be one this tenant started, within 10 minutes, not used before: otherwise 400 before 1688 is asked. A code 1688 refuses is a 400 ' +
    'with its code. The tokens (the access token lives 10 hours, refreshed on use before it expires) are stored sealed and never shown; ' +
    'an alibaba_1688 connection there is replaced.',
  tags: ['platform'],
  access: 'tenant',
  role: 'owner',
  metered: false,
  body: grantBody,
  example: { code: 'sandbox-code-from-the-redirect', state: 'the-state-from-authorize' },
  responses: {
    201: z
      .object({ connection: connectionSchema, replacedConnectionId: z.string().nullable().describe('The alibaba_1688 connection this one replaced, if any') })
      .meta({ id: 'GrantedConnection' }),
    429: problemSchema.describe('1688 is limiting token requests; the state is spent, start again'),
    502: problemSchema.describe('1688 failed or did not answer; nothing was stored'),
    503: problemSchema.describe('1688 OAuth is not configured on this server'),
  },
  audit: { action: 'connection.create', target: (body: { connection: { id: string } }) => `connection:${body.connection.id}` },
  run: async ({ body }, ctx) => {
    const { connection, replaced } = await completeAlibabaAuthorization(grantDepsOf(ctx), requireTenant(ctx), body, originOf(ctx), ctx.signal);
    return { status: 201, headers: NO_STORE, body: { connection: toConnectionBody(connection), replacedConnectionId: replaced } };
  },
});

export const alibabaAccountEndpoint = defineEndpoint({
  id: 'platform.getAlibaba1688Account',
  method: 'GET',
  path: '/v1/connections/alibaba_1688/account',
  summary: 'The tenant\'s connected 1688 account as calls through it see it (tokens refreshed when due, never shown)',
  description:
    'Opens the alibaba_1688 connection as every call through it does: the access token is refreshed first when less than 30 minutes of it ' +
    'are left. 404 without a connection; 502 (`renew: true`) when 1688 refused the grant (revoked) or its refresh token expired.',
  tags: ['platform'],
  access: 'tenant',
  metered: false,
  responses: {
    200: schemaOf<Awaited<ReturnType<typeof alibabaAccount>>>()(
      z
        .object({
          connectionId: z.string(),
          memberId: z.string().describe('The 1688 member id that granted access'),
          aliId: z.string(),
          accessTokenExpiresAt: iso,
          refreshTokenExpiresAt: iso.nullable().describe('After this the seller must grant access again'),
        })
        .meta({ id: 'Alibaba1688Account' }),
    ),
    502: problemSchema.describe('1688 refused the grant (revoked or expired): connect again; or 1688 failed'),
    503: problemSchema.describe('1688 OAuth is not configured on this server'),
  },
  run: async (_input, ctx) => ({ status: 200, headers: NO_STORE, body: await alibabaAccount(ctx.ports.connections, requireTenant(ctx), ctx.signal) }),
});
