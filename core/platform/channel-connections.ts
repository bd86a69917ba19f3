/**
 * Use cases of channel connections (the model and ports are in connections.ts): connect (verify, seal, store,
 * replacing the channel's previous connection), list, delete, and the port other contexts use to open a
 * connection or mark it rejected. Each change appends its audit entry in the same transaction.
 */
import type { Clock } from '../shared/clock.ts';
import { DomainError, notFound } from '../shared/errors.ts';
import type { AccessStore } from './access.ts';
import type {
  Alibaba1688Credentials, AlibabaGrants, ChannelCredentials, ChannelName, ChannelVerifier, ConnectInput, Connection, OpenedConnection, StoredConnection, TenantConnections,
} from './connections.ts';
import type { RequestOrigin } from './model.ts';
import { auditDraft, normaliseId, requireOwner, type TenantPrincipal } from './tenants.ts';
import type { KeyVault } from './vault.ts';

export interface ConnectionDeps {
  store: AccessStore;
  vault: KeyVault;
  clock: Clock;
}

/** Bound into every sealed value: a sealed row copied to another tenant or connection does not open. */
export const sealContext = (tenantId: string, connectionId: string): string => `connection:${tenantId}:${connectionId}`;

const TOUCH_EVERY_MS = 60_000;

const credentialsOf = (input: ConnectInput): { channel: ChannelName; credentials: ChannelCredentials[ChannelName]; keyHint: string } =>
  input.channel === 'coupang_wing'
    ? { channel: input.channel, credentials: { vendorId: input.vendorId, accessKey: input.accessKey, secretKey: input.secretKey }, keyHint: input.accessKey.slice(-4) }
    : { channel: input.channel, credentials: { clientId: input.clientId, clientSecret: input.clientSecret }, keyHint: input.clientId.slice(-4) };

export const connectionView = ({ sealed: _sealed, ...rest }: StoredConnection): Connection => rest;

const renewHint = (channel: ChannelName) =>
  channel === 'alibaba_1688'
    ? 'grant access again with POST /v1/connections/alibaba_1688/authorize, then POST /v1/connections/alibaba_1688/grant'
    : `connect it again with POST /v1/connections {"channel":"${channel}", ...}`;

// ---- use cases ----------------------------------------------------------------------------------------------

/**
 * Verifies the credentials with the provider, then stores them sealed, replacing the tenant's connection on the
 * channel if it has one. A refusal answers 422 naming the channel and the provider's code; an outage answers
 * as the verifier throws (502/503). Either way nothing is stored.
 */
export const connectChannel = async (
  deps: ConnectionDeps & { verifier: ChannelVerifier },
  principal: TenantPrincipal,
  input: ConnectInput,
  origin: RequestOrigin,
  signal?: AbortSignal,
): Promise<{ connection: Connection; replaced: string | null }> => {
  const { store, clock, verifier } = deps;
  await requireOwner(store, clock, principal, 'connect a sales channel', 'connection.create', origin);
  const { channel, credentials, keyHint } = credentialsOf(input);
  const verification = await verifier.verify(channel, credentials, signal);
  if (!verification.ok) {
    await store.audit.append({
      ...auditDraft(origin, clock.now(), principal.tenantId, 'connection.create', null, { channel, providerCode: verification.providerCode, keyHint }),
      outcome: 'failure',
    });
    throw new DomainError('unprocessable', `${channel} refused these credentials (${verification.providerCode}): ${verification.message}. Nothing was stored.`, {
      details: { channel, providerCode: verification.providerCode },
    });
  }
  return storeConnection(deps, principal, channel, credentials, keyHint, origin, signal);
};

/**
 * Stores verified (or granted) credentials sealed, replacing the tenant's connection on the channel if it has one,
 * with the audit entries, in one transaction.
 */
