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

/** Outcome of an access decision, as recorded in the access log. */
export const ACCESS_OUTCOMES = ['GRANTED', 'DENIED', 'BREAK_GLASS', 'INTEGRITY_VIOLATION'] as const;
export type AccessOutcome = (typeof ACCESS_OUTCOMES)[number];

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
