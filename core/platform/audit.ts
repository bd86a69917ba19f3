/**
 * The audit log: append-only, one hash chain per tenant (and one `platform` chain for events without a tenant,
 * such as a request with an unknown key). Each entry's hash covers its fields and the previous entry's hash, so
 * editing, deleting or reordering a stored entry breaks every later link and `verifyChain` names the first one.
 */
import { sha256Hex } from '../shared/hash.ts';
import { DomainError } from '../shared/errors.ts';
import type { AuditCredential, AuditDraft, AuditEntry, AuditFilter, ChainReport } from './model.ts';
import type { Principal } from './principal.ts';

export const PLATFORM_CHAIN = 'platform';
/** The "previous hash" of a chain's first entry. */
export const GENESIS_HASH = '0'.repeat(64);

/** The credential of a principal, or null for an anonymous caller. */
export const credentialOf = (principal: Principal): AuditCredential | null => {
  if (principal.kind === 'anonymous') return null;
  return {
    via: principal.via,
    keyId: principal.key?.keyId ?? null,
    keyPrefix: principal.key?.keyPrefix ?? null,
    role: principal.kind === 'tenant' ? principal.role : 'admin',
  };
};

export interface AuditRepository {
  /**
   * Appends to the entry's chain. Appends to one chain are serialised, so concurrent writers never fork it;
   * call it inside the transaction of the change it records.
   */
  append(draft: AuditDraft): Promise<AuditEntry>;
  /** Newest first, entries with `seq < beforeSeq` when given; at most `limit`. */
  list(chain: string, filter: AuditFilter, beforeSeq: number | null, limit: number): Promise<AuditEntry[]>;
  /** Every chain name. */
  chains(): Promise<string[]>;
  /** Oldest first, entries with `seq > afterSeq`; at most `limit`. */
  scan(chain: string, afterSeq: number, limit: number): Promise<AuditEntry[]>;
  /** The chain head as recorded at the last append (seq and hash), or null for an unknown chain. */
  head(chain: string): Promise<{ seq: number; hash: string } | null>;
}

export const chainOf = (tenantId: string | null): string => tenantId ?? PLATFORM_CHAIN;

const sortedDetails = (details: AuditDraft['details']): [string, unknown][] =>
  Object.keys(details)
    .sort()
    .map((k) => [k, details[k]]);

/**
 * Canonical serialisation: a JSON array in a fixed field order (no key-order ambiguity), details sorted by key,
 * time as ISO-8601 in milliseconds. Versioned so the format can change without breaking old chains: `v1` for an
 * entry with neither a credential nor a client request id (every entry written before they existed), `v2` adds
 * both. Dropping them from a v2 entry changes its hash, so the chain still catches it.
 */
export const canonicalEntry = (e: Omit<AuditEntry, 'hash' | 'id'> & { id: string }): string => {
  const credential = e.credential ?? null;
  const clientRequestId = e.clientRequestId ?? null;
  if (credential === null && clientRequestId === null) return canonicalV1(e);
  return JSON.stringify([
    'v2',
    e.id,
    chainOf(e.tenantId),
    e.seq,
    e.at.toISOString(),
    e.actor,
    credential && [credential.via, credential.keyId, credential.keyPrefix, credential.role],
    e.action,
    e.target,
    e.requestId,
    clientRequestId,
    e.sourceIp,
    e.outcome,
    sortedDetails(e.details),
    e.prevHash,
  ]);
};

const canonicalV1 = (e: Omit<AuditEntry, 'hash' | 'id'> & { id: string }): string =>
  JSON.stringify([
    'v1',
    e.id,
    chainOf(e.tenantId),
    e.seq,
    e.at.toISOString(),
    e.actor,
    e.action,
    e.target,
    e.requestId,
    e.sourceIp,
    e.outcome,
    sortedDetails(e.details),
    e.prevHash,
  ]);

export const hashEntry = (e: Omit<AuditEntry, 'hash'>): string => sha256Hex(canonicalEntry(e));

/** Builds the next entry of a chain whose head is `prev` (null for an empty chain). */
export const sealEntry = (draft: AuditDraft, id: string, prev: { seq: number; hash: string } | null): AuditEntry => {
  const body = { ...draft, credential: draft.credential ?? null, clientRequestId: draft.clientRequestId ?? null, id, seq: (prev?.seq ?? 0) + 1, prevHash: prev?.hash ?? GENESIS_HASH };
  return { ...body, hash: hashEntry(body) };
};

/** Walks one chain from its first entry, page by page, and reports the first entry that does not link up. */
export const verifyChain = async (repo: AuditRepository, chain: string, pageSize = 1000): Promise<ChainReport> => {
  let prev = { seq: 0, hash: GENESIS_HASH };
  let count = 0;
  const fail = (seq: number, entryId: string | null, reason: string): ChainReport => ({ chain, entries: count, break: { chain, seq, entryId, reason } });
  for (;;) {
    const page = await repo.scan(chain, prev.seq, pageSize);
    for (const e of page) {
      if (e.seq !== prev.seq + 1) return fail(prev.seq + 1, null, `entry ${prev.seq + 1} is missing (next stored is ${e.seq})`);
      if (chainOf(e.tenantId) !== chain) return fail(e.seq, e.id, 'entry belongs to another chain');
      if (e.prevHash !== prev.hash) return fail(e.seq, e.id, 'previous-hash link does not match the entry before it');
      if (hashEntry(e) !== e.hash) return fail(e.seq, e.id, 'content does not match its hash (the entry was edited)');
      prev = { seq: e.seq, hash: e.hash };
      count++;
    }
    if (page.length < pageSize) break;
  }
  const head = await repo.head(chain);
  if (head && (head.seq !== prev.seq || head.hash !== prev.hash)) {
    return fail(prev.seq + 1, null, `chain head records entry ${head.seq} but the log ends at ${prev.seq} (entries were removed)`);
  }
  return { chain, entries: count, break: null };
};

// Cursor: opaque to callers; encodes the chain position to continue below.
export const encodeCursor = (seq: number): string => Buffer.from(JSON.stringify({ s: seq })).toString('base64url');

export const decodeCursor = (cursor: string): number => {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { s?: unknown };
    if (typeof value.s === 'number' && Number.isSafeInteger(value.s) && value.s > 0) return value.s;
  } catch {
    // fall through
  }
  throw new DomainError('invalid', 'cursor is not one this API returned', { details: { field: 'cursor' } });
};
