/**
 * The fixed vocabularies shared by chaincode and gateway. Purposes are HL7 v3 ActReason codes
 * (http://terminology.hl7.org/CodeSystem/v3-ActReason).
 */
export const PURPOSES = ['TREAT', 'ETREAT', 'HPAYMT', 'HRESCH', 'PATRQT'] as const;
export type Purpose = (typeof PURPOSES)[number];

export const ROLES = ['patient', 'practitioner', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Record categories (a small, closed list keeps filters and consent scopes comparable). */
export const CATEGORIES = [
  'report',
  'prescription',
  'imaging',
  'lab-result',
  'discharge-summary',
  'device-observations',
  'other',
] as const;
export type Category = (typeof CATEGORIES)[number];

/** Coded reasons for break-glass (emergency) access. */
export const EMERGENCY_REASONS = ['UNCONSCIOUS', 'LIFE_THREATENING', 'CANNOT_CONSENT', 'OTHER_EMERGENCY'] as const;
export type EmergencyReason = (typeof EMERGENCY_REASONS)[number];

/**
 * Outcome of an access, as recorded in the access log. A granted read that ends without content gets a
 * second event with its final outcome: DENIED (the key release was refused, e.g. a revocation won the
 * race), INTEGRITY_VIOLATION (the content did not match the ledger) or FAILED (see READ_FAILURES).
 */
export const ACCESS_OUTCOMES = ['GRANTED', 'DENIED', 'BREAK_GLASS', 'INTEGRITY_VIOLATION', 'FAILED'] as const;
export type AccessOutcome = (typeof ACCESS_OUTCOMES)[number];

/**
 * What allowed a granted read when it was not a consent or break-glass: AUTHOR = the practitioner who added the
 * record reads it within the author's treatment window.
 */
export const ACCESS_BASES = ['AUTHOR'] as const;
export type AccessBasis = (typeof ACCESS_BASES)[number];

/** Why a granted read delivered no content although it was still allowed. */
export const READ_FAILURES = ['CONTENT_MISSING', 'UNAVAILABLE', 'KEY_NOT_SHARED', 'STALE_DECISION', 'KEYS_NOT_RELEASED'] as const;
export type ReadFailure = (typeof READ_FAILURES)[number];

export function isReadFailure(value: unknown): value is ReadFailure {
  return typeof value === 'string' && (READ_FAILURES as readonly string[]).includes(value);
}

export function isPurpose(value: unknown): value is Purpose {
  return typeof value === 'string' && (PURPOSES as readonly string[]).includes(value);
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export function isCategory(value: unknown): value is Category {
  return typeof value === 'string' && (CATEGORIES as readonly string[]).includes(value);
}

export function isEmergencyReason(value: unknown): value is EmergencyReason {
  return typeof value === 'string' && (EMERGENCY_REASONS as readonly string[]).includes(value);
}

/** The most readings one device observation batch may hold (gateway and chaincode refuse more). */
export const MAX_BATCH_READINGS = 10_000;
