import { describe, expect, it } from 'vitest';
import type { DomainErrorCode } from '../../core/shared/errors.ts';
import { problem, problemKeyFor, problemKinds, problemType } from './problem.ts';

describe('problem details', () => {
  it('builds an RFC 9457 body from the key, keeping extensions', () => {
    expect(problem('rate_limited', 'Slow down.', 'req-1', { retryAfterSeconds: 3 })).toEqual({
      type: 'urn:sellpo:problem:rate-limited',
      title: 'Too many requests',
      status: 429,
      detail: 'Slow down.',
      instance: 'req-1',
      retryAfterSeconds: 3,
    });
    expect(problem('not_found', 'No such thing.', 'req-2')).toEqual({ type: 'urn:sellpo:problem:not-found', title: 'Not found', status: 404, detail: 'No such thing.', instance: 'req-2' });
  });

  it('hyphenates every underscore of the key in the type URI', () => {
    expect(problemType('unsupported_media_type')).toBe('urn:sellpo:problem:unsupported-media-type');
    expect(problemType('invalid')).toBe('urn:sellpo:problem:invalid');
  });

  it('maps each domain error code to the problem with its status', () => {
    const statusOf = (code: DomainErrorCode) => problemKinds[problemKeyFor(code)].status;
    const expected: Record<DomainErrorCode, number> = {
      invalid: 400, unprocessable: 422, not_found: 404, conflict: 409, unauthorized: 401, forbidden: 403, limit_exceeded: 403,
      rate_limited: 429, payload_too_large: 413, unsupported_media_type: 415, upstream_failed: 502, unavailable: 503,
    };
    for (const [code, status] of Object.entries(expected)) expect([code, statusOf(code as DomainErrorCode)]).toEqual([code, status]);
    expect(problemKeyFor('limit_exceeded')).toBe('limit_exceeded');
  });
});
