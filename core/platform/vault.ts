/**
 * Secrets the service keeps for tenants (billing keys, channel credentials) are sealed at rest by one vault.
 * Several keys may be configured: the active one seals, every configured one opens, so keys rotate.
 */

export interface SealedSecret {
  keyId: string;
  /** base64 of iv | ciphertext | tag. */
  data: string;
}

/** Seals secrets (AES-256-GCM); opens any key id still configured, seals with the active one. */
export interface KeyVault {
  /**
   * `context` names what the secret belongs to (e.g. the tenant and row): it is bound as associated data, so a
   * sealed value copied to another row does not open there. Open with the same context it was sealed with.
   */
  seal(plain: string, context?: string): SealedSecret;
  open(sealed: SealedSecret, context?: string): string;
  activeKeyId: string;
}
