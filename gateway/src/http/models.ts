/**
 * The REST API's shapes (what tsoa validates and documents). They mirror the ledger's objects; ids are
 * pseudonymous, orgs are MSP ids (e.g. `HospitalAMSP`).
 */

export type Role = 'patient' | 'practitioner' | 'admin';
export type Purpose = 'TREAT' | 'ETREAT' | 'HPAYMT' | 'HRESCH' | 'PATRQT';
export type Category = 'report' | 'prescription' | 'imaging' | 'lab-result' | 'discharge-summary' | 'device-observations' | 'other';
export type EmergencyReason = 'UNCONSCIOUS' | 'LIFE_THREATENING' | 'CANNOT_CONSENT' | 'OTHER_EMERGENCY';

/**
 * A pseudonymous id: letters, digits, '.', '_' or '-'.
 * @pattern ^[A-Za-z0-9][A-Za-z0-9._-]{2,63}$
 * @example "pat-0001"
 */
export type Id = string;

/** RFC 9457 problem details. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  /** The offending input, for 400. */
  field?: string;
  /** The stable error code, e.g. CONSENT_EXPIRED. */
  code: string;
  requestId: string;
  /** With 503 (UNAVAILABLE): the kind of dependency that did not answer in time or cannot be reached. */
  dependency?: 'ledger' | 'blob-store' | 'permission-store' | 'auth' | 'key-service';
}

export interface HealthStatus {
  status: 'ok' | 'unavailable';
  profile?: string;
  checks?: Record<string, 'ok' | 'unavailable'>;
}

export interface DevTokenRequest {
  userId: Id;
}

export interface DevToken {
  token: string;
  /** Seconds until the token expires. */
  expiresIn: number;
}

export interface RegisterUserRequest {
  userId: Id;
  role: Role;
}

export interface User {
  userId: string;
  role: Role;
  homeOrg: string;
  /** ERASING from the first transaction of the patient's erasure until its last. */
  status: 'ACTIVE' | 'ERASING' | 'ERASED';
  registeredAt: string;
}

export interface RecordMetadata {
  recordId: string;
  patientId: string;
  title: string;
  category: Category;
  mediaType: string;
  size: number;
  /** SHA-256 of the plaintext, hex. */
  sha256: string;
  createdAt: string;
  /** The uploading practitioner, or the device that posted the batch. */
  createdBy: string;
  /** For a record a practitioner of another hospital contributed under a consent: that hospital (MSP id). */
  contributorOrg?: string;
  /** The consent that gave the contribution right. */
  contributionConsentId?: string;
  /** DICOM header fields of an `application/dicom` record (never a name, id or birth date). */
  imaging?: ImagingMetadata;
  /** What a device observation batch holds. */
  batch?: BatchSummary;
}

/** The DICOM header fields a record keeps. */
export interface ImagingMetadata {
  /** (0008,0060), e.g. CT */
  modality?: string;
  /** (0008,0020) as YYYY-MM-DD */
  studyDate?: string;
  /** (0018,0015), e.g. CHEST */
  bodyPart?: string;
  /** (0008,1030) */
  studyDescription?: string;
  /** (0008,103E) */
  seriesDescription?: string;
  /** (0008,0016) */
  sopClassUid?: string;
  /** (0028,0008) */
  numberOfFrames?: number;
}

/** A device observation batch as the ledger describes it. */
export interface BatchSummary {
  deviceId: string;
  readings: number;
  /** LOINC codes in the batch. */
  codes: string[];
  from: string;
  to: string;
}

/**
 * How many items a page holds.
 * @isInt
 * @minimum 1
 * @maximum 200
 */
export type PageSize = number;

/**
 * How many device readings a search answers at most.
 * @isInt
 * @minimum 1
 * @maximum 10000
 */
export type ReadingLimit = number;

/**
 * An RFC 3339 date-time with a zone (`Z` or an offset), e.g. 2026-03-01T08:00:00Z.
 * @format date-time
 */
export type DateTime = string;

/**
 * A DICOM modality code (CS), e.g. CT, MR, US.
 * @pattern ^[A-Z0-9_\x20]{1,16}$
 * @example "CT"
 */
export type Modality = string;

/**
 * A LOINC code.
 * @pattern ^[0-9]{1,7}-[0-9]$
 * @example "8867-4"
 */
export type LoincCode = string;

/** A FHIR R4 resource (application/fhir+json): a Bundle, DocumentReference, ImagingStudy, Consent, AuditEvent or Patient. */
export interface FhirResource {
  resourceType: string;
  id?: string;
  [element: string]: unknown;
}

