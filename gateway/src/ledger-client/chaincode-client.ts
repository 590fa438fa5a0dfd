import type {
  AuthorAccess,
  Contribution,
  CustodyPage,
  AccessDecision,
  AccessEvent,
  AccessEventPage,
  AccessRequest,
  Consent,
  Created,
  EmergencySession,
  ErasureReceipt,
  ErasurePage,
  ErasureStatus,
  HistoryEntry,
  ImagingMeta,
  KeyRelease,
  Org,
  RecordAnchor,
  RecordMeta,
  RecordPage,
  SharedKey,
  User,
} from '@careledger/chaincode';
import type { ConsentScope, Grantee, Purpose, ReadFailure, Role } from '@careledger/chaincode/rules';
import type { Ledger, TransactionRequest } from '../ports/ledger.js';
import { evaluateJson, submitJson, transientJson as json } from './call.js';
import type { ActorRef, PageQuery } from '../domain/actors.js';
import { AppError } from '../domain/app-error.js';
import type { UserCache } from './user-cache.js';

/** Private inputs of a new record (sent in the transient map). */
export interface NewRecord {
  title: string;
  category: string;
  mediaType: string;
  size: number;
  sha256: string;
  cid: string;
  /** MSP id -> compact JWE of the data key. */
  wrappedKeys: Record<string, string>;
  /** DICOM header fields of an `application/dicom` record (never a name, id or birth date). */
  imaging?: ImagingMeta;
}

/** Private inputs of a new consent. */
export interface NewConsent {
  grantee: Grantee;
  scope: ConsentScope;
  purposes: Purpose[];
  expiresAt: string;
  /** recordId -> data key wrapped for the grantee's org. */
  wrappedKeys?: Record<string, string>;
  /** The contribution right (the grantee may add records of the scope's categories). */
  contribute?: boolean;
}

/**
 * The CareLedger chaincode as typed calls. Every call names the org that speaks (the actor's home org)
 * and the actor; private inputs go in the transient map; ledger refusals become {@link AppError}s with
 * the chaincode's own code.
 */
export class ChaincodeClient {
  /** `users`: registry reads kept between requests (see {@link UserCache}); without it every getUser reads the peer. */
  constructor(
    private readonly ledger: Ledger,
    private readonly users?: UserCache,
  ) {}

  // registry
  registerOrg(mspId: string, name: string, publicJwk: unknown, adminUserId: string): Promise<Org> {
    // The org's entry and its first admin go into the org's own directory, which only its peers endorse.
    return this.submit(mspId, { name: 'registry:RegisterOrg', args: [name, JSON.stringify(publicJwk), adminUserId], endorsingOrgs: [mspId] });
  }
  getOrg(asOrg: string, mspId: string): Promise<Org> {
    return this.evaluate(asOrg, { name: 'registry:GetOrg', args: [mspId] });
  }
  listOrgs(asOrg: string): Promise<Org[]> {
    return this.evaluate(asOrg, { name: 'registry:ListOrgs', args: [] });
  }
  /** Registers the user in the actor's org's directory, then reads it back (the submit answers no user data). */
  async registerUser(actor: ActorRef, userId: string, role: Role): Promise<User> {
    await this.submit<Created>(actor.org, { name: 'registry:RegisterUser', args: [actor.userId, userId, role], endorsingOrgs: [actor.org] });
    this.users?.forget(userId);
    return this.getUser(actor.org, userId);
  }
  getUser(asOrg: string, userId: string): Promise<User> {
    const read = () => this.evaluate<User>(asOrg, { name: 'registry:GetUser', args: [userId] });
    return this.users ? this.users.get(asOrg, userId, read) : read();
  }

