/**
 * Where a patient's data lives (docs/ARCHITECTURE.md#where-data-lives): everything of a patient in the home org's
 * own collection, and what another org may read of it (the consents naming it, the records they cover with that
 * org's data keys, its requests, sessions and access events, its view of the working set) copied into the share
 * the home org keeps for that org. No collection holds a patient's data for an org that may not read it.
 */

/**
 * An org's own collection (`org_<MSP>`): that org is its only member, so only that org's peers store it and only
 * that org's clients read it, from a chaincode call or from the peers' private-data delivery; its collection-level
 * endorsement policy is that org's peers, so no other member can create or change a key in it. Another org's
 * client may write to it (what its reader does to the org's patient: an access event, a request, a session, a
 * contributed record), with that org's endorsement only.
 */
export function orgCollection(mspId: string): string {
  return `org_${mspId}`;
}

/**
 * The share the home org keeps for one other org (`share_<HOME>_<READER>`): only those two orgs are members (only
 * their peers store it, only their clients read or write it), and its collection-level endorsement policy is the
 * home org's peers: the reader reads what the home org copied for it, and changes nothing without the home org.
 */
export function shareCollection(homeOrg: string, readerOrg: string): string {
  return `share_${homeOrg}_${readerOrg}`;
}

/** Where `org` reads the data of a patient of `homeOrg`: the home org's own collection, or its share for `org`. */
export function viewOf(homeOrg: string, org: string): string {
  return org === homeOrg ? orgCollection(homeOrg) : shareCollection(homeOrg, org);
}

/**
 * Whether a client of `creatorMsp` may read or write a collection, as the collection config sets it (the
 * peers enforce it; the in-process peer models follow this): an org's own collection is read by that org only
 * and written by any (its endorsement is still required); a share is read and written by its two orgs only;
 * a directory is read by every org and written by its org only.
 */
export function memberAccess(collection: string, creatorMsp: string, access: 'read' | 'write'): boolean {
  if (collection.startsWith('org_')) return access === 'write' || collection === orgCollection(creatorMsp);
  if (collection.startsWith('share_')) return collection.startsWith(`share_${creatorMsp}_`) || collection.endsWith(`_${creatorMsp}`);
  if (collection.startsWith('dir_')) return access === 'read' || collection === directoryCollection(creatorMsp);
  return true;
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
  /** Per practitioner of another org, in the home org's share for it: the break-glass sessions it opened there. */
  actorSessions: 'actorSessions',
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
