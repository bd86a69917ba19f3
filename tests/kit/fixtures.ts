/**
 * A handler built straight from the toolkit (`createHandler`) over small fakes of the ports it reads: auth, flags,
 * quota, the idempotency store, the audit log and the clock. No runtime, registry or server, so the suites in
 * tests/kit load in a moment and Stryker can judge the toolkit's mutants with them.
 */
import { createRootLogger } from '../../adapters/logging.ts';
import { invokeDirect, type RequestSpec } from '../../adapters/routing/direct.ts';
import { buildV2Event, type EventParts } from '../../adapters/routing/build-event.ts';
import type { AuditDraft } from '../../core/platform/model.ts';
import type { FlagContext } from '../../core/platform/flags.ts';
import type { BeginOptions, BeginResult, IdempotencyKey, IdempotencyStore, StoredResponse } from '../../core/platform/idempotency.ts';
import type { AuthFailure, Principal, Throttle } from '../../core/platform/principal.ts';
import type { Ports } from '../../core/ports.ts';
import type { AnyEndpoint } from '../../handlers/kit/endpoint.ts';
import type { InvocationContext, V2Event, V2Result } from '../../handlers/kit/gateway-event.ts';
import { createHandler } from '../../handlers/kit/handler.ts';
import type { HandlerOptions, RequestMetrics, RequestTracing } from '../../handlers/kit/options.ts';

export const owner: Principal = { kind: 'tenant', tenantId: 't-1', actorId: 'u-owner', role: 'owner', via: 'api_key', key: { keyId: 'k-1', keyPrefix: 'sp_live_ab' } };
export const member: Principal = { kind: 'tenant', tenantId: 't-1', actorId: 'u-member', role: 'member', via: 'jwt' };
export const otherTenant: Principal = { kind: 'tenant', tenantId: 't-2', actorId: 'u-owner', role: 'owner', via: 'api_key' };
export const admin: Principal = { kind: 'admin', actorId: 'a-1', via: 'api_key' };

/** Bearer tokens the fake authenticator accepts. */
export const tokens: Record<string, Principal> = { owner, member, other: otherTenant, admin };
export const bearer = (token: keyof typeof tokens | string) => ({ authorization: `Bearer ${token}` });

/** An idempotency store in memory with the store's contract: one `new` per key, replay once completed. */
export const memoryIdempotency = () => {
  const entries = new Map<string, { fingerprint: string; token: string; response?: StoredResponse }>();
  const id = (k: IdempotencyKey) => `${k.scope}|${k.operation}|${k.key}`;
  const calls = { begin: [] as Array<{ key: IdempotencyKey; options: BeginOptions }>, complete: 0, release: 0 };
  let tokens = 0;
  const store: IdempotencyStore = {
    begin: async (key, options): Promise<BeginResult> => {
      calls.begin.push({ key, options });
      const entry = entries.get(id(key));
      if (!entry) {
        const token = `tok-${++tokens}`;
        entries.set(id(key), { fingerprint: options.fingerprint, token });
        return { state: 'new', token };
      }
      if (entry.fingerprint !== options.fingerprint) return { state: 'mismatch' };
      return entry.response ? { state: 'completed', response: entry.response } : { state: 'in_progress' };
    },
    complete: async (key, token, response) => {
      calls.complete += 1;
      const entry = entries.get(id(key));
      if (entry?.token === token) entry.response = response;
    },
    release: async (key, token) => {
      calls.release += 1;
      if (entries.get(id(key))?.token === token) entries.delete(id(key));
    },
  };
  return { store, entries, calls };
};

export interface Harness {
  options: HandlerOptions;
  logs: Record<string, unknown>[];
  access: Record<string, unknown>[];
  failures: AuthFailure[];
  consumed: Array<{ tenantId: string; signal: AbortSignal | undefined; call: unknown }>;
  audits: AuditDraft[];
  flagChecks: Array<{ flag: string; context: FlagContext | undefined }>;
  idempotency: ReturnType<typeof memoryIdempotency>;
  /** Builds the endpoint's handler and calls it with the event an HTTP request for `spec` would produce. */
  call(def: AnyEndpoint, spec?: RequestSpec, context?: InvocationContext): Promise<Reply>;
  /** Calls the endpoint's handler with an event built from its parts (raw bodies, base64, source addresses). */
  send(def: AnyEndpoint, parts: Partial<EventParts>, context?: InvocationContext): Promise<Reply>;
}