  // records
  keyRecipients(actor: ActorRef, patientId: string, category: string): Promise<string[]> {
    return this.evaluate(actor.org, { name: 'records:KeyRecipients', args: [actor.userId, patientId, category] });
  }
  /**
   * The patient's home org endorses (everything is written to its own collection and its shares); a contributing
   * org too, so that its own peer holds the copy it reads back.
   */
  createRecord(actor: ActorRef, patientId: string, patientOrg: string, record: NewRecord): Promise<Created> {
    return this.submit(actor.org, {
      name: 'records:CreateRecord',
      args: [actor.userId, patientId],
      transient: { record: json(record) },
      endorsingOrgs: orgs(patientOrg, actor.org),
    });
  }
  /** Records that an upload by a practitioner of another org was refused (the chaincode decides again). */
  reportRefusedContribution(actor: ActorRef, patientId: string, category: string, patientOrg: string): Promise<AccessDecision> {
    return this.submit(actor.org, { name: 'access:ReportRefusedContribution', args: [actor.userId, patientId, category], endorsingOrgs: orgs(patientOrg, actor.org) });
  }
  /** Whether a record was contributed by another hospital (the patient and home admins). */
  getContribution(actor: ActorRef, recordId: string): Promise<Contribution> {
    return this.evaluate(actor.org, { name: 'records:GetContribution', args: [actor.userId, recordId] });
  }
  /** The public anchor (id, home org, status) of a record: anyone may read it. */
  getAnchor(asOrg: string, recordId: string): Promise<RecordAnchor> {
    return this.evaluate(asOrg, { name: 'records:GetAnchor', args: [recordId] });
  }
  getRecord(actor: ActorRef, recordId: string): Promise<RecordMeta> {
    return this.evaluate(actor.org, { name: 'records:GetRecord', args: [actor.userId, recordId] });
  }
  listRecords(actor: ActorRef, patientId: string, category: string, page: PageQuery): Promise<RecordPage> {
    return this.evaluate(actor.org, { name: 'records:ListRecords', args: [actor.userId, patientId, category, pageArgs(page)[0], pageArgs(page)[1]] });
  }
  recordHistory(actor: ActorRef, recordId: string): Promise<HistoryEntry[]> {
    return this.evaluate(actor.org, { name: 'records:GetRecordHistory', args: [actor.userId, recordId] });
  }

  // consents
  keysForScope(actor: ActorRef, scope: ConsentScope): Promise<SharedKey[]> {
    return this.evaluate(actor.org, { name: 'consents:KeysForScope', args: [actor.userId, JSON.stringify(scope)] });
  }
  // Submits answer an opaque id only (their responses are in every org's blocks); the object is then read
  // back with an evaluate on the caller's own org peer, which endorsed the write. What the patient's home org
  // decides alone (it reads its own collection, which no other org's peer holds) only its peers endorse; the
  // grantee's peers receive their share from them.
  async grantConsent(actor: ActorRef, consent: NewConsent): Promise<Consent> {
    const { id } = await this.submit<Created>(actor.org, {
      name: 'consents:GrantConsent',
      args: [actor.userId],
      transient: { consent: json(consent) },
      endorsingOrgs: orgs(actor.org),
    });
    return this.getConsent(actor, id);
  }
  async revokeConsent(actor: ActorRef, consentId: string, granteeOrg: string): Promise<Consent> {
    // Another org loses its keys of the records the consent covered: the submit cannot range-read the
    // patient's records (a private range read forbids its writes), so an evaluate names them first.
    const recordIds = granteeOrg === actor.org ? [] : await this.evaluate<string[]>(actor.org, { name: 'consents:RevocationKeys', args: [actor.userId, consentId] });
    await this.submit<Created>(actor.org, {
      name: 'consents:RevokeConsent',
      args: [actor.userId, consentId],
      ...(recordIds.length > 0 ? { transient: { revoke: json({ recordIds }) } } : {}),
      endorsingOrgs: orgs(actor.org),
    });
    return this.getConsent(actor, consentId);
  }
  getConsent(actor: ActorRef, consentId: string): Promise<Consent> {
    return this.evaluate(actor.org, { name: 'consents:GetConsent', args: [actor.userId, consentId] });
  }
  listConsents(actor: ActorRef, patientId: string): Promise<Consent[]> {
    return this.evaluate(actor.org, { name: 'consents:ListConsents', args: [actor.userId, patientId] });
  }
  /** The patient ends (DENIED) or restores (ALLOWED) the authors' access to their records. */
  async setAuthorAccess(actor: ActorRef, authorAccess: 'ALLOWED' | 'DENIED'): Promise<AuthorAccess> {
    await this.submit<Created>(actor.org, { name: 'consents:SetAuthorAccess', args: [actor.userId, authorAccess], endorsingOrgs: orgs(actor.org) });
    return this.getAuthorAccess(actor, actor.userId);
  }
  getAuthorAccess(actor: ActorRef, patientId: string): Promise<AuthorAccess> {
    return this.evaluate(actor.org, { name: 'consents:GetAuthorAccess', args: [actor.userId, patientId] });
  }

  // access requests
  async requestAccess(actor: ActorRef, patientId: string, patientOrg: string, input: { purpose: Purpose; scope: ConsentScope; reason: string }): Promise<AccessRequest> {
    const { id } = await this.submit<Created>(actor.org, {
      name: 'requests:RequestAccess',
      args: [actor.userId, patientId],
      transient: { request: json(input) },
      // The requester's org endorses too, so that its own peer holds the request when it reads it back.
      endorsingOrgs: orgs(patientOrg, actor.org),
    });
    return this.getRequest(actor, id);
  }
  async approveRequest(actor: ActorRef, requestId: string, input: { expiresAt: string; wrappedKeys?: Record<string, string> }): Promise<Consent> {
    const { id } = await this.submit<Created>(actor.org, {
      name: 'requests:ApproveRequest',
      args: [actor.userId, requestId],
      transient: { approval: json(input) },
      endorsingOrgs: orgs(actor.org),
    });
    return this.getConsent(actor, id);
  }
  async denyRequest(actor: ActorRef, requestId: string): Promise<AccessRequest> {
    await this.submit<Created>(actor.org, { name: 'requests:DenyRequest', args: [actor.userId, requestId], endorsingOrgs: orgs(actor.org) });
    return this.getRequest(actor, requestId);
  }
  getRequest(actor: ActorRef, requestId: string): Promise<AccessRequest> {
    return this.evaluate(actor.org, { name: 'requests:GetRequest', args: [actor.userId, requestId] });
  }
  listRequests(actor: ActorRef, status: string): Promise<AccessRequest[]> {
    return this.evaluate(actor.org, { name: 'requests:ListRequests', args: [actor.userId, status] });
  }

