/**
 * Shapes the chaincode stores and returns. The decorators describe them in
 * `org.hyperledger.fabric:GetMetadata`; fields are camelCase JSON.
 */
import contractApi from 'fabric-contract-api';
import type { AccessBasis, AccessOutcome, Category, EmergencyReason, Purpose, Role } from './rules/vocabulary.js';
import type { ConsentScope, Grantee } from './rules/consent.js';

// Under real Node, fabric-contract-api's ESM view lacks the decorators as named exports (jest hides it):
// docs/DECISIONS.md#fabric-contract-api-decorators-come-from-its-default-import.
const { Object: DataType, Property } = contractApi;

/** A consortium member: its MSP id and the public key that data keys are wrapped with. */
@DataType()
export class Org {
  @Property('mspId', 'string') mspId!: string;
  @Property('name', 'string') name!: string;
  @Property('publicJwk', 'string') publicJwk!: string;
  @Property('registeredAt', 'string') registeredAt!: string;
}

/** A registered user: pseudonymous id, role and home org. Public (non-identifying). */
@DataType()
export class User {
  @Property('userId', 'string') userId!: string;
  @Property('role', 'string') role!: Role;
  @Property('homeOrg', 'string') homeOrg!: string;
  /** ERASING from the first transaction of an erasure until its last: the patient is refused everything else. */
  @Property('status', 'string') status!: 'ACTIVE' | 'ERASING' | 'ERASED';
  @Property('registeredAt', 'string') registeredAt!: string;
}

/** The public anchor of a record: no patient link, no metadata. */
@DataType()
export class RecordAnchor {
  @Property('recordId', 'string') recordId!: string;
  @Property('homeOrg', 'string') homeOrg!: string;
  @Property('status', 'string') status!: 'ACTIVE' | 'ERASED';
}

/**
 * DICOM header fields kept as record metadata. Never a patient's name, id, birth date or any other direct
 * identifier: those stay in the encrypted file.
 */
@DataType()
export class ImagingMeta {
  /** (0008,0060), e.g. CT, MR. */
  @Property('modality', 'string') modality?: string;
  /** (0008,0020) as YYYY-MM-DD. */
  @Property('studyDate', 'string') studyDate?: string;
  /** (0018,0015), e.g. CHEST. */
  @Property('bodyPart', 'string') bodyPart?: string;
  /** (0008,1030). */
  @Property('studyDescription', 'string') studyDescription?: string;
  /** (0008,103E). */
  @Property('seriesDescription', 'string') seriesDescription?: string;
  /** (0008,0016). */
  @Property('sopClassUid', 'string') sopClassUid?: string;
  /** (0028,0008). */
  @Property('numberOfFrames', 'number') numberOfFrames?: number;
}

/** What a device's observation batch holds (private): the device, how many readings, which codes, when. */
@DataType()
export class BatchSummary {
  @Property('deviceId', 'string') deviceId!: string;
  @Property('readings', 'number') readings!: number;
  /** LOINC codes present in the batch, sorted. */
  @Property('codes', 'string[]') codes!: string[];
  /** Time of the earliest and latest reading (ISO-8601). */
  @Property('from', 'string') from!: string;
  @Property('to', 'string') to!: string;
}

/** Record metadata as a reader sees it (no CID, no key). Private. */
@DataType()
export class RecordMeta {
  @Property('recordId', 'string') recordId!: string;
  @Property('patientId', 'string') patientId!: string;
  @Property('title', 'string') title!: string;
  @Property('category', 'string') category!: Category;
  @Property('mediaType', 'string') mediaType!: string;
  @Property('size', 'number') size!: number;
  @Property('sha256', 'string') sha256!: string;
  @Property('createdAt', 'string') createdAt!: string;
  @Property('createdBy', 'string') createdBy!: string;
  /**
   * For a record a practitioner of another hospital contributed under a consent: that hospital (MSP id), and the
   * consent that gave the right. Absent for records of the patient's home hospital.
   */
  @Property('contributorOrg', 'string') contributorOrg?: string;
  @Property('contributionConsentId', 'string') contributionConsentId?: string;
  /** DICOM header fields, for `application/dicom` records. */
  @Property('imaging', 'ImagingMeta') imaging?: ImagingMeta;
  /** What a device's observation batch holds, for records a device posted. */
  @Property('batch', 'BatchSummary') batch?: BatchSummary;
}

