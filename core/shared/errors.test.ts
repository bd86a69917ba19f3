import { describe, expect, it } from 'vitest';
import { DomainError, isDomainError, notFound } from './errors.ts';

describe('DomainError', () => {
  it('carries its code, details and Retry-After, and names itself', () => {
    const error = new DomainError('rate_limited', 'spent', { details: { limit: 10 }, retryAfterSeconds: 60 });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('DomainError');
    expect(error.message).toBe('spent');
    expect(error.code).toBe('rate_limited');
    expect(error.details).toEqual({ limit: 10 });
    expect(error.retryAfterSeconds).toBe(60);
  });

  it('keeps the cause it was given, and has none when given none', () => {
    const cause = new Error('socket closed');
    expect(new DomainError('unavailable', 'down', { cause }).cause).toBe(cause);
    const bare = new DomainError('unavailable', 'down');
    expect('cause' in bare).toBe(false);
    expect(bare.details).toBeUndefined();
    expect(bare.retryAfterSeconds).toBeUndefined();
  });

  it('isDomainError tells domain errors from other errors', () => {
    expect(isDomainError(new DomainError('invalid', 'x'))).toBe(true);
    expect(isDomainError(new Error('x'))).toBe(false);
    expect(isDomainError({ code: 'invalid' })).toBe(false);
  });

  it('notFound says what was not found, as not_found', () => {
    const error = notFound('API key', { keyId: 'k1' });
    expect(error.code).toBe('not_found');
    expect(error.message).toBe('API key was not found');
    expect(error.details).toEqual({ keyId: 'k1' });
  });
});
