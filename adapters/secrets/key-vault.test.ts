/** The vault's context binding; rotation and tampering of values sealed without one are in tests/billing/toss-sandbox.test.ts. */
import { createCipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { aesGcmVault, parseEncryptionKeys } from './key-vault.ts';

const keys = parseEncryptionKeys(`k1:${Buffer.alloc(32, 1).toString('base64')},k2:${Buffer.alloc(32, 2).toString('base64')}`);

describe('key vault contexts', () => {
  it('a value sealed with a context opens only with that context, after rotation too', () => {
    const vault = aesGcmVault(keys, 'k1');
    const sealed = vault.seal('{"secretKey":"s"}', 'connection:t1:c1');
    expect(aesGcmVault(keys, 'k2').open(sealed, 'connection:t1:c1')).toBe('{"secretKey":"s"}');
    expect(() => vault.open(sealed, 'connection:t2:c1')).toThrow();
    expect(() => vault.open(sealed)).toThrow();
    expect(() => vault.open(vault.seal('bk'), 'connection:t1:c1')).toThrow();
  });

  it('opens billing keys sealed before contexts existed (the key id alone as associated data)', () => {
    // Sealed as the vault did before: AAD = the key id, iv | ciphertext | tag.
    const iv = Buffer.alloc(12, 9);
    const cipher = createCipheriv('aes-256-gcm', keys.get('k1')!, iv);
    cipher.setAAD(Buffer.from('k1'));
    const data = Buffer.concat([iv, cipher.update('bk_live_123', 'utf8'), cipher.final(), cipher.getAuthTag()]).toString('base64');
    expect(aesGcmVault(keys, 'k2').open({ keyId: 'k1', data })).toBe('bk_live_123');
  });
});
