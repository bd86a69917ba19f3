/**
 * Channel connections (channel-connections.ts) and the 1688 OAuth grant (alibaba-1688.ts) over an in-memory store
 * that rolls back a failed transaction, a vault that binds the context and a shared counter.
 */
import { describe, expect, it, vi } from 'vitest';
import { DomainError } from '../shared/errors.ts';
import type { AccessStore, AccessUnit } from './access.ts';
import { alibabaAccount, completeAlibabaAuthorization, STATE_TTL_MS, startAlibabaAuthorization } from './alibaba-1688.ts';
import {
  connectChannel, connectionView, deleteConnection, listConnections, REFRESH_MARGIN_MS, sealContext, tenantConnections,
} from './channel-connections.ts';
import { channelNames, type Alibaba1688Credentials, type AlibabaGrants, type ChannelVerifier, type ConnectionRepository, type GrantOutcome, type StoredConnection } from './connections.ts';
import type { AuditDraft, RequestOrigin } from './model.ts';
import { memoryRateCounter } from '../../tests/helpers/rate-counter.ts';
import { windowBounds } from './rate-counter.ts';
import type { TenantPrincipal } from './tenants.ts';
import type { KeyVault, SealedSecret } from './vault.ts';

const T0 = new Date('2026-03-02T01:00:00Z');
const MINUTE = 60_000;

const mutableClock = (start = T0) => {
  let now = start.getTime();
  return { now: () => new Date(now), advance: (ms: number) => void (now += ms), set: (d: Date) => void (now = d.getTime()) };
};

/** Seals as `{ c: context, p: plain }` in base64; opens only with the same context and a known key. */
const memoryVault = (): KeyVault & { opened: string[] } => {
  const opened: string[] = [];
  return {
    activeKeyId: 'k1',
    opened,
    seal: (plain, context) => ({ keyId: 'k1', data: Buffer.from(JSON.stringify({ c: context ?? null, p: plain })).toString('base64') }),
    open: (sealed, context) => {
      if (sealed.keyId !== 'k1') throw new Error('unknown key');
      const { c, p } = JSON.parse(Buffer.from(sealed.data, 'base64').toString('utf8')) as { c: string | null; p: string };
      if (c !== (context ?? null)) throw new Error('context mismatch');
      opened.push(context ?? '');
      return p;
    },
  };
};

const memoryStore = () => {
  const data = {
    rows: new Map<string, StoredConnection>(),
    audit: [] as AuditDraft[],
    locked: [] as string[],
    touched: [] as Array<{ tenantId: string; id: string; at: Date; olderThan: Date }>,
    resealed: [] as Array<{ tenantId: string; id: string; sealed: SealedSecret }>,
    transactions: [] as Array<{ signal?: AbortSignal } | undefined>,
    /** insert answers false this many times (a writer outside the lock). */
    refuseInserts: 0,
  };
  const copy = (c: StoredConnection): StoredConnection => ({ ...c });
  const own = (tenantId: string, id: string) => {
    const c = data.rows.get(id);
    return c && c.tenantId === tenantId ? c : undefined;
  };
  const connections: ConnectionRepository = {
    insert: async (c) => {
      if (data.refuseInserts > 0) {
        data.refuseInserts--;
        return false;
      }
      for (const other of data.rows.values()) if (other.tenantId === c.tenantId && other.channel === c.channel) return false;
      data.rows.set(c.id, copy(c));
      return true;
    },
    get: async (tenantId, id) => {
      const c = own(tenantId, id);
      return c ? copy(c) : null;
    },
    forChannel: async (tenantId, channel) => {
      for (const c of data.rows.values()) if (c.tenantId === tenantId && c.channel === channel) return copy(c);
      return null;
    },
    list: async (tenantId) => [...data.rows.values()].filter((c) => c.tenantId === tenantId).map(connectionView),
    delete: async (tenantId, id) => (own(tenantId, id) ? data.rows.delete(id) : false),
    markRejected: async (tenantId, id, at, code) => {
      const c = own(tenantId, id);
      if (!c || c.status !== 'active') return false;
      Object.assign(c, { status: 'rejected', rejectedAt: at, rejectedCode: code });
      return true;
    },
    reseal: async (tenantId, id, sealed) => {
      const c = own(tenantId, id);
      if (!c || c.status !== 'active') return false;
      data.resealed.push({ tenantId, id, sealed });
      c.sealed = sealed;
      return true;
    },
    touch: async (tenantId, id, at, olderThan) => {
      data.touched.push({ tenantId, id, at, olderThan });
      const c = own(tenantId, id);
      if (c && (c.lastUsedAt === null || c.lastUsedAt < olderThan)) c.lastUsedAt = at;
    },
  };
  const unit = {
    lockTenant: async (tenantId: string) => void data.locked.push(tenantId),
    audit: {
      append: async (draft: AuditDraft) => {
        data.audit.push(draft);
        return { ...draft, id: `e${data.audit.length}`, seq: data.audit.length, prevHash: '', hash: '' };
      },
    },
    connections,
  } as unknown as AccessUnit;
  const store = {
    ...unit,
    transaction: async (work: (u: AccessUnit) => Promise<unknown>, options?: { signal?: AbortSignal }) => {
      data.transactions.push(options);
      const saved = { rows: new Map([...data.rows].map(([k, v]) => [k, copy(v)])), audit: [...data.audit] };
      try {
        return await work(unit);
      } catch (error) {
        Object.assign(data, saved);
        throw error;
      }
    },
  } as unknown as AccessStore;
  return { store, data };
};

