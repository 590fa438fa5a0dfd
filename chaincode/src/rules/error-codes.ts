/**
 * Stable error codes: the chaincode throws them, the gateway maps them to HTTP (never parsing prose).
 * The chaincode's error message is the JSON `{"code": ..., "detail": ...}` (see `chaincodeError`).
 */
export const ERROR_CODES = {
  INVALID_ARGUMENT: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  WRONG_ORG: 403,
  WRONG_ROLE: 403,
  NO_CONSENT: 403,
  CONSENT_EXPIRED: 403,
  CONSENT_REVOKED: 403,
  WRONG_PURPOSE: 403,
  OUT_OF_SCOPE: 403,
  /** A practitioner of another hospital adds a record for a patient without a consent in force that gives that right. */
  NO_CONTRIBUTION_RIGHT: 403,
  NOT_FOUND: 404,
  USER_NOT_FOUND: 404,
  RECORD_NOT_FOUND: 404,
  ORG_NOT_REGISTERED: 404,
  /** An HTTP method the path does not have (the gateway answers with an `Allow` header). */
  METHOD_NOT_ALLOWED: 405,
  ALREADY_EXISTS: 409,
  CONFLICT: 409,
  /** The patient's erasure has begun: nothing new is granted, written, requested or released for them. */
  PATIENT_BEING_ERASED: 409,
  RECORD_ERASED: 410,
  PATIENT_ERASED: 410,
  INTEGRITY_VIOLATION: 502,
  /** The ledger names content the blob store does not have. */
  CONTENT_MISSING: 502,
  /** The data key the ledger released does not unwrap with this org's key-encryption key (or an org's registered key cannot wrap). */
  KEY_UNUSABLE: 502,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  /** A body that claims application/dicom but is not a DICOM Part 10 file. */
  NOT_DICOM: 415,
  UNAVAILABLE: 503,
  /** The transaction time is too far from an endorser's clock (a skewed gateway, or a chosen timestamp). */
  CLOCK_SKEW: 503,
  /**
   * Break-glass across hospitals: the patient's home hospital has not wrapped the data keys for the reader's
   * org (its gateway is not running or has not caught up).
   */
  KEYS_NOT_RELEASED: 503,
  NOT_IMPLEMENTED: 501,
  INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The shape of a chaincode error message. */
export interface ChaincodeErrorBody {
  code: ErrorCode;
  detail: string;
  /** The offending input, for INVALID_ARGUMENT. */
  field?: string;
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(ERROR_CODES, value);
}

/** Parses a chaincode error message; undefined when it is not one of ours. */
export function parseChaincodeError(message: string): ChaincodeErrorBody | undefined {
  const start = message.indexOf('{"code"');
  if (start < 0) return undefined;
  try {
    const body = JSON.parse(message.slice(start)) as Partial<ChaincodeErrorBody>;
    if (!isErrorCode(body.code) || typeof body.detail !== 'string') return undefined;
    return { code: body.code, detail: body.detail, ...(typeof body.field === 'string' ? { field: body.field } : {}) };
  } catch {
    return undefined;
  }
}
