/**
 * `Idempotency-Key` on state-changing POSTs. The same key with the same request from the same caller replays the
 * first response (status, headers, body, plus `idempotency-replayed: true`) without running the use case again;
 * the same key with a different request, or from another credential (another member or role), is 422 (a JSON body
 * is compared by value, so the same body re-serialised with its keys in another order is the same request); a key whose
 * first request is still running is 409. Keys are scoped by tenant and endpoint. A use case that fails with a 5xx
 * (or throws) releases the key so a retry can run; 4xx answers are stored like successes, since repeating the
 * request would get the same answer.
 *
 * The step runs after authentication and the endpoint's role check, so a replay is only ever handed to a caller
 * who may make the request. Secrets an endpoint shows once (`secrets`) are left out of the stored copy, and a
 * replay of an audited endpoint (`audit`) is audited too, marked as a replay.
 */
import { createHash } from 'node:crypto';
import { DomainError } from '../../core/shared/errors.ts';
import type { IdempotencyKey, StoredResponse } from '../../core/platform/idempotency.ts';
import type { Principal } from '../../core/platform/principal.ts';
import { actorOf } from '../../core/platform/tenants.ts';
import { credentialOf } from '../../core/platform/audit.ts';
import type { Ports } from '../../core/ports.ts';
import type { AnyEndpoint } from './endpoint.ts';
import { errorResult } from './errors.ts';
import type { V2Event, V2Result } from './gateway-event.ts';
import type { RequestScope, Step } from './request.ts';

export const IDEMPOTENCY_HEADER = 'idempotency-key';
export const REPLAYED_HEADER = 'idempotency-replayed';

/** Printable ASCII, as long as a UUID or a client's own scheme needs. */
const KEY = /^[\x21-\x7e]{1,255}$/;

/** POSTs behind tenant or admin credentials are idempotent unless the endpoint opts out (pure calculations). */
export const isIdempotent = (def: AnyEndpoint): boolean =>
  def.idempotent ?? (def.method === 'POST' && (def.access === 'tenant' || def.access === 'admin'));

/**
 * Who the request is from, as far as a replay is concerned: the tenant's member and role, or the administrator.
 * Two credentials of one member with one role have the same rights, so they may replay each other's answers.
 */
export const callerIdentity = (principal: Principal): string =>
  principal.kind === 'tenant'
    ? `tenant:${principal.tenantId}:member:${principal.actorId}:${principal.role}`
    : principal.kind === 'admin' ? `admin:${principal.actorId}` : 'anonymous';