export const storeConnection = async <C extends ChannelName>(
  { store, vault, clock }: ConnectionDeps,
  principal: TenantPrincipal,
  channel: C,
  credentials: ChannelCredentials[C],
  keyHint: string,
  origin: RequestOrigin,
  signal?: AbortSignal,
): Promise<{ connection: Connection; replaced: string | null }> => {
  const now = clock.now();
  const id = crypto.randomUUID();
  const stored: StoredConnection = {
    id, tenantId: principal.tenantId, channel, keyHint, status: 'active', verifiedAt: now, lastUsedAt: null, rejectedAt: null, rejectedCode: null,
    createdAt: now, sealed: vault.seal(JSON.stringify(credentials), sealContext(principal.tenantId, id)),
  };
  return store.transaction(async (unit) => {
    await unit.lockTenant(principal.tenantId);
    const previous = await unit.connections.forChannel(principal.tenantId, channel);
    if (previous) {
      await unit.connections.delete(principal.tenantId, previous.id);
      await unit.audit.append(auditDraft(origin, now, principal.tenantId, 'connection.replace', `connection:${previous.id}`, { channel, replacedBy: id, keyHint: previous.keyHint }));
    }
    // Under the tenant's lock the channel is free now; a false here is a concurrent writer outside the lock.
    if (!(await unit.connections.insert(stored))) {
      throw new DomainError('conflict', `Another ${channel} connection was stored at the same time; list the connections and retry.`, { details: { channel } });
    }
    await unit.audit.append(auditDraft(origin, now, principal.tenantId, 'connection.create', `connection:${id}`, { channel, keyHint, replaced: previous?.id ?? null }));
    return { connection: connectionView(stored), replaced: previous?.id ?? null };
  }, signal ? { signal } : undefined);
};

export const listConnections = ({ store }: Pick<ConnectionDeps, 'store'>, principal: TenantPrincipal): Promise<Connection[]> =>
  store.connections.list(principal.tenantId);

/** Removes the connection and its secrets; another tenant's id is not found. */
export const deleteConnection = async (
  { store, clock }: Pick<ConnectionDeps, 'store' | 'clock'>,
  principal: TenantPrincipal,
  connectionId: string,
  origin: RequestOrigin,
  signal?: AbortSignal,
): Promise<Connection> => {
  await requireOwner(store, clock, principal, 'delete a sales channel connection', 'connection.delete', origin);
  const id = normaliseId(connectionId);
  return store.transaction(async (unit) => {
    const existing = await unit.connections.get(principal.tenantId, id);
    if (!existing || !(await unit.connections.delete(principal.tenantId, id))) throw notFound('Connection', { connectionId: id });
    await unit.audit.append(auditDraft(origin, clock.now(), principal.tenantId, 'connection.delete', `connection:${id}`, { channel: existing.channel, keyHint: existing.keyHint }));
    return connectionView(existing);
  }, signal ? { signal } : undefined);
};