/** A shared counter over fixed windows, as the store keeps it. */
const memoryCounter = (now: () => Date) => {
  const counter = memoryRateCounter(() => now().getTime());
  return { counter, consumed: counter.consumed };
};

const owner = (tenantId = 't1'): TenantPrincipal => ({ kind: 'tenant', tenantId, actorId: 'm1', role: 'owner', via: 'api_key' });
const member = (tenantId = 't1'): TenantPrincipal => ({ kind: 'tenant', tenantId, actorId: 'm2', role: 'member', via: 'jwt' });
const origin: RequestOrigin = { actor: 'member:m1', requestId: 'req-1', clientRequestId: 'c-1', sourceIp: '203.0.113.9' };

const failure = async (promise: Promise<unknown>): Promise<DomainError> => {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected a domain error');
};

const verifierSaying = (answer: Awaited<ReturnType<ChannelVerifier['verify']>>) => {
  const calls: Array<{ channel: string; credentials: unknown; signal: AbortSignal | undefined }> = [];
  const verifier: ChannelVerifier = {
    verify: async (channel, credentials, signal) => {
      calls.push({ channel, credentials, signal });
      return answer;
    },
  };
  return { verifier, calls };
};

const wing = { channel: 'coupang_wing' as const, vendorId: 'A00012345', accessKey: 'ak-0000-WXYZ', secretKey: 'sk-secret' };
const naver = { channel: 'naver_commerce' as const, clientId: 'client-ABCD', clientSecret: 'cs-secret' };

