import type { Authenticator, Principal } from '../../core/platform/principal.ts';

/** Bearer tokens held in memory: for tests and for a runtime with no credential store configured (accepts none). */
export const memoryAuthenticator = (tokens: ReadonlyMap<string, Principal> = new Map()): Authenticator => ({
  authenticate: async ({ authorization }) => {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    if (!match) return null;
    return tokens.get(match[1]!) ?? null;
  },
});
