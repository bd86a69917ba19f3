/**
 * A tenant's own 1688 account as a channel connection, granted by OAuth (docs/alibaba.md "A tenant's 1688 account"):
 * the owner starts an authorization (the 1688 authorize URL with a state bound to the tenant), the seller grants
 * access on 1688, and the code 1688 hands back is exchanged, with the state, for tokens stored sealed. The refresh
 * before the access token's expiry is in channel-connections.ts (`open`).
 *
 * The state is sealed by the vault with the tenant bound as associated data, so it is signed, opaque and opens for
 * that tenant only; it expires after STATE_TTL_MS and is spent once through a shared counter.
 */
import type { Clock } from '../shared/clock.ts';
import { DomainError } from '../shared/errors.ts';
import type { AccessStore } from './access.ts';
import { storeConnection } from './channel-connections.ts';
import type { Alibaba1688Credentials, AlibabaGrants, Connection, TenantConnections } from './connections.ts';
import type { RequestOrigin } from './model.ts';
import type { RateCounter } from './rate-counter.ts';
import { auditDraft, requireOwner, type TenantPrincipal } from './tenants.ts';
import type { KeyVault } from './vault.ts';

export interface AlibabaAuthorizationDeps {
  store: AccessStore;
  vault: KeyVault;
  clock: Clock;
  rateCounter: RateCounter;
  grants: AlibabaGrants;
}

/** 1688's code lives 2 minutes; the state gives the seller time to sign in first. */
export const STATE_TTL_MS = 10 * 60_000;
/** The spent-state counter's window: longer than a state lives, and started at the state's issue (see spendState). */
const SPENT_WINDOW_MS = 2 * STATE_TTL_MS;

const stateContext = (tenantId: string) => `alibaba-1688-state:${tenantId}`;

interface StatePayload {
  /** Random nonce: the name under which the state is spent. */
  n: string;
  /** Issued at, ms since the epoch. */
  i: number;
}

const invalidState = (why: string) =>
  new DomainError('invalid', `The state ${why}; start again with POST /v1/connections/alibaba_1688/authorize.`, { details: { field: 'state' } });

const encodeState = (vault: KeyVault, tenantId: string, payload: StatePayload): string => {
  const sealed = vault.seal(JSON.stringify(payload), stateContext(tenantId));
  return `${sealed.keyId}.${Buffer.from(sealed.data, 'base64').toString('base64url')}`;
};

const decodeState = (vault: KeyVault, tenantId: string, state: string): StatePayload => {
  const dot = state.indexOf('.');
  if (dot < 1) throw invalidState('is not one this service issued');
  let payload: Partial<StatePayload>;
  try {
    const data = Buffer.from(state.slice(dot + 1), 'base64url').toString('base64');
    payload = JSON.parse(vault.open({ keyId: state.slice(0, dot), data }, stateContext(tenantId))) as Partial<StatePayload>;
  } catch {
    // Another tenant's state, a forged or altered one, or one sealed with a key no longer configured.
    throw invalidState('is not one this service issued to this tenant');
  }
  if (typeof payload.n !== 'string' || typeof payload.i !== 'number') throw invalidState('is not one this service issued to this tenant');
  return payload as StatePayload;
};

/**
 * Spends the state once, in every process: a counter with limit 1 in a window that starts exactly when the state
 * was issued (the window's offset is chosen so), and outlives the state, so no window boundary falls between issue
 * and expiry.
 */
const spendState = async (rateCounter: RateCounter, payload: StatePayload): Promise<boolean> => {
  const utcOffsetMs = (SPENT_WINDOW_MS - (payload.i % SPENT_WINDOW_MS)) % SPENT_WINDOW_MS;
  const result = await rateCounter.consume({ name: `alibaba-1688-state:${payload.n}`, limit: 1, window: { sizeMs: SPENT_WINDOW_MS, utcOffsetMs } });
  return result.allowed;
};

