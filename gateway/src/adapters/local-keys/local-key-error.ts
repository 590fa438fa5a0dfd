/** Stable codes of {@link LocalKeyError}. */
export type LocalKeyErrorCode =
  /** The key file's mode lets group or others read or write it. */
  | 'KEY_FILE_INSECURE'
  /** The key file is not a key file this version can read. */
  | 'KEY_FILE_INVALID'
  /** No key for this org (it was not in `orgs` when the service opened). */
  | 'KEY_ORG_UNKNOWN';

/** The local key file cannot be used, or an org has no key in it. Messages never carry key material. */
export class LocalKeyError extends Error {
  override readonly name = 'LocalKeyError';

  constructor(
    readonly code: LocalKeyErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