/**
 * A FHIR R4 Consent to store as a grant (`POST /v1/fhir/Consent`), read as the Consent view writes it: the
 * patient, one `permit` provision whose one `actor` (role IRCP) is the grantee (a Practitioner by
 * `Practitioner/{userId}` or identifier, or an Organization by MSP id identifier or `Organization/{mspId}`),
 * `purpose` (HL7 v3 ActReason), `period.end` (the expiry), `action` access, and the scope as `data`
 * (DocumentReference instances) or categories (`code` or `class`). The gateway checks every element; what a
 * grant cannot hold is a 400 OperationOutcome whose `expression` names the element.
 * @example {
 *   "resourceType": "Consent",
 *   "status": "active",
 *   "patient": { "reference": "Patient/pat-0001" },
 *   "provision": {
 *     "type": "permit",
 *     "period": { "end": "2099-01-01T00:00:00Z" },
 *     "actor": [{ "role": { "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "code": "IRCP" }] }, "reference": { "reference": "Practitioner/dr-a" } }],
 *     "action": [{ "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/consentaction", "code": "access" }] }],
 *     "purpose": [{ "system": "http://terminology.hl7.org/CodeSystem/v3-ActReason", "code": "TREAT" }],
 *     "class": [{ "system": "https://careledger.dev/fhir/CodeSystem/record-category", "code": "lab-result" }]
 *   }
 * }
 */
export interface FhirConsentInput {
  /** Must be `Consent`. */
  resourceType?: unknown;
  /** Must be `active`. */
  status?: unknown;
  /** `Patient/{id}` (and/or an identifier of system https://careledger.dev/fhir/sid/user-id): the caller themself. */
  patient?: unknown;
  /** One provision of type `permit`. */
  provision?: unknown;
  [element: string]: unknown;
}

/**
 * How `/v1/fhir/*` answers errors (application/fhir+json): a FHIR R4 OperationOutcome with one issue whose
 * `details.coding` carries the stable error code (system `https://careledger.dev/fhir/CodeSystem/error-code`,
 * the same code a problem has), `details.text` the safe detail, `expression` the offending element or
 * search parameter (400) and `diagnostics` the request id.
 */
export interface OperationOutcome {
  resourceType: 'OperationOutcome';
  issue: {
    severity: 'fatal' | 'error' | 'warning' | 'information';
    /** FHIR issue type, e.g. `invalid`, `login`, `forbidden`, `not-found`, `conflict`, `deleted`, `transient`. */
    code: string;
    details: { coding: { system: string; code: string }[]; text: string };
    expression?: string[];
    diagnostics?: string;
  }[];
}

export interface RegisterDeviceRequest {
  /** The patient (of the admin's org) the device measures. */
  patientId: Id;
}

/** A registered device and its credential: a bearer token for `POST /v1/devices/{deviceId}/observations` only. Shown once. */
export interface DeviceRegistration {
  deviceId: string;
  patientId: string;
  homeOrg: string;
  registeredAt: string;
  token: string;
  tokenType: 'Bearer';
  /** Seconds until the credential expires. */
  expiresIn: number;
}

export interface DeviceRevocation {
  deviceId: string;
  status: 'REVOKED';
  revokedAt: string;
}

/** One reading of a vital sign. */
export interface Reading {
  /** LOINC code of a vital sign (see the README's list), e.g. 8867-4 heart rate. */
  code: LoincCode;
  /**
   * When it was measured: ISO-8601 with a time zone.
   * @example "2026-03-01T08:00:00Z"
   */
  time: string;
  value: number;
  /**
   * UCUM unit accepted for the code, e.g. /min, %, Cel, mm[Hg], kg.
   * @maxLength 16
   */
  unit: string;
}

/** A batch of readings from one device. */
export interface ObservationBatch {
  /** Optional: if given, it must be the patient the device was registered for. */
  patientId?: Id;
  /**
   * @minItems 1
   * @maxItems 10000
   */
  readings: Reading[];
}

export interface BatchReceipt {
  /** The record id the batch is kept under (category device-observations). */
  batchId: string;
  deviceId: string;
  readings: number;
  /** SHA-256 (hex) of the stored batch, anchored on the ledger. */
  sha256: string;
  anchoredAt: string;
}

export interface RecordPage {
  records: RecordMetadata[];
  /** Pass as `bookmark` for the next page; empty when this is the last. */
  bookmark: string;
}

export interface HistoryEntry {
  txId: string;
  timestamp: string;
  status: string;
  isDelete: boolean;
}

