/** Stable codes of {@link CiphertextError}; callers branch on these, never on the message. */
export type CiphertextErrorCode =
  /** Authentication failed: a flipped bit, reordered or duplicated segments, trailing data, or the wrong key. */
  | 'CIPHERTEXT_CORRUPT'
  /** The ciphertext ends before its final segment (or inside its header). */
  | 'CIPHERTEXT_TRUNCATED'
  /** The header names a format version this decoder does not know. */
  | 'CIPHERTEXT_UNSUPPORTED_VERSION';

/**
 * A ciphertext that cannot be decrypted. The message describes the failure only: it never carries key
 * material or plaintext, so it is safe to log.
 */
export class CiphertextError extends Error {
  override readonly name = 'CiphertextError';

  constructor(
    readonly code: CiphertextErrorCode,
    message: string,
  ) {
    super(message);
  }
}
