/**
 * The explicit collection shared by the hospital orgs: records, consents, access requests, break-glass sessions,
 * access events and the per-patient index. Every member org receives it (see docs/ARCHITECTURE.md#where-data-lives
 * for what still has to leave it).
 */
export const SHARED_COLLECTION = 'patientData';

/**
 * An org's own collection (`org_<MSP>`): that org is its only member, so only that org's peers store it and only
 * that org's clients read it, from a chaincode call or from the peers' private-data delivery; its collection-level
 * endorsement policy is that org's peers, so no other member can create or change a key in it. Another org's
 * client may write to it (the data keys a consent shares with the org), with that org's endorsement.
 */
export function orgCollection(mspId: string): string {
  return `org_${mspId}`;
}

/**
 * An org's directory (`dir_<MSP>`): the org's users (pseudonymous id, role, home org, status). Every member org
 * reads it; only that org writes it, endorsed by that org's peers alone, so no other member can create a user of
 * that org or change one.
 */
export function directoryCollection(mspId: string): string {
  return `dir_${mspId}`;
}

/** Composite-key object types. `*Ref` keys map an id to its patient so that a lookup needs one id only. */
export const KEY = {
  org: 'org',
  user: 'user',
  config: 'config',
  /** One org's vote for the channel config (see registry:Configure). */
  configVote: 'configVote',
  recordAnchor: 'recordAnchor',
  profile: 'profile',
  record: 'record',
  recordRef: 'recordRef',
  consent: 'consent',
  consentRef: 'consentRef',
  request: 'request',
  requestRef: 'requestRef',
  event: 'event',
  eventRef: 'eventRef',
  emergency: 'emergency',
  emergencyRef: 'emergencyRef',
  wrappedKey: 'wrappedKey',
  /** Per patient: the consents in force and open break-glass sessions a submit decides by (patient-index.ts). */
  workingSet: 'workingSet',
  /** Per patient, by the time of its last reading: a device batch's record metadata (time-range searches). */
  batchByTime: 'batchByTime',
  /** Per patient and record: an access event's key in that record's log (the value is the event's id). */
  eventByRecord: 'eventByRecord',
  /** Legacy: per patient and kind, a list of the patient's item keys (read for old data only, see patient-index.ts). */
  patientIndex: 'patientIndex',
  device: 'device',
  deviceRef: 'deviceRef',
  batchAnchor: 'batchAnchor',
  /** An erasure receipt: erasure id -> the erased patient, for the home org's followers. */
  erasure: 'erasure',
  /** Per patient being erased: how far the erasure got (the home org's directory, purged at its end). */
  erasureProgress: 'erasureProgress',
  /** Per erased patient: the same receipt, found by the patient (the home org's own collection). */
  erasureOf: 'erasureOf',
} as const;