export interface VerifyRequest {
  purpose: Purpose;
}

export interface VerifyResult {
  recordId: string;
  verified: boolean;
  sha256: string;
  eventId: string;
}

export interface Grantee {
  kind: 'user' | 'org';
  userId?: Id;
  /** MSP id of the org. */
  org?: Id;
}

export interface ConsentScope {
  /** @maxItems 500 */
  recordIds?: Id[];
  /** @maxItems 7 */
  categories?: Category[];
}

export interface GrantConsentRequest {
  grantee: Grantee;
  scope: ConsentScope;
  /** @minItems 1 */
  purposes: Purpose[];
  /**
   * ISO-8601 date-time, in the future.
   * @format date-time
   */
  expiresAt: string;
  /**
   * The contribution right: the grantee may also add records of the scope's categories for the patient (FHIR
   * Consent `provision.action` collect). Needs a scope of categories. Default false.
   */
  contribute?: boolean;
}

export interface Consent {
  consentId: string;
  patientId: string;
  patientOrg: string;
  grantee: Grantee;
  granteeOrg: string;
  scope: ConsentScope;
  purposes: Purpose[];
  expiresAt: string;
  status: 'ACTIVE' | 'REVOKED';
  createdAt: string;
  revokedAt?: string;
  requestId?: string;
  /** The contribution right (see GrantConsentRequest). */
  contribute?: boolean;
}

/** The patient's choice about the authors of their records (see the README's security model). */
export interface AuthorAccessRequest {
  /** `DENIED` ends the access each author has to what they added (the treatment window); `ALLOWED` restores it. */
  authorAccess: 'ALLOWED' | 'DENIED';
}

/** Whether the authors of a patient's records may read them in their treatment window. */
export interface AuthorAccess {
  patientId: string;
  authorAccess: 'ALLOWED' | 'DENIED';
  /** The treatment window in force, in days after a record was added (a consortium-wide chaincode setting). */
  windowDays: number;
}

export interface CreateAccessRequest {
  purpose: Purpose;
  scope: ConsentScope;
  /**
   * Why access is needed (seen by the patient).
   * @minLength 1
   * @maxLength 500
   */
  reason: string;
}

export interface ApproveAccessRequest {
  /**
   * Until when the consent holds; default: the gateway's CARELEDGER_CONSENT_DAYS from now.
   * @format date-time
   */
  expiresAt?: string;
}

export interface AccessRequest {
  requestId: string;
  patientId: string;
  patientOrg: string;
  requesterId: string;
  requesterOrg: string;
  purpose: Purpose;
  scope: ConsentScope;
  reason: string;
  status: 'PENDING' | 'APPROVED' | 'DENIED';
  createdAt: string;
  decidedAt?: string;
  consentId?: string;
}

export interface EmergencyAccessRequest {
  reasonCode: EmergencyReason;
}

export interface EmergencySession {
  sessionId: string;
  patientId: string;
  patientOrg: string;
  actorId: string;
  actorOrg: string;
  reasonCode: EmergencyReason;
  openedAt: string;
  expiresAt: string;
  /** How many reads used this session (each is flagged BREAK_GLASS in the access log). */
  uses: number;
  reviewedAt?: string;
  reviewedBy?: string;
  /** When the home admin's review ended the session before its window did (no read under it after that). */
  endedAt?: string;
  /** Across hospitals: when the patient's home hospital released the data keys to the reader's hospital. */
  keysReleasedAt?: string;
  /** Across hospitals: when the home hospital removed those keys again, after the session ended. */
  keysWithdrawnAt?: string;
}

export interface AccessEvent {
  eventId: string;
  patientId: string;
  recordId: string;
  actorId: string;
  actorOrg: string;
  purpose: Purpose;
  outcome: 'GRANTED' | 'DENIED' | 'BREAK_GLASS' | 'INTEGRITY_VIOLATION' | 'FAILED';
  reason?: string;
  consentId?: string;
  /**
   * What allowed a granted read when it was not a consent: `AUTHOR` = the practitioner who added the record,
   * within the author's treatment window.
   */
  basis?: 'AUTHOR';
  /** `CONTRIBUTE` for an attempt to add a record for the patient (a refused one names no record: `recordId` is empty). */
  action?: 'CONTRIBUTE';
  emergencySessionId?: string;
  /** On the final outcome of a granted read that delivered no content: the granted event it concludes. */
  decisionEventId?: string;
  at: string;
}

export interface AccessLogPage {
  events: AccessEvent[];
  bookmark: string;
}