  // break-glass
  async openEmergency(actor: ActorRef, patientId: string, patientOrg: string, reasonCode: string): Promise<EmergencySession> {
    const { id } = await this.submit<Created>(actor.org, {
      name: 'emergency:OpenEmergencyAccess',
      args: [actor.userId, patientId, reasonCode],
      endorsingOrgs: orgs(patientOrg, actor.org),
    });
    return this.getEmergency(actor, id);
  }
  getEmergency(actor: ActorRef, sessionId: string): Promise<EmergencySession> {
    return this.evaluate(actor.org, { name: 'emergency:GetEmergencyAccess', args: [actor.userId, sessionId] });
  }
  listEmergency(actor: ActorRef, onlyUnreviewed: boolean): Promise<EmergencySession[]> {
    return this.evaluate(actor.org, { name: 'emergency:ListEmergencyAccess', args: [actor.userId, String(onlyUnreviewed)] });
  }
  async reviewEmergency(actor: ActorRef, sessionId: string): Promise<EmergencySession> {
    await this.submit<Created>(actor.org, { name: 'emergency:ReviewEmergencyAccess', args: [actor.userId, sessionId], endorsingOrgs: orgs(actor.org) });
    return this.getEmergency(actor, sessionId);
  }
  /** Across hospitals: the home org's copies of the keys the reader's org lacks (an admin of the home org, its own peer). */
  emergencyKeys(admin: ActorRef, sessionId: string): Promise<SharedKey[]> {
    return this.evaluate(admin.org, { name: 'emergency:EmergencyKeys', args: [admin.userId, sessionId] });
  }
  /** Across hospitals: shares the records with the reader's org, with the re-wrapped keys (the home org endorses). */
  async releaseEmergencyKeys(admin: ActorRef, session: EmergencySession, wrappedKeys: Record<string, string>): Promise<void> {
    await this.submit<Created>(admin.org, {
      name: 'emergency:ReleaseEmergencyKeys',
      args: [admin.userId, session.sessionId],
      transient: { keys: json({ wrappedKeys }) },
      endorsingOrgs: orgs(admin.org),
    });
  }
  /** Across hospitals, after the session ended: removes the reader org's keys no consent in force still needs. */
  async withdrawEmergencyKeys(admin: ActorRef, session: EmergencySession): Promise<void> {
    // The submit cannot range-read the patient's records (a private range read forbids its writes): an evaluate names them.
    const recordIds = await this.evaluate<string[]>(admin.org, { name: 'emergency:EmergencyKeysToWithdraw', args: [admin.userId, session.sessionId] });
    await this.submit<Created>(admin.org, {
      name: 'emergency:WithdrawEmergencyKeys',
      args: [admin.userId, session.sessionId],
      transient: { withdraw: json({ recordIds }) },
      endorsingOrgs: orgs(admin.org),
    });
  }

  // access
  // A reader of another org endorses its reads too, so that its own peer holds its copy of the event at once
  // (the key release reads it there).
  access(actor: ActorRef, recordId: string, purpose: Purpose, recordOrg: string): Promise<AccessDecision> {
    return this.submit(actor.org, { name: 'access:Access', args: [actor.userId, recordId, purpose], endorsingOrgs: orgs(recordOrg, actor.org) });
  }
  releaseKey(actor: ActorRef, eventId: string): Promise<KeyRelease> {
    return this.evaluate(actor.org, { name: 'access:ReleaseKey', args: [actor.userId, eventId] });
  }
  reportIntegrityViolation(actor: ActorRef, eventId: string, recordOrg: string): Promise<AccessDecision> {
    return this.submit(actor.org, { name: 'access:ReportIntegrityViolation', args: [actor.userId, eventId], endorsingOrgs: orgs(recordOrg, actor.org) });
  }
  /** Records how a granted read ended without content (the chaincode re-decides: DENIED or FAILED). */
  reportFailedRead(actor: ActorRef, eventId: string, reason: ReadFailure, recordOrg: string): Promise<AccessDecision> {
    return this.submit(actor.org, { name: 'access:ReportFailedRead', args: [actor.userId, eventId, reason], endorsingOrgs: orgs(recordOrg, actor.org) });
  }
  /** One access event, for the patient and the home admin. */
  getAccessEvent(actor: ActorRef, eventId: string): Promise<AccessEvent> {
    return this.evaluate(actor.org, { name: 'access:GetAccessEvent', args: [actor.userId, eventId] });
  }
  accessLog(actor: ActorRef, patientId: string, recordId: string, page: PageQuery): Promise<AccessEventPage> {
    const [size, bookmark] = pageArgs(page);
    return this.evaluate(actor.org, { name: 'access:AccessLog', args: [actor.userId, patientId, recordId, size, bookmark] });
  }

