/**
 * The vault that seals what the service keeps for tenants (billing keys, channel credentials) with AES-256-GCM.
 * Several keys may be configured (`k1:<base64 32 bytes>,k2:...`): the active one seals, every configured one
 * opens, so keys rotate by adding a new active key and re-sealing (or letting old secrets be replaced) before the
 * old key is removed. The key id is bound as associated data, so a sealed value cannot be passed off as sealed by
 * another key; so is the caller's context when given (a connection's tenant and id), so a sealed value copied to
 * another row does not open there.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { KeyVault, SealedSecret } from '../../core/platform/ports.ts';

export class KeyVaultConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyVaultConfigError';
  }
}

/** Parses `id:<base64>` pairs; throws naming the variable and the bad entry (never its key material). */
export const parseEncryptionKeys = (value: string, variable = 'BILLING_KEY_ENCRYPTION_KEYS'): Map<string, Buffer> => {
  const keys = new Map<string, Buffer>();
  for (const part of value.split(',').map((s) => s.trim()).filter(Boolean)) {
    const i = part.indexOf(':');
    const id = i > 0 ? part.slice(0, i) : '';
    if (!/^[A-Za-z0-9_.-]{1,32}$/.test(id)) throw new KeyVaultConfigError(`${variable}: each entry must be <id>:<base64 of 32 bytes>; an entry has no valid id`);
    const key = Buffer.from(part.slice(i + 1), 'base64');
    if (key.length !== 32) throw new KeyVaultConfigError(`${variable}: key ${id} is ${key.length} bytes after base64 decoding; AES-256 needs 32`);
    if (keys.has(id)) throw new KeyVaultConfigError(`${variable}: key id ${id} appears twice`);
    keys.set(id, key);
  }
  if (keys.size === 0) throw new KeyVaultConfigError(`${variable}: no keys given`);
  return keys;
};

/** The key id alone (billing keys, as sealed before contexts existed), or the key id and the context. */
const associatedData = (keyId: string, context: string | undefined): Buffer =>
  Buffer.from(context === undefined ? keyId : `${keyId}\n${context}`, 'utf8');

export const aesGcmVault = (keys: Map<string, Buffer>, activeKeyId: string): KeyVault => {
  const active = keys.get(activeKeyId);
  if (!active) throw new KeyVaultConfigError(`BILLING_KEY_ACTIVE_ID: ${activeKeyId} is not one of the ids in BILLING_KEY_ENCRYPTION_KEYS (${[...keys.keys()].join(', ')})`);
  return {
    activeKeyId,
    seal: (plain: string, context?: string): SealedSecret => {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', active, iv);
      cipher.setAAD(associatedData(activeKeyId, context));
      const data = Buffer.concat([iv, cipher.update(plain, 'utf8'), cipher.final(), cipher.getAuthTag()]);
      return { keyId: activeKeyId, data: data.toString('base64') };
    },
    open: (sealed: SealedSecret, context?: string): string => {
      const key = keys.get(sealed.keyId);
      if (!key) throw new Error(`secret sealed with key ${sealed.keyId}, which is no longer configured`);
      const raw = Buffer.from(sealed.data, 'base64');
      const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
      decipher.setAAD(associatedData(sealed.keyId, context));
      decipher.setAuthTag(raw.subarray(raw.length - 16));
      return Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]).toString('utf8');
    },
  };
};

/** Development only: a key derived from the data directory, stable across restarts of one checkout. */
export const developmentKey = (seed: string): Map<string, Buffer> =>
  new Map([['dev', createHash('sha256').update(`sellpo-development-billing-key:${seed}`).digest()]]);
