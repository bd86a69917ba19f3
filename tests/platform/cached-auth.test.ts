import { describe, expect, it } from 'vitest';
import { cachedAuthenticator } from '../../adapters/auth/cached.ts';
import type { Authenticator, Principal } from '../../core/platform/principal.ts';

const tenant: Principal = { kind: 'tenant', tenantId: 't', actorId: 'u', role: 'owner', via: 'api_key' };

describe('cachedAuthenticator', () => {
  it('asks the store once per key per TTL, never caches a rejection, and expires', async () => {
    const seen: string[] = [];
    let valid = new Set(['Bearer good']);
    const inner: Authenticator = { authenticate: async (c) => (seen.push(c.authorization!), valid.has(c.authorization!) ? tenant : null) };
    let clock = 0;
    const auth = cachedAuthenticator(inner, 1_000, () => clock);
    const creds = (authorization: string) => ({ authorization, sourceIp: '', requestId: 'r' });
    for (let i = 0; i < 5; i++) expect(await auth.authenticate(creds('Bearer good'))).toEqual(tenant);
    expect(await auth.authenticate(creds('Bearer bad'))).toBeNull();
    expect(await auth.authenticate(creds('Bearer bad'))).toBeNull();
    expect(seen).toEqual(['Bearer good', 'Bearer bad', 'Bearer bad']);
    valid = new Set();
    clock = 999;
    expect(await auth.authenticate(creds('Bearer good'))).toEqual(tenant);
    clock = 1_001;
    expect(await auth.authenticate(creds('Bearer good'))).toBeNull();
  });
});