/** Record metadata plus the CID: what the ledger stores privately. */
export interface StoredRecord extends RecordMeta {
  cid: string;
}

/** One page of records. */
@DataType()
export class RecordPage {
  @Property('records', 'RecordMeta[]') records!: RecordMeta[];
  @Property('bookmark', 'string') bookmark!: string;
}

/** A state change of a record's public anchor. */
@DataType()
export class HistoryEntry {
  @Property('txId', 'string') txId!: string;
  @Property('timestamp', 'string') timestamp!: string;
  @Property('status', 'string') status!: string;
  @Property('isDelete', 'boolean') isDelete!: boolean;
}

/** Who a consent names: `kind` is `user` (with `userId`) or `org` (with `org`). */
@DataType()
export class GranteeRef {
  @Property('kind', 'string') kind!: 'user' | 'org';
  @Property('userId', 'string') userId?: string;
  @Property('org', 'string') org?: string;
}

/** What a consent covers. */
@DataType()
export class Scope {
  @Property('recordIds', 'string[]') recordIds?: string[];
  @Property('categories', 'string[]') categories?: Category[];
}

/** A patient's consent. Private. */
@DataType()
export class Consent {
  @Property('consentId', 'string') consentId!: string;
  @Property('patientId', 'string') patientId!: string;
  @Property('patientOrg', 'string') patientOrg!: string;
  @Property('grantee', 'GranteeRef') grantee!: Grantee;
  @Property('granteeOrg', 'string') granteeOrg!: string;
  @Property('scope', 'Scope') scope!: ConsentScope;
  @Property('purposes', 'string[]') purposes!: Purpose[];
  @Property('expiresAt', 'string') expiresAt!: string;
  @Property('status', 'string') status!: 'ACTIVE' | 'REVOKED';
  @Property('createdAt', 'string') createdAt!: string;
  @Property('revokedAt', 'string') revokedAt?: string;
  @Property('requestId', 'string') requestId?: string;
  /** The contribution right: the grantee may also add records of the scope's categories for the patient. */
  @Property('contribute', 'boolean') contribute?: boolean;
}

/** A practitioner's request for access. Private. */
@DataType()
export class AccessRequest {
  @Property('requestId', 'string') requestId!: string;
  @Property('patientId', 'string') patientId!: string;
  @Property('patientOrg', 'string') patientOrg!: string;
  @Property('requesterId', 'string') requesterId!: string;
  @Property('requesterOrg', 'string') requesterOrg!: string;
  @Property('purpose', 'string') purpose!: Purpose;
  @Property('scope', 'Scope') scope!: ConsentScope;
  @Property('reason', 'string') reason!: string;
  @Property('status', 'string') status!: 'PENDING' | 'APPROVED' | 'DENIED';
  @Property('createdAt', 'string') createdAt!: string;
  @Property('decidedAt', 'string') decidedAt?: string;
  @Property('consentId', 'string') consentId?: string;
}

/** A break-glass session. Private. */
@DataType()
export class EmergencySession {
  @Property('sessionId', 'string') sessionId!: string;
  @Property('patientId', 'string') patientId!: string;
  @Property('patientOrg', 'string') patientOrg!: string;
  @Property('actorId', 'string') actorId!: string;
  @Property('actorOrg', 'string') actorOrg!: string;
  @Property('reasonCode', 'string') reasonCode!: EmergencyReason;
  @Property('openedAt', 'string') openedAt!: string;
  @Property('expiresAt', 'string') expiresAt!: string;
  @Property('uses', 'number') uses!: number;
  @Property('reviewedAt', 'string') reviewedAt?: string;
  @Property('reviewedBy', 'string') reviewedBy?: string;
  /** When the home admin's review ended the session before its window did. */
  @Property('endedAt', 'string') endedAt?: string;
  /** Across hospitals: when the home org wrapped the patient's data keys for the reader's org. */
  @Property('keysReleasedAt', 'string') keysReleasedAt?: string;
  /** Across hospitals: when the home org removed those keys again, after the session ended. */
  @Property('keysWithdrawnAt', 'string') keysWithdrawnAt?: string;
}

