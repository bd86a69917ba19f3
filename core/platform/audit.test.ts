import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../shared/errors.ts';
import { GENESIS_HASH, PLATFORM_CHAIN, canonicalEntry, chainOf, decodeCursor, encodeCursor, hashEntry, sealEntry, verifyChain, type AuditRepository } from './audit.ts';
import type { AuditDraft, AuditEntry } from './model.ts';

const draft = (n: number, tenantId: string | null = 'tenant-a'): AuditDraft => ({
  tenantId,
  at: new Date(Date.UTC(2026, 4, 1, 0, 0, n)),
  actor: 'member:m-1',
  action: 'api_key.create',
  target: `api_key:k-${n}`,
  requestId: `req-${n}`,
  sourceIp: '127.0.0.1',
  outcome: 'success',
  details: { prefix: `sp_${n}`, role: 'owner' },
});

/** Seals `count` entries into one chain, as the repository does on append. */
const chainOfEntries = (count: number, tenantId: string | null = 'tenant-a'): AuditEntry[] => {
  const out: AuditEntry[] = [];
  for (let n = 1; n <= count; n++) out.push(sealEntry(draft(n, tenantId), `e-${n}`, out.at(-1) ?? null));
  return out;
};

/** A repository over a stored list and a recorded head, which a test may tamper with separately. */
const repoOf = (entries: AuditEntry[], head: { seq: number; hash: string } | null, chain = 'tenant-a'): AuditRepository & { scans: number[] } => {
  const scans: number[] = [];
  return {
    scans,
    append: () => Promise.reject(new Error('not used')),
    list: () => Promise.reject(new Error('not used')),
    chains: () => Promise.resolve([chain]),
    scan: (_chain, afterSeq, limit) => {
      scans.push(afterSeq);
      return Promise.resolve(entries.filter((e) => e.seq > afterSeq).sort((a, b) => a.seq - b.seq).slice(0, limit));
    },
    head: () => Promise.resolve(head),
  };
};
const headOf = (entries: AuditEntry[]) => ({ seq: entries.at(-1)!.seq, hash: entries.at(-1)!.hash });

describe('sealing entries', () => {
  it('numbers a chain from 1 and links the first entry to the genesis hash', () => {
    const [first, second] = chainOfEntries(2);
    expect(first!.seq).toBe(1);
    expect(first!.prevHash).toBe(GENESIS_HASH);
    expect(GENESIS_HASH).toBe('0'.repeat(64));
    expect(second!.seq).toBe(2);
    expect(second!.prevHash).toBe(first!.hash);
  });

  it('hashes the canonical text: SHA-256 hex of the fixed-order JSON array', () => {
    const e = sealEntry(draft(1), 'e-1', null);
    const text = JSON.stringify([
      'v1', 'e-1', 'tenant-a', 1, '2026-05-01T00:00:01.000Z', 'member:m-1', 'api_key.create', 'api_key:k-1', 'req-1', '127.0.0.1', 'success',
      [['prefix', 'sp_1'], ['role', 'owner']], GENESIS_HASH,
    ]);
    expect(canonicalEntry(e)).toBe(text);
    expect(e.hash).toBe(createHash('sha256').update(text, 'utf8').digest('hex'));
    expect(hashEntry(e)).toBe(e.hash);
  });

  it('sorts details by key, so their insertion order does not change the hash', () => {
    const a = sealEntry({ ...draft(1), details: { z: 1, a: 'x' } }, 'e-1', null);
    const b = sealEntry({ ...draft(1), details: { a: 'x', z: 1 } }, 'e-1', null);
    expect(a.hash).toBe(b.hash);
    expect(canonicalEntry(a)).toContain('[["a","x"],["z",1]]');
  });

  it('puts events without a tenant on the platform chain', () => {
    expect(chainOf(null)).toBe(PLATFORM_CHAIN);
    expect(PLATFORM_CHAIN).toBe('platform');
    expect(chainOf('tenant-a')).toBe('tenant-a');
    expect(canonicalEntry(sealEntry(draft(1, null), 'e-1', null))).toContain('"e-1","platform",1');
  });
});

