/** A public key in JWK form, as registered on the ledger's org registry. */
export type PublicJwk = Record<string, unknown> & { kty: string };

/**
 * Holds each org's key-encryption key (KEK). Data keys are wrapped for an org with its *public* key
 * (anyone can wrap, see `wrapDataKey` in crypto/data-key.ts), and only the org's KeyService can unwrap them.
 */
export interface KeyService {
  /** The org's public KEK, to register on the ledger. */
  publicKey(mspId: string): Promise<PublicJwk>;
  /** Unwraps a data key wrapped for this org (compact JWE). */
  unwrap(mspId: string, wrapped: string): Promise<Uint8Array>;
  ready(): Promise<void>;
}
