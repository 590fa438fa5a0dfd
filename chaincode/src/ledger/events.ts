/**
 * Every chaincode event and the ids it carries. Events are written into every org's blocks, where no purge
 * reaches them, so they carry an event type and opaque ids of ledger objects only — never a user or patient
 * id, never a name, CID, hash or reason. A follower that needs more fetches it with an evaluate it may run.
 */
export const EVENT_FIELDS = {
  OrgRegistered: ['mspId'],
  OrgKeyRotated: ['mspId'],
  // Registry changes carry no id: a user id may be a patient's.
  UserRegistered: [],
  UserRoleChanged: [],
  RecordCreated: ['recordId'],
  AccessRecorded: ['eventId'],
  // An access event whose content failed verification; the patient and home admin read it (access:GetAccessEvent).
  IntegrityViolationRecorded: ['eventId'],
  ConsentGranted: ['consentId'],
  ConsentRevoked: ['consentId'],
  AccessRequested: ['requestId'],
  AccessRequestApproved: ['requestId', 'consentId'],
  AccessRequestDenied: ['requestId'],
  EmergencyAccessOpened: ['sessionId'],
  EmergencyAccessReviewed: ['sessionId'],
  // Break-glass across hospitals: the home org released the data keys to the reader's org, or withdrew them.
  EmergencyKeysReleased: ['sessionId'],
  EmergencyKeysWithdrawn: ['sessionId'],
  DeviceRegistered: ['deviceId'],
  DeviceRevoked: ['deviceId'],
  // The erasure receipt's id; the home org's admin reads the receipt (erasure:ErasureReceipt).
  PatientErased: ['erasureId'],
} as const satisfies Record<string, readonly string[]>;

export type EventName = keyof typeof EVENT_FIELDS;

/** The payload of an event: exactly its catalogued ids. */
export type EventIds<N extends EventName> = { [K in (typeof EVENT_FIELDS)[N][number]]: string };