describe('verifyChain', () => {
  it('accepts an intact chain, read page by page', async () => {
    const entries = chainOfEntries(5);
    const repo = repoOf(entries, headOf(entries));
    expect(await verifyChain(repo, 'tenant-a', 2)).toEqual({ chain: 'tenant-a', entries: 5, break: null });
    // Pages after 0, 2, 4; the third page holds one entry (fewer than the page size), so the walk stops there.
    expect(repo.scans).toEqual([0, 2, 4]);
  });

  it('reads one more page when the last one was exactly full', async () => {
    const entries = chainOfEntries(4);
    const repo = repoOf(entries, headOf(entries));
    expect((await verifyChain(repo, 'tenant-a', 2)).break).toBeNull();
    expect(repo.scans).toEqual([0, 2, 4]);
  });

  it('accepts an empty, unknown chain', async () => {
    expect(await verifyChain(repoOf([], null), 'tenant-a')).toEqual({ chain: 'tenant-a', entries: 0, break: null });
  });

  it('names the first entry whose content was edited', async () => {
    const entries = chainOfEntries(3);
    const head = headOf(entries);
    entries[1] = { ...entries[1]!, outcome: 'denied' };
    expect((await verifyChain(repoOf(entries, head), 'tenant-a')).break).toEqual({
      chain: 'tenant-a', seq: 2, entryId: 'e-2', reason: 'content does not match its hash (the entry was edited)',
    });
  });

  it('detects the newest entries removed: the recorded head is past the end of the log', async () => {
    const entries = chainOfEntries(4);
    const head = headOf(entries);
    const report = await verifyChain(repoOf(entries.slice(0, 2), head), 'tenant-a');
    expect(report).toEqual({
      chain: 'tenant-a',
      entries: 2,
      break: { chain: 'tenant-a', seq: 3, entryId: null, reason: 'chain head records entry 4 but the log ends at 2 (entries were removed)' },
    });
  });

  it('detects a head whose hash is not the last entry’s (the last entry replaced by a re-sealed one)', async () => {
    const entries = chainOfEntries(3);
    const head = headOf(entries);
    entries[2] = sealEntry({ ...draft(3), outcome: 'failure' }, 'e-3', entries[1]!);
    const report = await verifyChain(repoOf(entries, head), 'tenant-a');
    expect(report.break).toEqual({ chain: 'tenant-a', seq: 4, entryId: null, reason: 'chain head records entry 3 but the log ends at 3 (entries were removed)' });
  });

  it('detects a missing entry in the middle by its number, before any link check', async () => {
    const entries = chainOfEntries(4);
    const head = headOf(entries);
    const report = await verifyChain(repoOf([entries[0]!, entries[2]!, entries[3]!], head), 'tenant-a');
    expect(report).toEqual({
      chain: 'tenant-a',
      entries: 1,
      break: { chain: 'tenant-a', seq: 2, entryId: null, reason: 'entry 2 is missing (next stored is 3)' },
    });
  });

  it('detects a missing first entry', async () => {
    const entries = chainOfEntries(2);
    expect((await verifyChain(repoOf([entries[1]!], headOf(entries)), 'tenant-a')).break).toEqual({
      chain: 'tenant-a', seq: 1, entryId: null, reason: 'entry 1 is missing (next stored is 2)',
    });
  });

  it('detects a broken previous-hash link even when the entry’s own hash was recomputed', async () => {
    const entries = chainOfEntries(3);
    const head = headOf(entries);
    // Entry 2 re-sealed onto a forged predecessor: its content hash is self-consistent, only the link is wrong.
    entries[1] = sealEntry(draft(2), 'e-2', { seq: 1, hash: 'f'.repeat(64) });
    const report = await verifyChain(repoOf(entries, head), 'tenant-a');
    expect(report).toEqual({
      chain: 'tenant-a',
      entries: 1,
      break: { chain: 'tenant-a', seq: 2, entryId: 'e-2', reason: 'previous-hash link does not match the entry before it' },
    });
  });

  it('detects an entry that belongs to another chain', async () => {
    const entries = chainOfEntries(2);
    const foreign = sealEntry(draft(2, 'tenant-b'), 'e-x', entries[0]!);
    expect((await verifyChain(repoOf([entries[0]!, foreign], headOf(entries)), 'tenant-a')).break).toEqual({
      chain: 'tenant-a', seq: 2, entryId: 'e-x', reason: 'entry belongs to another chain',
    });
  });
});

describe('cursors', () => {
  it('round-trip a position', () => {
    expect(decodeCursor(encodeCursor(1))).toBe(1);
    expect(decodeCursor(encodeCursor(123_456))).toBe(123_456);
    expect(encodeCursor(7)).toBe(Buffer.from('{"s":7}').toString('base64url'));
  });

  it.each([
    ['garbage', 'not a cursor!'],
    ['zero', Buffer.from('{"s":0}').toString('base64url')],
    ['negative', Buffer.from('{"s":-3}').toString('base64url')],
    ['fraction', Buffer.from('{"s":1.5}').toString('base64url')],
    ['string', Buffer.from('{"s":"4"}').toString('base64url')],
    ['unsafe integer', Buffer.from('{"s":9007199254740993}').toString('base64url')],
    ['null', Buffer.from('null').toString('base64url')],
  ])('refuse %s as invalid, naming the field', (_name, cursor) => {
    let caught: unknown;
    try {
      decodeCursor(cursor);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(DomainError);
    expect((caught as DomainError).code).toBe('invalid');
    expect((caught as DomainError).message).toBe('cursor is not one this API returned');
    expect((caught as DomainError).details).toEqual({ field: 'cursor' });
  });
});