/** The 1688 authorize URL for the tenant, with a fresh single-use state. */
export const startAlibabaAuthorization = async (
  deps: AlibabaAuthorizationDeps,
  principal: TenantPrincipal,
  origin: RequestOrigin,
): Promise<{ authorizeUrl: string; state: string; expiresAt: Date }> => {
  const { store, vault, clock, grants } = deps;
  await requireOwner(store, clock, principal, 'connect a 1688 account', 'connection.authorize', origin);
  const now = clock.now();
  const state = encodeState(vault, principal.tenantId, { n: crypto.randomUUID(), i: now.getTime() });
  const authorizeUrl = await grants.authorizeUrl(state);
  await store.audit.append(auditDraft(origin, now, principal.tenantId, 'connection.authorize', null, { channel: 'alibaba_1688' }));
  return { authorizeUrl, state, expiresAt: new Date(now.getTime() + STATE_TTL_MS) };
};

/**
 * Exchanges the code 1688 handed back for tokens and stores them sealed as the tenant's alibaba_1688 connection
 * (replacing one there). A state that is not this tenant's, has expired or was used answers 400 before 1688 is
 * asked; a code 1688 refuses answers 400 with its code, nothing stored.
 */
export const completeAlibabaAuthorization = async (
  deps: AlibabaAuthorizationDeps,
  principal: TenantPrincipal,
  input: { code: string; state: string },
  origin: RequestOrigin,
  signal?: AbortSignal,
): Promise<{ connection: Connection; replaced: string | null }> => {
  const { store, vault, clock, rateCounter, grants } = deps;
  await requireOwner(store, clock, principal, 'connect a 1688 account', 'connection.create', origin);
  const payload = decodeState(vault, principal.tenantId, input.state);
  const now = clock.now();
  if (now.getTime() - payload.i > STATE_TTL_MS || now.getTime() < payload.i) throw invalidState('has expired (it lives 10 minutes)');
  if (!(await spendState(rateCounter, payload))) throw invalidState('was used already');
  const outcome = await grants.exchange(input.code, signal);
  if (!outcome.ok) {
    await store.audit.append({
      ...auditDraft(origin, clock.now(), principal.tenantId, 'connection.create', null, { channel: 'alibaba_1688', providerCode: outcome.providerCode }),
      outcome: 'failure',
    });
    throw new DomainError('invalid', `1688 refused the authorization code (${outcome.providerCode}): ${outcome.message}. Nothing was stored; start again.`, {
      details: { field: 'code', channel: 'alibaba_1688', providerCode: outcome.providerCode },
    });
  }
  const t = outcome.tokens;
  if (!t.refreshToken) {
    throw new DomainError('upstream_failed', '1688 granted no refresh token; nothing was stored.', { details: { channel: 'alibaba_1688' } });
  }
  const at = clock.now();
  const credentials: Alibaba1688Credentials = {
    accessToken: t.accessToken,
    accessTokenExpiresAt: new Date(at.getTime() + t.accessTokenExpiresInSeconds * 1000).toISOString(),
    refreshToken: t.refreshToken,
    refreshTokenExpiresAt: t.refreshTokenExpiresAt?.toISOString() ?? null,
    memberId: t.memberId ?? '',
    aliId: t.aliId ?? '',
  };
  const keyHint = (credentials.memberId || credentials.aliId).slice(-4);
  return storeConnection(deps, principal, 'alibaba_1688', credentials, keyHint, origin, signal);
};

/** The tenant's 1688 account as a call through it sees it: the tokens refreshed when due, never shown. */
export const alibabaAccount = async (
  connections: TenantConnections,
  principal: TenantPrincipal,
  signal?: AbortSignal,
): Promise<{ connectionId: string; memberId: string; aliId: string; accessTokenExpiresAt: string; refreshTokenExpiresAt: string | null }> => {
  const { connectionId, credentials } = await connections.open(principal.tenantId, 'alibaba_1688', signal);
  return {
    connectionId, memberId: credentials.memberId, aliId: credentials.aliId, accessTokenExpiresAt: credentials.accessTokenExpiresAt,
    refreshTokenExpiresAt: credentials.refreshTokenExpiresAt,
  };
};