/** One entry of the access log. Private. */
@DataType()
export class AccessEvent {
  @Property('eventId', 'string') eventId!: string;
  @Property('patientId', 'string') patientId!: string;
  @Property('recordId', 'string') recordId!: string;
  @Property('actorId', 'string') actorId!: string;
  @Property('actorOrg', 'string') actorOrg!: string;
  @Property('purpose', 'string') purpose!: Purpose;
  @Property('outcome', 'string') outcome!: AccessOutcome;
  @Property('reason', 'string') reason?: string;
  @Property('consentId', 'string') consentId?: string;
  @Property('emergencySessionId', 'string') emergencySessionId?: string;
  /**
   * What allowed a granted read other than a consent: AUTHOR (the practitioner who added the record, within the
   * treatment window). A read by consent names its `consentId`; a break-glass read its `emergencySessionId`.
   */
  @Property('basis', 'string') basis?: AccessBasis;
  /**
   * CONTRIBUTE for an attempt to add a record for the patient (a refused one has no record id); absent for reads.
   */
  @Property('action', 'string') action?: 'CONTRIBUTE';
  /** For the final outcome of a granted read that delivered no content: the granted event it concludes. */
  @Property('decisionEventId', 'string') decisionEventId?: string;
  @Property('at', 'string') at!: string;
}

/** One page of the access log. */
@DataType()
export class AccessEventPage {
  @Property('events', 'AccessEvent[]') events!: AccessEvent[];
  @Property('bookmark', 'string') bookmark!: string;
}

/** The answer of the submitted `Access` transaction: the decision only, nothing private. */
@DataType()
export class AccessDecision {
  @Property('eventId', 'string') eventId!: string;
  @Property('outcome', 'string') outcome!: AccessOutcome;
  @Property('reason', 'string') reason?: string;
}

/** What the key-release query returns to the reader's own org (evaluated, never ordered). */
@DataType()
export class KeyRelease {
  @Property('recordId', 'string') recordId!: string;
  @Property('cid', 'string') cid!: string;
  @Property('wrappedKey', 'string') wrappedKey!: string;
  @Property('sha256', 'string') sha256!: string;
  @Property('size', 'number') size!: number;
  @Property('mediaType', 'string') mediaType!: string;
}

/** A data key wrapped for the caller's org, to be re-wrapped for a grantee. */
@DataType()
export class SharedKey {
  @Property('recordId', 'string') recordId!: string;
  @Property('wrappedKey', 'string') wrappedKey!: string;
}

/** An id created by a submitted transaction, and when (the transaction time; public anyway). */
@DataType()
export class Created {
  @Property('id', 'string') id!: string;
  @Property('at', 'string') at?: string;
}

/** One of an org's own copies of a data key, with the patient it belongs to (key custody migration). */
@DataType()
export class CustodyKey {
  @Property('recordId', 'string') recordId!: string;
  @Property('patientId', 'string') patientId!: string;
  @Property('wrappedKey', 'string') wrappedKey!: string;
}

/** A page of an org's own copies of data keys. */
@DataType()
export class CustodyPage {
  @Property('keys', 'CustodyKey[]') keys!: CustodyKey[];
  @Property('bookmark', 'string') bookmark!: string;
}


/** The outcome of an org's vote on the channel config. */
@DataType()
export class ConfigVote {
  /** The break-glass window in force after this vote, in hours. */
  @Property('emergencyHours', 'number') emergencyHours!: number;
  /** The value this org voted for. */
  @Property('proposed', 'number') proposed!: number;
  /** Orgs that voted for the proposed value, and how many a change needs (a majority of registered orgs). */
  @Property('votes', 'number') votes!: number;
  @Property('needed', 'number') needed!: number;
}

/** A record's contribution facts, for the patient and the home org's admins (who read no record metadata). */
@DataType()
export class Contribution {
  @Property('recordId', 'string') recordId!: string;
  @Property('patientId', 'string') patientId!: string;
  /** Whether a practitioner of another hospital added it under a consent; the fields below only then. */
  @Property('contributed', 'boolean') contributed!: boolean;
  @Property('contributorId', 'string') contributorId?: string;
  @Property('contributorOrg', 'string') contributorOrg?: string;
  @Property('consentId', 'string') consentId?: string;
  @Property('createdAt', 'string') createdAt!: string;
}

