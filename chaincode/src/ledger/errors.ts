import type { ChaincodeErrorBody, ErrorCode } from '../rules/error-codes.js';

/**
 * The one error the chaincode throws. Its message is JSON so the gateway maps the code without parsing
 * prose; the detail is safe to show (no names, CIDs or keys).
 */
export class ChaincodeError extends Error {
  override readonly name = 'ChaincodeError';
  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
    readonly field?: string,
  ) {
    const body: ChaincodeErrorBody = { code, detail, ...(field ? { field } : {}) };
    super(JSON.stringify(body));
  }
}

/** An input that does not validate; names the offending field. */
export function invalid(field: string, detail: string): ChaincodeError {
  return new ChaincodeError('INVALID_ARGUMENT', detail, field);
}
