import { ERROR_CODES, type ErrorCode } from '@careledger/chaincode/rules';
import type { DependencyKind } from '../ports/dependency.js';

/** Base of the problem `type` URIs; one per error code, stable. */
export const PROBLEM_BASE = 'https://careledger.dev/problems/';

/**
 * The gateway's one error family. `code` is the same SCREAMING_SNAKE string the chaincode uses; the HTTP
 * status follows from it; `detail` is safe to show (no personal data); `field` names a bad input; `dependency`
 * names the service that is down (UNAVAILABLE only).
 */
export class AppError extends Error {
  override readonly name = 'AppError';
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
    readonly field?: string,
    readonly dependency?: DependencyKind,
  ) {
    super(detail);
    this.status = ERROR_CODES[code];
  }

  /** 503: a dependency did not answer in time or could not be reached; nothing was half written. */
  static unavailable(dependency: DependencyKind, detail: string): AppError {
    return new AppError('UNAVAILABLE', detail, undefined, dependency);
  }

  /**
   * The RFC 9457 `type` URI of this error: one per code, and for UNAVAILABLE one per kind of dependency
   * (`…/ledger-unavailable`, `…/blob-store-unavailable`, …) so that a client or an operator sees which one is down.
   */
  get type(): string {
    if (this.code === 'UNAVAILABLE' && this.dependency) return `${PROBLEM_BASE}${this.dependency}-unavailable`;
    return PROBLEM_BASE + this.code.toLowerCase().replaceAll('_', '-');
  }
}

/** A bad input: 400 naming the field. */
export function badInput(field: string, detail: string): AppError {
  return new AppError('INVALID_ARGUMENT', detail, field);
}