const setup = () => {
  const { store, data } = memoryStore();
  const vault = memoryVault();
  const clock = mutableClock();
  const { verifier, calls } = verifierSaying({ ok: true });
  return { store, data, vault, clock, verifier, calls, deps: { store, vault, clock, verifier } };
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('channelNames', () => {
  it('names the three channels a tenant can connect', () => {
    expect(channelNames).toEqual(['coupang_wing', 'naver_commerce', 'alibaba_1688']);
  });
});

describe('connectChannel', () => {
  it('verifies a Coupang Wing key, stores it sealed to the tenant and connection, lists it without secrets, audited', async () => {
    const s = setup();
    const { connection, replaced } = await connectChannel(s.deps, owner(), wing, origin);
    expect(replaced).toBeNull();
    expect(s.calls).toEqual([{ channel: 'coupang_wing', credentials: { vendorId: 'A00012345', accessKey: 'ak-0000-WXYZ', secretKey: 'sk-secret' }, signal: undefined }]);
    expect(connection).toEqual({
      id: expect.stringMatching(UUID), tenantId: 't1', channel: 'coupang_wing', keyHint: 'WXYZ', status: 'active', verifiedAt: T0, lastUsedAt: null,
      rejectedAt: null, rejectedCode: null, createdAt: T0,
    });
    expect('sealed' in connection).toBe(false);
    const row = s.data.rows.get(connection.id)!;
    expect(JSON.parse(s.vault.open(row.sealed, `connection:t1:${connection.id}`))).toEqual({ vendorId: 'A00012345', accessKey: 'ak-0000-WXYZ', secretKey: 'sk-secret' });
    expect(() => s.vault.open(row.sealed, `connection:t2:${connection.id}`)).toThrow();
    expect(s.data.locked).toEqual(['t1']);
    expect(s.data.transactions).toEqual([undefined]);
    expect(s.data.audit).toEqual([
      {
        tenantId: 't1', at: T0, actor: 'member:m1', credential: null, action: 'connection.create', target: `connection:${connection.id}`, requestId: 'req-1',
        clientRequestId: 'c-1', sourceIp: '203.0.113.9', outcome: 'success', details: { channel: 'coupang_wing', keyHint: 'WXYZ', replaced: null },
      },
    ]);
    expect(await listConnections(s.deps, owner())).toEqual([connection]);
    expect(await listConnections(s.deps, owner('t2'))).toEqual([]);
  });

  it('hints a Naver Commerce connection by the last 4 characters of its client id and seals only id and secret', async () => {
    const s = setup();
    const signal = new AbortController().signal;
    const { connection } = await connectChannel(s.deps, owner(), naver, origin, signal);
    expect(connection.keyHint).toBe('ABCD');
    expect(s.calls).toEqual([{ channel: 'naver_commerce', credentials: { clientId: 'client-ABCD', clientSecret: 'cs-secret' }, signal }]);
    expect(s.data.transactions).toEqual([{ signal }]);
    expect(JSON.parse(s.vault.open(s.data.rows.get(connection.id)!.sealed, sealContext('t1', connection.id)))).toEqual({ clientId: 'client-ABCD', clientSecret: 'cs-secret' });
  });

  it('stores nothing when the provider refuses the credentials: 422 naming the channel and code, a failure audited', async () => {
    const s = setup();
    const refusing = verifierSaying({ ok: false, providerCode: 'INVALID_KEY', message: 'key unknown' });
    const error = await failure(connectChannel({ ...s.deps, verifier: refusing.verifier }, owner(), wing, origin));
    expect(error.code).toBe('unprocessable');
    expect(error.message).toBe('coupang_wing refused these credentials (INVALID_KEY): key unknown. Nothing was stored.');
    expect(error.details).toEqual({ channel: 'coupang_wing', providerCode: 'INVALID_KEY' });
    expect(s.data.rows.size).toBe(0);
    expect(s.data.audit).toEqual([expect.objectContaining({
      tenantId: 't1', action: 'connection.create', target: null, outcome: 'failure', details: { channel: 'coupang_wing', providerCode: 'INVALID_KEY', keyHint: 'WXYZ' },
    })]);
  });

  it('lets only an owner connect, before asking the provider', async () => {
    const s = setup();
    const error = await failure(connectChannel(s.deps, member(), wing, origin));
    expect([error.code, error.message]).toEqual(['forbidden', 'Only an owner of the tenant may connect a sales channel; this credential has the member role.']);
    expect(s.calls).toEqual([]);
    expect(s.data.rows.size).toBe(0);
    expect(s.data.audit).toEqual([expect.objectContaining({ action: 'connection.create', outcome: 'denied' })]);
  });

  it('replaces the connection on the same channel (its key hint audited), leaving other channels alone', async () => {
    const s = setup();
    const first = await connectChannel(s.deps, owner(), wing, origin);
    const other = await connectChannel(s.deps, owner(), naver, origin);
    s.clock.advance(MINUTE);
    const second = await connectChannel(s.deps, owner(), { ...wing, accessKey: 'ak-1111-NEW1' }, origin);
    expect(second.replaced).toBe(first.connection.id);
    expect(second.connection.id).not.toBe(first.connection.id);
    expect(other.replaced).toBeNull();
    expect([...s.data.rows.keys()].sort()).toEqual([other.connection.id, second.connection.id].sort());
    expect(s.data.audit.slice(2).map((a) => [a.action, a.target, a.details, a.at])).toEqual([
      ['connection.replace', `connection:${first.connection.id}`, { channel: 'coupang_wing', replacedBy: second.connection.id, keyHint: 'WXYZ' }, new Date(T0.getTime() + MINUTE)],
      ['connection.create', `connection:${second.connection.id}`, { channel: 'coupang_wing', keyHint: 'NEW1', replaced: first.connection.id }, new Date(T0.getTime() + MINUTE)],
    ]);
  });

  it('answers 409 and keeps the previous connection when another writer stored one at the same time', async () => {
    const s = setup();
    const first = await connectChannel(s.deps, owner(), wing, origin);
    s.data.refuseInserts = 1;
    const error = await failure(connectChannel(s.deps, owner(), wing, origin));
    expect(error.code).toBe('conflict');
    expect(error.message).toBe('Another coupang_wing connection was stored at the same time; list the connections and retry.');
    expect(error.details).toEqual({ channel: 'coupang_wing' });
    expect([...s.data.rows.keys()]).toEqual([first.connection.id]);
    expect(s.data.audit).toHaveLength(1);
  });
});

describe('deleteConnection', () => {
  it('removes the connection and its secrets (the id in any case), audited; another tenant\'s id is not found', async () => {
    const s = setup();
    const { connection } = await connectChannel(s.deps, owner(), wing, origin);
    const elsewhere = await failure(deleteConnection(s.deps, owner('t2'), connection.id, origin));
    expect([elsewhere.code, elsewhere.details, elsewhere.message]).toEqual(['not_found', { connectionId: connection.id }, 'Connection was not found']);
    const signal = new AbortController().signal;
    s.clock.advance(MINUTE);
    const removed = await deleteConnection(s.deps, owner(), connection.id.toUpperCase(), origin, signal);
    expect(removed).toEqual(connection);
    expect('sealed' in removed).toBe(false);
    expect(s.data.rows.size).toBe(0);
    expect(s.data.transactions.at(-1)).toEqual({ signal });
    expect(s.data.audit.at(-1)).toEqual(expect.objectContaining({
      tenantId: 't1', action: 'connection.delete', target: `connection:${connection.id}`, at: new Date(T0.getTime() + MINUTE), outcome: 'success',
      details: { channel: 'coupang_wing', keyHint: 'WXYZ' },
    }));
    expect((await failure(deleteConnection(s.deps, owner(), connection.id, origin))).code).toBe('not_found');
    expect(s.data.transactions.at(-1)).toBeUndefined();
  });

  it('is not found when the row goes between the read and the delete, and owners only', async () => {
    const s = setup();
    const { connection } = await connectChannel(s.deps, owner(), wing, origin);
    const forbidden = await failure(deleteConnection(s.deps, member(), connection.id, origin));
    expect([forbidden.code, forbidden.message]).toEqual(['forbidden', 'Only an owner of the tenant may delete a sales channel connection; this credential has the member role.']);
    expect(s.data.audit.at(-1)).toEqual(expect.objectContaining({ action: 'connection.delete', outcome: 'denied' }));
    const store = { ...s.store, transaction: (work: (u: AccessUnit) => Promise<unknown>) => work({ ...s.store, connections: { ...s.store.connections, delete: async () => false } }) } as AccessStore;
    expect((await failure(deleteConnection({ ...s.deps, store }, owner(), connection.id, origin))).code).toBe('not_found');
  });
});

describe('tenantConnections', () => {
  it('opens the active connection\'s credentials and records use at most once a minute', async () => {
    const s = setup();
    const { connection } = await connectChannel(s.deps, owner(), wing, origin);
    const port = tenantConnections(s.deps);
    s.clock.advance(5 * MINUTE);
    expect(await port.open('t1', 'coupang_wing')).toEqual({
      connectionId: connection.id, channel: 'coupang_wing', credentials: { vendorId: 'A00012345', accessKey: 'ak-0000-WXYZ', secretKey: 'sk-secret' },
    });
    expect(s.data.touched).toEqual([{ tenantId: 't1', id: connection.id, at: new Date(T0.getTime() + 5 * MINUTE), olderThan: new Date(T0.getTime() + 4 * MINUTE) }]);
    expect(s.vault.opened.at(-1)).toBe(`connection:t1:${connection.id}`);
  });

  it('does not open a sealed row copied to another tenant', async () => {
    const s = setup();
    const { connection } = await connectChannel(s.deps, owner(), wing, origin);
    const row = s.data.rows.get(connection.id)!;
    s.data.rows.set('copied', { ...row, id: 'copied', tenantId: 't2' });
    await expect(tenantConnections(s.deps).open('t2', 'coupang_wing')).rejects.toThrow('context mismatch');
  });

  it('answers 404 with how to connect when the tenant has none', async () => {
    const s = setup();
    const port = tenantConnections(s.deps);
    const wingError = await failure(port.open('t1', 'coupang_wing'));
    expect(wingError.code).toBe('not_found');
    expect(wingError.message).toBe('This tenant has no coupang_wing connection; connect it again with POST /v1/connections {"channel":"coupang_wing", ...}.');
    expect(wingError.details).toEqual({ channel: 'coupang_wing' });
    const alibabaError = await failure(port.open('t1', 'alibaba_1688'));
    expect(alibabaError.message).toBe('This tenant has no alibaba_1688 connection; grant access again with POST /v1/connections/alibaba_1688/authorize, then POST /v1/connections/alibaba_1688/grant.');
  });

  it('marks a refused connection rejected once (first time and code kept), audited by the system, and then answers 502 to renew it', async () => {
    const s = setup();
    const { connection } = await connectChannel(s.deps, owner(), wing, origin);
    const port = tenantConnections(s.deps);
    s.clock.advance(MINUTE);
    await port.markRejected('t1', connection.id.toUpperCase(), 'UNAUTHORIZED');
    s.clock.advance(MINUTE);
    await port.markRejected('t1', connection.id, 'OTHER');
    const at = new Date(T0.getTime() + MINUTE);
    expect(s.data.rows.get(connection.id)).toEqual(expect.objectContaining({ status: 'rejected', rejectedAt: at, rejectedCode: 'UNAUTHORIZED' }));
    expect(s.data.audit.slice(1)).toEqual([{
      tenantId: 't1', at, actor: 'system', credential: null, action: 'connection.reject', target: `connection:${connection.id}`, requestId: null, sourceIp: null,
      outcome: 'failure', details: { channel: 'coupang_wing', providerCode: 'UNAUTHORIZED' },
    }]);
    const error = await failure(port.open('t1', 'coupang_wing'));
    expect(error.code).toBe('upstream_failed');
    expect(error.message).toBe(
      `The coupang_wing connection was refused by the provider (UNAUTHORIZED) at ${at.toISOString()} and must be renewed: connect it again with POST /v1/connections {"channel":"coupang_wing", ...}.`,
    );
    expect(error.details).toEqual({ channel: 'coupang_wing', connectionId: connection.id, providerCode: 'UNAUTHORIZED', rejectedAt: at.toISOString(), renew: true });
    expect(s.data.touched).toEqual([]);
  });

  it('says so when a rejected row records no time or code', async () => {
    const s = setup();
    const { connection } = await connectChannel(s.deps, owner(), naver, origin);
    Object.assign(s.data.rows.get(connection.id)!, { status: 'rejected', rejectedAt: null, rejectedCode: null });
    const error = await failure(tenantConnections(s.deps).open('t1', 'naver_commerce'));
    expect(error.message).toContain('refused by the provider (unknown) at an earlier call and must be renewed');
    expect(error.details).toEqual({ channel: 'naver_commerce', connectionId: connection.id, providerCode: null, rejectedAt: null, renew: true });
  });

  it('audits a rejection with no channel when the row is gone by the time it is read', async () => {
    const s = setup();
    const { connection } = await connectChannel(s.deps, owner(), wing, origin);
    const unitWithoutRead = { ...s.store, connections: { ...s.store.connections, get: async () => null } };
    const store = { ...s.store, transaction: (work: (u: AccessUnit) => Promise<unknown>) => work(unitWithoutRead as AccessUnit) } as AccessStore;
    await tenantConnections({ ...s.deps, store }).markRejected('t1', connection.id, 'GONE');
    expect(s.data.audit.at(-1)?.details).toEqual({ channel: null, providerCode: 'GONE' });
  });
});

// ---- 1688 ----------------------------------------------------------------------------------------------------

const HOUR_S = 3_600;

const grantsSaying = (exchange: GrantOutcome, refresh: GrantOutcome = exchange) => {
  const calls = { authorize: [] as string[], exchange: [] as Array<[string, AbortSignal | undefined]>, refresh: [] as Array<[string, AbortSignal | undefined]> };
  const grants: AlibabaGrants = {
    authorizeUrl: async (state) => {
      calls.authorize.push(state);
      return `https://auth.1688.com/oauth/authorize?state=${state}`;
    },
    exchange: async (code, signal) => {
      calls.exchange.push([code, signal]);
      return exchange;
    },
    refresh: async (token, signal) => {
      calls.refresh.push([token, signal]);
      return refresh;
    },
  };
  return { grants, calls };
};

const granted = (over: Partial<Extract<GrantOutcome, { ok: true }>['tokens']> = {}): GrantOutcome => ({
  ok: true,
  tokens: {
    accessToken: 'at-1', accessTokenExpiresInSeconds: 10 * HOUR_S, refreshToken: 'rt-1', refreshTokenExpiresAt: new Date('2026-09-01T00:00:00Z'),
    memberId: 'b2b-22001234', aliId: '7001', ...over,
  },
});

const alibabaSetup = (exchange: GrantOutcome = granted(), refresh?: GrantOutcome) => {
  const s = setup();
  const { counter, consumed } = memoryCounter(s.clock.now);
  const g = grantsSaying(exchange, refresh);
  return { ...s, consumed, grantCalls: g.calls, deps: { store: s.store, vault: s.vault, clock: s.clock, rateCounter: counter, grants: g.grants } };
};

/** A state sealed by the test's vault for the tenant, with whatever payload. */
const forgedState = (vault: KeyVault, tenantId: string, payload: unknown) => {
  const sealed = vault.seal(JSON.stringify(payload), `alibaba-1688-state:${tenantId}`);
  return `${sealed.keyId}.${Buffer.from(sealed.data, 'base64').toString('base64url')}`;
};

describe('startAlibabaAuthorization', () => {
  it('gives the authorize URL with a state that lives 10 minutes, audited; owners only', async () => {
    const a = alibabaSetup();
    const started = await startAlibabaAuthorization(a.deps, owner(), origin);
    expect(a.grantCalls.authorize).toEqual([started.state]);
    expect(started.authorizeUrl).toBe(`https://auth.1688.com/oauth/authorize?state=${started.state}`);
    expect(started.expiresAt).toEqual(new Date(T0.getTime() + 10 * MINUTE));
    expect(started.state).toMatch(/^k1\.[A-Za-z0-9_-]+$/);
    expect(a.data.audit).toEqual([expect.objectContaining({ tenantId: 't1', action: 'connection.authorize', target: null, outcome: 'success', details: { channel: 'alibaba_1688' } })]);
    const error = await failure(startAlibabaAuthorization(a.deps, member(), origin));
    expect([error.code, error.message]).toEqual(['forbidden', 'Only an owner of the tenant may connect a 1688 account; this credential has the member role.']);
    expect(a.data.audit.at(-1)).toEqual(expect.objectContaining({ action: 'connection.authorize', outcome: 'denied' }));
    expect(a.grantCalls.authorize).toHaveLength(1);
  });
});

describe('completeAlibabaAuthorization', () => {
  it('exchanges the code and stores the tokens sealed as the tenant\'s 1688 connection, hinted by the member id', async () => {
    const a = alibabaSetup();
    const { state } = await startAlibabaAuthorization(a.deps, owner(), origin);
    a.clock.advance(3 * MINUTE);
    const signal = new AbortController().signal;
    const { connection, replaced } = await completeAlibabaAuthorization(a.deps, owner(), { code: 'code-1', state }, origin, signal);
    expect(replaced).toBeNull();
    expect(a.grantCalls.exchange).toEqual([['code-1', signal]]);
    expect(connection).toEqual(expect.objectContaining({ tenantId: 't1', channel: 'alibaba_1688', keyHint: '1234', status: 'active' }));
    const at = new Date(T0.getTime() + 3 * MINUTE);
    expect(JSON.parse(a.vault.open(a.data.rows.get(connection.id)!.sealed, sealContext('t1', connection.id)))).toEqual({
      accessToken: 'at-1', accessTokenExpiresAt: new Date(at.getTime() + 10 * 3_600_000).toISOString(), refreshToken: 'rt-1',
      refreshTokenExpiresAt: '2026-09-01T00:00:00.000Z', memberId: 'b2b-22001234', aliId: '7001',
    });
    expect(await alibabaAccount(tenantConnections(a.deps), owner(), signal)).toEqual({
      connectionId: connection.id, memberId: 'b2b-22001234', aliId: '7001', accessTokenExpiresAt: new Date(at.getTime() + 10 * 3_600_000).toISOString(),
      refreshTokenExpiresAt: '2026-09-01T00:00:00.000Z',
    });
  });

  it('hints by the ali id when 1688 names no member, and keeps a refresh token with no expiry as such', async () => {
    const a = alibabaSetup(granted({ memberId: null, refreshTokenExpiresAt: null, aliId: '99887766' }));
    const { state } = await startAlibabaAuthorization(a.deps, owner(), origin);
    const { connection } = await completeAlibabaAuthorization(a.deps, owner(), { code: 'c', state }, origin);
    expect(connection.keyHint).toBe('7766');
    const stored = JSON.parse(a.vault.open(a.data.rows.get(connection.id)!.sealed, sealContext('t1', connection.id))) as Alibaba1688Credentials;
    expect([stored.memberId, stored.aliId, stored.refreshTokenExpiresAt]).toEqual(['', '99887766', null]);
  });

  it('stores empty ids when 1688 names neither', async () => {
    const a = alibabaSetup(granted({ memberId: null, aliId: null }));
    const { state } = await startAlibabaAuthorization(a.deps, owner(), origin);
    const { connection } = await completeAlibabaAuthorization(a.deps, owner(), { code: 'c', state }, origin);
    const stored = JSON.parse(a.vault.open(a.data.rows.get(connection.id)!.sealed, sealContext('t1', connection.id))) as Alibaba1688Credentials;
    expect([connection.keyHint, stored.memberId, stored.aliId]).toEqual(['', '', '']);
  });

  it('spends a state once, in a window that starts when it was issued and outlives it', async () => {
    const a = alibabaSetup();
    a.clock.set(new Date(T0.getTime() + 7 * MINUTE + 123));
    const { state } = await startAlibabaAuthorization(a.deps, owner(), origin);
    const issued = a.clock.now().getTime();
    a.clock.advance(10 * MINUTE);
    await completeAlibabaAuthorization(a.deps, owner(), { code: 'c', state }, origin);
    expect(a.consumed).toHaveLength(1);
    const request = a.consumed[0]!;
    expect(request.name).toMatch(/^alibaba-1688-state:[0-9a-f-]{36}$/);
    expect(request.limit).toBe(1);
    expect(request.window.sizeMs).toBe(20 * MINUTE);
    expect(windowBounds(issued, request.window).start).toBe(issued);
    const again = await failure(completeAlibabaAuthorization(a.deps, owner(), { code: 'c', state }, origin));
    expect([again.code, again.details, again.message]).toEqual([
      'invalid', { field: 'state' }, 'The state was used already; start again with POST /v1/connections/alibaba_1688/authorize.',
    ]);
    expect(a.grantCalls.exchange).toHaveLength(1);
  });

  it('spends a state issued on a window boundary in that window', async () => {
    const a = alibabaSetup();
    a.clock.set(new Date(40 * MINUTE * 1_000_000));
    const { state } = await startAlibabaAuthorization(a.deps, owner(), origin);
    await completeAlibabaAuthorization(a.deps, owner(), { code: 'c', state }, origin);
    expect(a.consumed[0]!.window).toEqual({ sizeMs: 20 * MINUTE, utcOffsetMs: 0 });
  });

  it('refuses a state that expired (10 minutes), or that is dated after now, before asking 1688', async () => {
    const a = alibabaSetup();
    const { state } = await startAlibabaAuthorization(a.deps, owner(), origin);
    a.clock.advance(STATE_TTL_MS + 1);
    const late = await failure(completeAlibabaAuthorization(a.deps, owner(), { code: 'c', state }, origin));
    expect(late.message).toBe('The state has expired (it lives 10 minutes); start again with POST /v1/connections/alibaba_1688/authorize.');
    a.clock.set(new Date(T0.getTime() - 1));
    const early = await failure(completeAlibabaAuthorization(a.deps, owner(), { code: 'c', state }, origin));
    expect(early.message).toContain('has expired');
    a.clock.set(new Date(T0.getTime() + STATE_TTL_MS));
    await completeAlibabaAuthorization(a.deps, owner(), { code: 'c', state }, origin);
    expect(a.grantCalls.exchange).toHaveLength(1);
  });

  it('refuses a state of another tenant, an altered or malformed one, and one without its nonce or issue time', async () => {
    const a = alibabaSetup();
    const { state } = await startAlibabaAuthorization(a.deps, owner(), origin);
    const foreign = 'is not one this service issued to this tenant';
    const cases: Array<[string, string]> = [
      [(await startAlibabaAuthorization(a.deps, owner('t2'), origin)).state, foreign],
      [`k2${state.slice(2)}`, foreign],
      [`${state.slice(0, -4)}AAAA`, foreign],
      ['no-dot-here', 'is not one this service issued'],
      // A one-character key id is a key id (not configured here).
      [`x.${state.slice(3)}`, foreign],
      [`.${state.slice(3)}`, 'is not one this service issued'],
      [forgedState(a.vault, 't1', { i: T0.getTime() }), foreign],
      [forgedState(a.vault, 't1', { n: 'nonce', i: String(T0.getTime()) }), foreign],
    ];
    for (const [bad, why] of cases) {
      const error = await failure(completeAlibabaAuthorization(a.deps, owner(), { code: 'c', state: bad }, origin));
      expect([error.code, error.details, error.message]).toEqual(['invalid', { field: 'state' }, `The state ${why}; start again with POST /v1/connections/alibaba_1688/authorize.`]);
    }
    expect(a.grantCalls.exchange).toEqual([]);
    expect(a.consumed).toEqual([]);
    await completeAlibabaAuthorization(a.deps, owner(), { code: 'c', state: forgedState(a.vault, 't1', { n: 'nonce', i: T0.getTime() }) }, origin);
    expect(a.consumed.map((r) => r.name)).toEqual(['alibaba-1688-state:nonce']);
  });

  it('stores nothing when 1688 refuses the code (400 with its code, a failure audited) or grants no refresh token', async () => {
    const a = alibabaSetup({ ok: false, providerCode: 'invalid_grant', message: 'code used' });
    const { state } = await startAlibabaAuthorization(a.deps, owner(), origin);
    const refused = await failure(completeAlibabaAuthorization(a.deps, owner(), { code: 'c', state }, origin));
    expect(refused.code).toBe('invalid');
    expect(refused.message).toBe('1688 refused the authorization code (invalid_grant): code used. Nothing was stored; start again.');
    expect(refused.details).toEqual({ field: 'code', channel: 'alibaba_1688', providerCode: 'invalid_grant' });
    expect(a.data.audit.at(-1)).toEqual(expect.objectContaining({
      action: 'connection.create', target: null, outcome: 'failure', details: { channel: 'alibaba_1688', providerCode: 'invalid_grant' },
    }));
    const b = alibabaSetup(granted({ refreshToken: null }));
    const next = await startAlibabaAuthorization(b.deps, owner(), origin);
    const noRefresh = await failure(completeAlibabaAuthorization(b.deps, owner(), { code: 'c', state: next.state }, origin));
    expect([noRefresh.code, noRefresh.details, noRefresh.message]).toEqual(['upstream_failed', { channel: 'alibaba_1688' }, '1688 granted no refresh token; nothing was stored.']);
    expect(a.data.rows.size + b.data.rows.size).toBe(0);
  });

  it('lets only an owner complete the grant', async () => {
    const a = alibabaSetup();
    const { state } = await startAlibabaAuthorization(a.deps, owner(), origin);
    const error = await failure(completeAlibabaAuthorization(a.deps, member(), { code: 'c', state }, origin));
    expect([error.code, error.message]).toEqual(['forbidden', 'Only an owner of the tenant may connect a 1688 account; this credential has the member role.']);
    expect(a.data.audit.at(-1)).toEqual(expect.objectContaining({ action: 'connection.create', outcome: 'denied' }));
    expect(a.consumed).toEqual([]);
  });
});

describe('a 1688 connection opened near its access token\'s expiry', () => {
  /** A 1688 connection stored at T0 whose access token expires at T0 + 10 h and refresh token at `refreshExpiry`. */
  const connected = async (refresh: GrantOutcome, refreshExpiry: Date | null = new Date('2026-09-01T00:00:00Z')) => {
    const a = alibabaSetup(granted({ refreshTokenExpiresAt: refreshExpiry }), refresh);
    const { state } = await startAlibabaAuthorization(a.deps, owner(), origin);
    const { connection } = await completeAlibabaAuthorization(a.deps, owner(), { code: 'c', state }, origin);
    const expiry = T0.getTime() + 10 * 3_600_000;
    return { ...a, connection, expiry, port: tenantConnections(a.deps) };
  };

  it('uses the tokens as they are while more than 30 minutes are left', async () => {
    const c = await connected(granted({ accessToken: 'at-2' }));
    c.clock.set(new Date(c.expiry - REFRESH_MARGIN_MS - 1));
    expect((await c.port.open('t1', 'alibaba_1688')).credentials.accessToken).toBe('at-1');
    expect(c.grantCalls.refresh).toEqual([]);
    expect(REFRESH_MARGIN_MS).toBe(30 * MINUTE);
  });

  it('refreshes with 30 minutes left, resealing the new tokens in place (a new refresh token and its expiry kept)', async () => {
    const c = await connected(granted({ accessToken: 'at-2', accessTokenExpiresInSeconds: 5 * HOUR_S, refreshToken: 'rt-2', refreshTokenExpiresAt: null, memberId: 'm-new', aliId: 'a-new' }));
    const at = new Date(c.expiry - REFRESH_MARGIN_MS);
    c.clock.set(at);
    const signal = new AbortController().signal;
    const expected = {
      accessToken: 'at-2', accessTokenExpiresAt: new Date(at.getTime() + 5 * 3_600_000).toISOString(), refreshToken: 'rt-2', refreshTokenExpiresAt: null,
      memberId: 'm-new', aliId: 'a-new',
    };
    expect((await c.port.open('t1', 'alibaba_1688', signal)).credentials).toEqual(expected);
    expect(c.grantCalls.refresh).toEqual([['rt-1', signal]]);
    expect(c.data.resealed.map((r) => [r.tenantId, r.id])).toEqual([['t1', c.connection.id]]);
    expect(JSON.parse(c.vault.open(c.data.rows.get(c.connection.id)!.sealed, sealContext('t1', c.connection.id)))).toEqual(expected);
    expect((await c.port.open('t1', 'alibaba_1688')).credentials).toEqual(expected);
    expect(c.grantCalls.refresh).toHaveLength(1);
  });

  it('keeps the refresh token, its expiry and the ids when a refresh returns none', async () => {
    const c = await connected(granted({ accessToken: 'at-2', refreshToken: null, refreshTokenExpiresAt: new Date('2030-01-01T00:00:00Z'), memberId: null, aliId: null }));
    c.clock.set(new Date(c.expiry - MINUTE));
    expect((await c.port.open('t1', 'alibaba_1688')).credentials).toEqual(expect.objectContaining({
      accessToken: 'at-2', refreshToken: 'rt-1', refreshTokenExpiresAt: '2026-09-01T00:00:00.000Z', memberId: 'b2b-22001234', aliId: '7001',
    }));
  });

  it('takes a new refresh token\'s expiry, or none, with the token', async () => {
    const c = await connected(granted({ accessToken: 'at-2', refreshToken: 'rt-2', refreshTokenExpiresAt: new Date('2030-01-01T00:00:00Z') }));
    c.clock.set(new Date(c.expiry));
    expect((await c.port.open('t1', 'alibaba_1688')).credentials).toEqual(expect.objectContaining({ refreshToken: 'rt-2', refreshTokenExpiresAt: '2030-01-01T00:00:00.000Z' }));
  });

  it('refreshes whenever due when the refresh token has no expiry', async () => {
    const c = await connected(granted({ accessToken: 'at-2' }), null);
    c.clock.set(new Date('2027-01-01T00:00:00Z'));
    expect((await c.port.open('t1', 'alibaba_1688')).credentials.accessToken).toBe('at-2');
  });

  it('marks the connection rejected and answers 502 to renew when the refresh token has expired, without asking 1688', async () => {
    const refreshExpiry = new Date(T0.getTime() + 11 * 3_600_000);
    const c = await connected(granted({ accessToken: 'at-2' }), refreshExpiry);
    c.clock.set(refreshExpiry);
    const error = await failure(c.port.open('t1', 'alibaba_1688'));
    expect(error.code).toBe('upstream_failed');
    expect(error.message).toBe(
      'The alibaba_1688 connection has a refresh token that expired (refresh_token_expired) and must be renewed: grant access again with POST /v1/connections/alibaba_1688/authorize, then POST /v1/connections/alibaba_1688/grant.',
    );
    expect(error.details).toEqual({ channel: 'alibaba_1688', connectionId: c.connection.id, providerCode: 'refresh_token_expired', rejectedAt: refreshExpiry.toISOString(), renew: true });
    expect(c.grantCalls.refresh).toEqual([]);
    expect(c.data.rows.get(c.connection.id)).toEqual(expect.objectContaining({ status: 'rejected', rejectedCode: 'refresh_token_expired' }));
    expect(c.data.touched).toEqual([]);
  });

  it('refreshes a millisecond before the refresh token expires', async () => {
    const refreshExpiry = new Date(T0.getTime() + 11 * 3_600_000);
    const c = await connected(granted({ accessToken: 'at-2' }), refreshExpiry);
    c.clock.set(new Date(refreshExpiry.getTime() - 1));
    expect((await c.port.open('t1', 'alibaba_1688')).credentials.accessToken).toBe('at-2');
  });

  it('marks the connection rejected when 1688 refuses the refresh', async () => {
    const c = await connected({ ok: false, providerCode: 'invalid_grant', message: 'revoked' });
    c.clock.set(new Date(c.expiry));
    const error = await failure(c.port.open('t1', 'alibaba_1688'));
    expect(error.message).toContain('was refused by 1688 on a token refresh (invalid_grant) and must be renewed');
    expect(c.data.rows.get(c.connection.id)).toEqual(expect.objectContaining({ status: 'rejected', rejectedCode: 'invalid_grant' }));
    expect(c.data.audit.at(-1)).toEqual(expect.objectContaining({ action: 'connection.reject', details: { channel: 'alibaba_1688', providerCode: 'invalid_grant' } }));
  });

  it('answers 503 where 1688 OAuth is not configured, the connection kept', async () => {
    const c = await connected(granted());
    c.clock.set(new Date(c.expiry));
    const error = await failure(tenantConnections({ store: c.store, vault: c.vault, clock: c.clock }).open('t1', 'alibaba_1688'));
    expect([error.code, error.details, error.message]).toEqual(['unavailable', { channel: 'alibaba_1688' }, '1688 OAuth is not configured on this server']);
    expect(c.data.rows.get(c.connection.id)?.status).toBe('active');
  });

  it('keeps the connection when the refresh fails on an outage', async () => {
    const c = await connected(granted());
    c.clock.set(new Date(c.expiry));
    const grants = { authorizeUrl: vi.fn(), exchange: vi.fn(), refresh: vi.fn(async () => Promise.reject(new DomainError('upstream_failed', '1688 is down'))) };
    await expect(tenantConnections({ store: c.store, vault: c.vault, clock: c.clock, grants }).open('t1', 'alibaba_1688')).rejects.toThrow('1688 is down');
    expect(c.data.rows.get(c.connection.id)?.status).toBe('active');
  });
});
