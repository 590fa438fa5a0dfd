/** The explicit collection shared by the hospital orgs: patient data, records, consents, access events. */
export const SHARED_COLLECTION = 'patientData';

/** An org's implicit collection: data keys wrapped for that org only. */
export function implicitCollection(mspId: string): string {
  return `_implicit_org_${mspId}`;
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
} as const;
