/** Stable codes of {@link DataKeyError}. */
export type DataKeyErrorCode =
  /** The recipient key is not an EC P-256 public JWK. */
  | 'DATA_KEY_INVALID_RECIPIENT'
  /** The wrapped key is not a compact JWE of ours (unparsable, or no `kid`). */
  | 'DATA_KEY_MALFORMED'
  /** The wrapped key names (by `kid`) a recipient key this holder does not have. */
  | 'DATA_KEY_WRONG_RECIPIENT'
  /** The wrapped key names a patient key that does not exist (destroyed by an erasure, or another data folder). */
  | 'DATA_KEY_DESTROYED'
  /** The JWE does not decrypt with this private key (another recipient, tampered, or not a data key). */
  | 'DATA_KEY_UNWRAP_FAILED';

/** Wrapping or unwrapping a data key failed. The message never carries key material. */
export class DataKeyError extends Error {
  override readonly name = 'DataKeyError';

  constructor(
    readonly code: DataKeyErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
