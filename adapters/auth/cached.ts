import { createHash } from 'node:crypto';
import type { Authenticator, Principal } from '../../core/platform/principal.ts';

/**
 * Remembers accepted credentials for `ttlMs`, keyed by a digest of the header (never the secret itself). For the
 * CLI's batch mode, where one operator's key signs every line of a long file: without it each line would cost a
 * database lookup. A key revoked during a run stays usable until its entry expires, at most `ttlMs`.
 * Rejections are never cached, so a corrected key works at once.
 */
export const cachedAuthenticator = (inner: Authenticator, ttlMs: number, now: () => number = Date.now): Authenticator => {
  const accepted = new Map<string, { principal: Principal; until: number }>();
  return {
    authenticate: async (credentials, signal) => {
      const key = createHash('sha256').update(credentials.authorization ?? '').digest('base64');
      const hit = accepted.get(key);
      if (hit && hit.until > now()) return hit.principal;
      const principal = await inner.authenticate(credentials, signal);
      if (principal) accepted.set(key, { principal, until: now() + ttlMs });
      else accepted.delete(key);
      return principal;
    },
    ...(inner.throttled ? { throttled: inner.throttled.bind(inner) } : {}),
    ...(inner.recordFailure ? { recordFailure: inner.recordFailure.bind(inner) } : {}),
  };
};
