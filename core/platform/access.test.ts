import { describe, expect, it } from 'vitest';
import { hasRole } from './access.ts';

describe('hasRole', () => {
  it('an owner may do what needs an owner or a member; a member only what needs a member', () => {
    expect(hasRole('owner', 'owner')).toBe(true);
    expect(hasRole('owner', 'member')).toBe(true);
    expect(hasRole('member', 'member')).toBe(true);
    expect(hasRole('member', 'owner')).toBe(false);
  });
});