  // erasure
  /** The erasure's first transaction: marks the patient ERASING (a no-op while it is already). */
  async beginErasure(actor: ActorRef, patientId: string): Promise<Created> {
    // The patient is ERASING from this commit on: no request of theirs may pass on what was cached (no event says so).
    const created = await this.submit<Created>(actor.org, { name: 'erasure:BeginErasure', args: [actor.userId, patientId], endorsingOrgs: [actor.org] });
    this.users?.forget(patientId);
    return created;
  }
  /** The next keys the erasure has to purge, with the CIDs of the records among them (empty: nothing left). */
  erasureKeys(actor: ActorRef, patientId: string, pageSize: number): Promise<ErasurePage> {
    return this.evaluate(actor.org, { name: 'erasure:ErasureKeys', args: [actor.userId, patientId, String(pageSize)] });
  }
  /** Purges one page of keys from the home org's own collection and its shares (the home org endorses). */
  eraseKeys(actor: ActorRef, patientId: string, keys: string[]): Promise<Created> {
    return this.submit(actor.org, { name: 'erasure:EraseKeys', args: [actor.userId, patientId], transient: { erase: json({ keys }) }, endorsingOrgs: orgs(actor.org) });
  }
  /** The erasure's last transaction, once no key is left: the patient ERASED, a receipt. */
  async finishErasure(actor: ActorRef, patientId: string): Promise<Created> {
    const created = await this.submit<Created>(actor.org, { name: 'erasure:ErasePatient', args: [actor.userId, patientId], endorsingOrgs: orgs(actor.org) });
    this.users?.forget(patientId);
    return created;
  }
  /** How far the patient's erasure got (NOT_FOUND before one began). */
  erasureStatus(actor: ActorRef, patientId: string): Promise<ErasureStatus> {
    return this.evaluate(actor.org, { name: 'erasure:ErasureStatus', args: [actor.userId, patientId] });
  }
  /** A page of the org's own copies of its patients' data keys (key custody migration; an admin of the org). */
  ownKeys(actor: ActorRef, pageSize: number, bookmark: string): Promise<CustodyPage> {
    return this.evaluate(actor.org, { name: 'custody:OwnKeys', args: [actor.userId, String(pageSize), bookmark] });
  }
  /** Replaces the org's own copies of data keys (record id -> JWE) in its own collection. */
  rewrapKeys(actor: ActorRef, wrappedKeys: Record<string, string>): Promise<Created> {
    return this.submit(actor.org, { name: 'custody:RewrapKeys', args: [actor.userId], transient: { custody: json({ wrappedKeys }) }, endorsingOrgs: orgs(actor.org) });
  }
  /** The patient a `PatientErased` event was about (home org admins only). */
  erasureReceipt(actor: ActorRef, erasureId: string): Promise<ErasureReceipt> {
    return this.evaluate(actor.org, { name: 'erasure:ErasureReceipt', args: [actor.userId, erasureId] });
  }

  private submit<T>(mspId: string, request: TransactionRequest): Promise<T> {
    return submitJson<T>(this.ledger, mspId, request).catch((error: unknown) => this.refused(error, request));
  }

  private evaluate<T>(mspId: string, request: TransactionRequest): Promise<T> {
    return evaluateJson<T>(this.ledger, mspId, request).catch((error: unknown) => this.refused(error, request));
  }

  /** The ledger says a user named in the call is (being) erased: whatever was cached of them is out of date. */
  private refused(error: unknown, request: TransactionRequest): never {
    if (this.users && error instanceof AppError && (error.code === 'PATIENT_ERASED' || error.code === 'PATIENT_BEING_ERASED')) {
      for (const arg of request.args ?? []) this.users.forget(arg);
    }
    throw error;
  }
}

function pageArgs(page: PageQuery): [string, string] {
  return [page.pageSize === undefined ? '' : String(page.pageSize), page.bookmark ?? ''];
}

/** Distinct, sorted endorsing orgs. */
function orgs(...mspIds: string[]): string[] {
  return [...new Set(mspIds)].sort();
}