/** The port other contexts use: opens the tenant's connection, and marks it rejected when the provider refuses it. */
export const tenantConnections = ({ store, vault, clock, grants }: ConnectionDeps & { grants?: AlibabaGrants }): TenantConnections => {
  const port: TenantConnections = {
  open: async <C extends ChannelName>(tenantId: string, channel: C, signal?: AbortSignal): Promise<OpenedConnection<C>> => {
    const found = await store.connections.forChannel(tenantId, channel);
    if (!found) {
      throw new DomainError('not_found', `This tenant has no ${channel} connection; ${renewHint(channel)}.`, { details: { channel } });
    }
    if (found.status === 'rejected') {
      throw new DomainError(
        'upstream_failed',
        `The ${channel} connection was refused by the provider (${found.rejectedCode ?? 'unknown'}) at ${found.rejectedAt?.toISOString() ?? 'an earlier call'} and must be renewed: ${renewHint(channel)}.`,
        { details: { channel, connectionId: found.id, providerCode: found.rejectedCode, rejectedAt: found.rejectedAt?.toISOString() ?? null, renew: true } },
      );
    }
    let credentials = JSON.parse(vault.open(found.sealed, sealContext(tenantId, found.id))) as ChannelCredentials[C];
    if (channel === 'alibaba_1688') {
      const refreshed = await refreshIfDue({ store, vault, clock, grants, markRejected: port.markRejected }, found, credentials as Alibaba1688Credentials, signal);
      credentials = refreshed as ChannelCredentials[C];
    }
    const now = clock.now();
    await store.connections.touch(tenantId, found.id, now, new Date(now.getTime() - TOUCH_EVERY_MS));
    return { connectionId: found.id, channel, credentials };
  },
  markRejected: async (tenantId, connectionId, providerCode) => {
    const now = clock.now();
    const id = normaliseId(connectionId);
    await store.transaction(async (unit) => {
      if (!(await unit.connections.markRejected(tenantId, id, now, providerCode))) return;
      const found = await unit.connections.get(tenantId, id);
      await unit.audit.append({
        tenantId, at: now, actor: 'system', credential: null, action: 'connection.reject', target: `connection:${id}`, requestId: null, sourceIp: null,
        outcome: 'failure', details: { channel: found?.channel ?? null, providerCode },
      });
    });
  },
  };
  return port;
};

/** Refreshed when less than this is left of the access token's 10 hours. */
export const REFRESH_MARGIN_MS = 30 * 60_000;

/**
 * A 1688 connection's tokens, refreshed first when the access token is within the margin of its expiry, the new
 * tokens sealed in place. A refused refresh (revoked grant) or an expired refresh token marks the connection
 * rejected and answers 502 saying to renew; an outage throws as the client does, the connection kept.
 */
const refreshIfDue = async (
  deps: ConnectionDeps & { grants: AlibabaGrants | undefined; markRejected: TenantConnections['markRejected'] },
  found: StoredConnection,
  credentials: Alibaba1688Credentials,
  signal?: AbortSignal,
): Promise<Alibaba1688Credentials> => {
  const { store, vault, clock, grants } = deps;
  const now = clock.now();
  if (Date.parse(credentials.accessTokenExpiresAt) - now.getTime() > REFRESH_MARGIN_MS) return credentials;
  const refuse = async (providerCode: string, why: string): Promise<never> => {
    await deps.markRejected(found.tenantId, found.id, providerCode);
    throw new DomainError('upstream_failed', `The alibaba_1688 connection ${why} (${providerCode}) and must be renewed: ${renewHint('alibaba_1688')}.`, {
      details: { channel: 'alibaba_1688', connectionId: found.id, providerCode, rejectedAt: now.toISOString(), renew: true },
    });
  };
  if (credentials.refreshTokenExpiresAt !== null && Date.parse(credentials.refreshTokenExpiresAt) <= now.getTime()) {
    return refuse('refresh_token_expired', 'has a refresh token that expired');
  }
  if (!grants) throw new DomainError('unavailable', '1688 OAuth is not configured on this server', { details: { channel: 'alibaba_1688' } });
  const outcome = await grants.refresh(credentials.refreshToken, signal);
  if (!outcome.ok) return refuse(outcome.providerCode, 'was refused by 1688 on a token refresh');
  const t = outcome.tokens;
  const next: Alibaba1688Credentials = {
    accessToken: t.accessToken,
    accessTokenExpiresAt: new Date(now.getTime() + t.accessTokenExpiresInSeconds * 1000).toISOString(),
    refreshToken: t.refreshToken ?? credentials.refreshToken,
    refreshTokenExpiresAt: t.refreshToken ? (t.refreshTokenExpiresAt?.toISOString() ?? null) : credentials.refreshTokenExpiresAt,
    memberId: t.memberId ?? credentials.memberId,
    aliId: t.aliId ?? credentials.aliId,
  };
  await store.connections.reseal(found.tenantId, found.id, vault.seal(JSON.stringify(next), sealContext(found.tenantId, found.id)));
  return next;
};
