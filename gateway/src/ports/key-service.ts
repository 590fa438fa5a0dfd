/** A public key in JWK form, as registered on the ledger's org registry. */
export type PublicJwk = Record<string, unknown> & { kty: string };

/**
 * Holds an org's keys. Two kinds of wrapped data keys exist:
 * - **patient custody** (`wrapForPatient`): the home org's copy of a data key, wrapped under a key of that one
 *   patient that exists only in this KeyService (never on the ledger, never in the blob store). Destroying it
 *   (`destroyPatientKey`) makes every copy of those wrapped keys, wherever storage kept one, undecryptable:
 *   this is what erasure relies on (crypto-shredding);
 * - **transit** (`wrapDataKey` in crypto/data-key.ts with an org's registered *public* key): the copy another
 *   org receives through its own collection when a consent or break-glass shares a record with it.
 * `unwrap` opens both, picking the key by the wrapped key's `kid`.
 */
export interface KeyService {
  /** The org's public KEK, to register on the ledger. */
  publicKey(mspId: string): Promise<PublicJwk>;
  /** Unwraps a data key wrapped for this org: under one of its patients' keys or its own KEK (compact JWE). */
  unwrap(mspId: string, wrapped: string): Promise<Uint8Array>;
  /**
   * Wraps a data key under the patient's key held by this org (created on first use). Only this KeyService
   * unwraps it, and only until {@link destroyPatientKey}.
   */
  wrapForPatient(mspId: string, patientId: string, dataKey: Uint8Array): Promise<string>;
  /**
   * Destroys the patient's key of this org for good (no copy, no backup inside the service). Idempotent;
   * resolves true when a key existed.
   */
  destroyPatientKey(mspId: string, patientId: string): Promise<boolean>;
  ready(): Promise<void>;
}
