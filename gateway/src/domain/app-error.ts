import { ERROR_CODES, type ErrorCode } from '@careledger/chaincode/rules';

/** Base of the problem `type` URIs; one per error code, stable. */
export const PROBLEM_BASE = 'https://careledger.dev/problems/';

/**
 * The gateway's one error family. `code` is the same SCREAMING_SNAKE string the chaincode uses; the HTTP
 * status follows from it; `detail` is safe to show (no personal data); `field` names a bad input.
 */
export class AppError extends Error {
  override readonly name = 'AppError';
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
    readonly field?: string,
  ) {
    super(detail);
    this.status = ERROR_CODES[code];
  }

  /** The RFC 9457 `type` URI of this error. */
  get type(): string {
    return PROBLEM_BASE + this.code.toLowerCase().replaceAll('_', '-');
  }
}

/** A bad input: 400 naming the field. */
export function badInput(field: string, detail: string): AppError {
  return new AppError('INVALID_ARGUMENT', detail, field);
}