/** A patient's erasure: where it stands and what it purged so far. */
export interface ErasureStatus {
  patientId: string;
  /** ERASING from the first ledger transaction on (every other request about the patient is refused), ERASED from the last. */
  state: 'ERASING' | 'ERASED';
  /** ERASED, and the gateway is done too: the patient's key destroyed, the permission store cleaned, its stores compacted. */
  finished: boolean;
  /** Whether this gateway is working on it now. An ERASING erasure that is not running (the gateway restarted, a peer was unavailable) resumes with a new `POST`. */
  running: boolean;
  startedAt: string;
  finishedAt?: string;
  /** Ledger transactions that purged a page of keys so far. */
  pages: number;
  recordsErased: number;
  /** Access events purged. */
  eventsErased: number;
  /** Every ledger key purged: records, events, consents, access requests, break-glass sessions, devices and their index entries. */
  keysErased: number;
  /** The error code that stopped the last attempt, while none runs. */
  error?: string;
}

/**
 * What a notification is about: an access request the patient received, its decision (to the requester),
 * break-glass opened on the patient's records, a consent that expires within 24 h (patient and user grantee),
 * an integrity violation: a record of the patient whose content failed verification when it was read, or a
 * record another hospital contributed to the patient's file under a consent (patient).
 */
export type NotificationKind = 'ACCESS_REQUEST_RECEIVED' | 'ACCESS_REQUEST_APPROVED' | 'ACCESS_REQUEST_DENIED' | 'BREAK_GLASS_OPENED' | 'CONSENT_EXPIRING' | 'INTEGRITY_VIOLATION' | 'CONTRIBUTION_ADDED';

/**
 * A notification to the caller. Ids and kinds only — never a name, title, reason or content: open the named
 * request, consent or session to see more (with the rights one has).
 */
export interface Notification {
  /** Stable: the same cause always has the same id. */
  notificationId: string;
  kind: NotificationKind;
  /** When it happened, by the ledger's time. */
  occurredAt: string;
  requestId?: string;
  consentId?: string;
  sessionId?: string;
  /** INTEGRITY_VIOLATION: the record whose content failed verification; CONTRIBUTION_ADDED: the record another hospital added. */
  recordId?: string;
  /** INTEGRITY_VIOLATION: the access event that recorded it (in the access log). */
  eventId?: string;
  /** The caller's position in their own notifications; the SSE event id (`Last-Event-ID`). */
  seq: string;
  /** When the caller marked it read. */
  readAt?: string;
}

export interface NotificationPage {
  /** Newest first. */
  notifications: Notification[];
  /** Pass as `bookmark` for the next (older) page; empty when this is the last. */
  bookmark: string;
}

/**
 * A notification's position (16 digits), as `seq`, a page's `bookmark` and the SSE event id.
 * @pattern ^[0-9]{16}$
 * @example "0000000000000007"
 */
export type NotificationSeq = string;

/** What an org admin sends to subscribe the org's systems to its events. */
export interface NewWebhook {
  /**
   * Where the events are posted: an absolute http or https URL (no user name or password), at most 2048
   * characters.
   * @example "https://his.hospital-a.example/careledger/events"
   */
  url: string;
}

/** An org's webhook (the secret is never listed). */
export interface Webhook {
  webhookId: string;
  /** The org whose events it receives (MSP id). */
  org: string;
  url: string;
  createdAt: string;
  /** The admin who created it. */
  createdBy: string;
}

/** A webhook just created: the only answer that holds its secret. */
export interface CreatedWebhook extends Webhook {
  /**
   * The HMAC-SHA256 key of the `CareLedger-Signature` header (its UTF-8 bytes). Shown once: store it now; it is
   * never answered again (delete the webhook and create a new one to change it).
   */
  secret: string;
}

/** A delivery that failed every attempt; replay it once the receiver works again. */
export interface DeadLetter {
  /** The same on every attempt and replay (the `CareLedger-Delivery` header): the receiver's idempotency key. */
  deliveryId: string;
  webhookId: string;
  /** The ledger event (`AccessRequested`, `ConsentGranted`, ...). */
  event: string;
  /** The event's opaque ids. */
  ids: Record<string, string>;
  txId: string;
  blockNumber: string;
  createdAt: string;
  attempts: number;
  lastAttemptAt?: string;
  /** What the last attempt met: `HTTP <status>`, `timeout` or `unreachable`. */
  lastError?: string;
}

/** A dead letter queued again. */
export interface ReplayedDelivery {
  deliveryId: string;
  status: 'PENDING';
}