/** The outcome of an org's vote on the author's treatment window. */
@DataType()
export class AuthorWindowVote {
  /** The author's treatment window in force after this vote, in days. */
  @Property('authorWindowDays', 'number') authorWindowDays!: number;
  @Property('proposed', 'number') proposed!: number;
  @Property('votes', 'number') votes!: number;
  @Property('needed', 'number') needed!: number;
}

/** Whether the authors of a patient's records may read them in their treatment window (the patient decides). */
@DataType()
export class AuthorAccess {
  @Property('patientId', 'string') patientId!: string;
  /** ALLOWED (the default) or DENIED. */
  @Property('authorAccess', 'string') authorAccess!: 'ALLOWED' | 'DENIED';
  /** The treatment window in force, in days. */
  @Property('windowDays', 'number') windowDays!: number;
}

/**
 * One page of the keys an erasure still has to purge, each a JSON array `[type, ...attributes]` of a composite
 * key of the patient (records first); empty when nothing is left.
 */
@DataType()
export class ErasurePage {
  @Property('patientId', 'string') patientId!: string;
  @Property('keys', 'string[]') keys!: string[];
  /** The CIDs of the records among `keys` (their blobs go before the page is purged). */
  @Property('cids', 'string[]') cids!: string[];
}

/** How far an erasure got: kept in the home org's directory while it runs, copied into the receipt at its end. */
@DataType()
export class ErasureProgress {
  @Property('erasureId', 'string') erasureId!: string;
  @Property('startedAt', 'string') startedAt!: string;
  /** EraseKeys transactions committed. */
  @Property('pages', 'number') pages!: number;
  @Property('records', 'number') records!: number;
  @Property('events', 'number') events!: number;
  /** Every key purged (records and events included). */
  @Property('keys', 'number') keys!: number;
}

/** An erasure as its patient or home admin sees it (evaluate `erasure:ErasureStatus`). */
@DataType()
export class ErasureStatus {
  @Property('erasureId', 'string') erasureId!: string;
  @Property('startedAt', 'string') startedAt!: string;
  @Property('pages', 'number') pages!: number;
  @Property('records', 'number') records!: number;
  @Property('events', 'number') events!: number;
  @Property('keys', 'number') keys!: number;
  @Property('patientId', 'string') patientId!: string;
  @Property('state', 'string') state!: 'ERASING' | 'ERASED';
  /** When the last transaction committed; absent while erasing. */
  @Property('finishedAt', 'string') finishedAt?: string;
}

/** What remains of an erasure for the home org: which patient an erasure event was about. */
@DataType()
export class ErasureReceipt {
  @Property('erasureId', 'string') erasureId!: string;
  @Property('startedAt', 'string') startedAt!: string;
  @Property('pages', 'number') pages!: number;
  @Property('records', 'number') records!: number;
  @Property('events', 'number') events!: number;
  @Property('keys', 'number') keys!: number;
  @Property('patientId', 'string') patientId!: string;
  @Property('at', 'string') at!: string;
}

/** A data key wrapped for one org (stored in that org's own collection). */
export interface WrappedKey {
  recordId: string;
  patientId: string;
  jwe: string;
}

/** A device registered for one patient by an admin of the patient's home org. Private: it links to the patient. */
@DataType()
export class Device {
  @Property('deviceId', 'string') deviceId!: string;
  @Property('patientId', 'string') patientId!: string;
  @Property('homeOrg', 'string') homeOrg!: string;
  @Property('status', 'string') status!: 'ACTIVE' | 'REVOKED';
  @Property('registeredAt', 'string') registeredAt!: string;
  @Property('registeredBy', 'string') registeredBy!: string;
  @Property('revokedAt', 'string') revokedAt?: string;
}

/** The public anchor of an observation batch: its record id and plaintext SHA-256, nothing that links to a patient. */
@DataType()
export class BatchAnchor {
  @Property('recordId', 'string') recordId!: string;
  @Property('sha256', 'string') sha256!: string;
  @Property('anchoredAt', 'string') anchoredAt!: string;
}