export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: any;
  raw: V2Result;
}

export const reply = (raw: V2Result): Reply => {
  const type = raw.headers?.['content-type'] ?? '';
  const body = raw.body && type.includes('json') ? JSON.parse(raw.body) : raw.body;
  return { status: raw.statusCode, headers: raw.headers ?? {}, body, raw };
};

export interface HarnessOptions {
  auth?: Partial<Ports['auth']>;
  /** Flags on for everyone. */
  flagsOn?: string[];
  /** What `quota.consume` does; absent: no quota port at all. */
  consume?: (tenantId: string) => Promise<void>;
  noQuota?: boolean;
  store?: IdempotencyStore;
  appendAudit?: (draft: AuditDraft) => Promise<unknown>;
  accessLog?: boolean;
  validateResponses?: boolean;
  maxBodyBytes?: number;
  tracing?: RequestTracing;
  metrics?: RequestMetrics;
}

export const NOW = new Date('2026-03-01T09:00:00Z');

export const harness = (o: HarnessOptions = {}): Harness => {
  const logs: Record<string, unknown>[] = [];
  const access: Record<string, unknown>[] = [];
  const failures: AuthFailure[] = [];
  const consumed: Harness['consumed'] = [];
  const audits: AuditDraft[] = [];
  const flagChecks: Harness['flagChecks'] = [];
  const print = (line: string) => void logs.push(JSON.parse(line));
  const logger = createRootLogger('DEBUG', { printer: { info: print, warn: print, error: print, debug: print, log: print, trace: print } });
  const idempotency = memoryIdempotency();
  const auth = {
    authenticate: async ({ authorization }: { authorization: string | undefined }) => {
      const match = /^Bearer (\S+)$/.exec(authorization ?? '');
      return (match && tokens[match[1]!]) ?? null;
    },
    recordFailure: async (failure: AuthFailure): Promise<Throttle | null> => {
      failures.push(failure);
      return null;
    },
    ...o.auth,
  };
  const ports = {
    auth,
    flags: {
      isEnabled: (flag: string, context?: FlagContext) => {
        flagChecks.push({ flag, context });
        return (o.flagsOn ?? []).includes(flag);
      },
    },
    quota: o.noQuota
      ? undefined
      : {
          consume: async (tenantId: string, signal?: AbortSignal, call?: unknown) => {
            await o.consume?.(tenantId);
            consumed.push({ tenantId, signal, call });
          },
        },
    idempotency: { store: o.store ?? idempotency.store, ttlSeconds: 86_400, lockSeconds: 120 },
    access: {
      audit: {
        append: async (draft: AuditDraft) => {
          if (o.appendAudit) await o.appendAudit(draft);
          audits.push(draft);
          return draft;
        },
      },
    },
    clock: { now: () => NOW },
  } as unknown as Ports;
  const options: HandlerOptions = {
    ports,
    logger,
    accessLog: o.accessLog === false ? null : (line) => access.push(JSON.parse(line)),
    service: 'sellpo-test',
    validateResponses: o.validateResponses ?? true,
    ...(o.maxBodyBytes !== undefined ? { maxBodyBytes: o.maxBodyBytes } : {}),
    ...(o.tracing ? { tracing: o.tracing } : {}),
    ...(o.metrics ? { metrics: o.metrics } : {}),
  };
  const handlers = new Map<AnyEndpoint, (event: V2Event, context?: InvocationContext) => Promise<V2Result>>();
  const handlerOf = (def: AnyEndpoint) => {
    let h = handlers.get(def);
    if (!h) handlers.set(def, (h = createHandler(def, options)));
    return h;
  };
  return {
    options, logs, access, failures, consumed, audits, flagChecks, idempotency,
    call: async (def, spec = {}, context) => {
      const h = handlerOf(def);
      return reply(await invokeDirect(def, (event) => h(event, context), spec));
    },
    send: async (def, parts, context) =>
      reply(await handlerOf(def)(buildV2Event({ method: def.method, rawPath: def.path, routeKey: `${def.method} ${def.path}`, ...parts }), context)),
  };
};