/** JSON with every object's keys sorted, recursively: one text for one value however a client orders its keys. */
export const canonicalJson = (value: unknown): string => {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    return `{${Object.keys(object).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(object[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
};

/**
 * What makes two requests "the same": the caller, method, path, query and body. A JSON body the endpoint parsed
 * counts as its value in canonical form, so a retry re-serialised by another client library (keys in another
 * order, other spacing) is a replay; any other body counts as its bytes.
 */
export const requestFingerprint = (event: V2Event, principal: Principal, parsed?: { value: unknown }): string => {
  const body = parsed
    ? `json:${canonicalJson(parsed.value)}`
    : event.body ? `raw:${event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body}` : '';
  return createHash('sha256')
    .update(`${callerIdentity(principal)}\n${event.requestContext?.http?.method ?? ''}\n${event.rawPath ?? ''}\n${event.rawQueryString ?? ''}\n`)
    .update(body)
    .digest('hex');
};

const scopeOf = (principal: Principal): string => (principal.kind === 'tenant' ? principal.tenantId : principal.kind === 'admin' ? 'platform' : 'public');

/**
 * The copy of an answer that may be stored: without the fields the endpoint declares secret, and with its note
 * when one was left out. A body that cannot be read as a JSON object is replaced by the note alone.
 */
export const storableResponse = (def: Pick<AnyEndpoint, 'secrets'>, result: V2Result): StoredResponse => {
  const body = result.body ?? '';
  const stored: StoredResponse = { status: result.statusCode, headers: { ...result.headers }, body };
  if (!def.secrets || body === '') return stored;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    parsed = undefined;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return { ...stored, body: JSON.stringify({ note: def.secrets.note }) };
  const copy = { ...(parsed as Record<string, unknown>) };
  let removed = false;
  for (const field of def.secrets.fields) {
    if (Object.hasOwn(copy, field)) {
      delete copy[field];
      removed = true;
    }
  }
  return removed ? { ...stored, body: JSON.stringify({ ...copy, note: def.secrets.note }) } : stored;
};

type HeldKey = NonNullable<RequestScope['heldKey']>;

const release = (ports: Ports, s: RequestScope, held: HeldKey): Promise<void> =>
  ports.idempotency.store.release(held.key, held.token).catch((e: unknown) => s.log.error('could not release an idempotency key', { error: e as Error }));

/** Stores the answer under the held key, or frees the key when the answer is a 5xx so a retry can run. */
const settle = async (def: AnyEndpoint, ports: Ports, s: RequestScope, held: HeldKey, result: V2Result): Promise<void> => {
  if (result.statusCode >= 500) return release(ports, s, held);
  // The answer stands even if it cannot be stored; the key then frees itself when its lease ends.
  await ports.idempotency.store
    .complete(held.key, held.token, storableResponse(def, result))
    .catch((e: unknown) => s.log.error('could not store an idempotent response', { error: e as Error }));
};

/**
 * Takes the request's key before the use case runs: a repeated request gets the stored answer at once, a
 * different one under the same key 422, one still running 409.
 */
const hold = async (def: AnyEndpoint, ports: Ports, event: V2Event, s: RequestScope, header: string): Promise<V2Result | undefined> => {
  if (!KEY.test(header)) {
    throw new DomainError('invalid', 'Idempotency-Key must be 1 to 255 printable ASCII characters without spaces.', {
      details: { errors: [{ in: 'header', field: IDEMPOTENCY_HEADER, message: 'expected 1-255 printable ASCII characters', code: 'invalid_format' }] },
    });
  }
  const { store, ttlSeconds, lockSeconds } = ports.idempotency;
  const key: IdempotencyKey = { scope: scopeOf(s.principal), operation: def.id, key: header };
  let begun;
  try {
    begun = await store.begin(key, { fingerprint: requestFingerprint(event, s.principal, s.body?.ok ? s.body : undefined), ttlSeconds, lockSeconds });
  } catch (error) {
    s.log.error('idempotency store unavailable', { error: error as Error });
    throw new DomainError('unavailable', 'The request could not be checked against its Idempotency-Key; retry shortly.', { retryAfterSeconds: 1, cause: error });
  }
  switch (begun.state) {
    case 'completed':
      await auditReplay(def, ports, s, begun.response);
      return { statusCode: begun.response.status, headers: { ...begun.response.headers, [REPLAYED_HEADER]: 'true' }, body: begun.response.body };
    case 'mismatch':
      throw new DomainError('unprocessable', 'This Idempotency-Key was already used with a different request or by another credential; use a new key for a new request.', {
        details: { idempotencyKey: header },
      });
    case 'in_progress':
      throw new DomainError('conflict', 'A request with this Idempotency-Key is still running; retry after it finishes.', {
        details: { idempotencyKey: header },
        retryAfterSeconds: 1,
      });
  }
  s.heldKey = { key, token: begun.token };
  return undefined;
};

/**
 * The `idempotency` step, for idempotent endpoints. It runs after admission, validation and metering, so a
 * rejected request never uses up a key. Requests without the header pass through without an await.
 */
export const idempotency = (def: AnyEndpoint, ports: Ports): Step => ({
  name: 'idempotency',
  before: ({ event, context: s }) => {
    const header = event.headers?.[IDEMPOTENCY_HEADER];
    return header === undefined ? undefined : hold(def, ports, event, s, header);
  },
  after: ({ response, context: s }) => {
    const held = s.heldKey;
    if (!held || !response) return undefined;
    s.heldKey = undefined;
    return settle(def, ports, s, held, response);
  },
  // A failure of the use case is answered here when a key is held, so that 4xx answers are stored like successes.
  onError: ({ error, context: s }) => {
    const held = s.heldKey;
    if (!held) return undefined;
    s.heldKey = undefined;
    const result = errorResult(error, s.requestId, () => s.log);
    return settle(def, ports, s, held, result).then(() => result);
  },
});

/**
 * A replay of an audited endpoint is recorded like the first answer, in the caller's chain, marked as a replay.
 * Handing out an answer without its record would leave a hole in the log, so a failed write fails the replay.
 */
const auditReplay = async (def: AnyEndpoint, ports: Ports, s: RequestScope, response: StoredResponse): Promise<void> => {
  if (!def.audit) return;
  let target: string | null = null;
  if (def.audit.target && response.status < 400) {
    try {
      target = (def.audit.target as (body: unknown) => string | null)(JSON.parse(response.body));
    } catch {
      target = null;
    }
  }
  try {
    await ports.access.audit.append({
      tenantId: s.principal.kind === 'tenant' ? s.principal.tenantId : null,
      at: ports.clock.now(),
      actor: actorOf(s.principal),
      credential: credentialOf(s.principal),
      action: def.audit.action,
      target,
      requestId: s.requestId,
      clientRequestId: s.clientRequestId ?? null,
      sourceIp: s.sourceIp || null,
      outcome: response.status < 400 ? 'success' : 'failure',
      details: { replay: true, status: response.status },
    });
  } catch (error) {
    s.log.error('could not audit an idempotent replay', { error: error as Error });
    throw new DomainError('unavailable', 'The replay of this request could not be recorded; retry shortly.', { retryAfterSeconds: 1, cause: error });
  }
};
