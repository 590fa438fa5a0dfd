import type { RecordPage } from '@careledger/chaincode';
import type { Category } from '@careledger/chaincode/rules';
import type { AuditEvent, Bundle, Consent, DocumentReference, ImagingStudy, Patient } from '@medplum/fhirtypes';
import { AppError, badInput } from '../domain/app-error.js';
import { fromConsent } from '../domain/fhir/consent-input.js';
import { toAuditEvent } from '../domain/fhir/audit-event.js';
import { searchSetBundle } from '../domain/fhir/bundle.js';
import { toConsent } from '../domain/fhir/consent.js';
import { toDocumentReference } from '../domain/fhir/document-reference.js';
import { toImagingStudy } from '../domain/fhir/imaging-study.js';
import { toPatient } from '../domain/fhir/patient.js';
import { fromFhirId } from '../domain/fhir/systems.js';
import type { ChaincodeClient } from '../ledger-client/chaincode-client.js';
import type { ConsentService } from './consent-service.js';
import type { RecordService } from './record-service.js';
import type { ActorRef, PageQuery } from '../domain/actors.js';

/** Where the caller reached the gateway, and the exact search URL (for `self` and `next` links). */
export interface FhirRequest {
  /** e.g. `http://127.0.0.1:3000` */
  base: string;
  /** The request path and query, e.g. `/v1/fhir/DocumentReference?patient=pat-1` */
  url: string;
}

/** A FHIR search's paging: `_count` results per page, `_page` = the opaque bookmark of the previous answer. */
export interface FhirPaging {
  count?: number;
  page?: string;
}

/**
 * The FHIR R4 read and search views (`/v1/fhir/...`): the same ledger calls and the same visibility rules
 * as the JSON paths, mapped by the pure functions in `domain/fhir/`. Reads of metadata only; content is
 * fetched from the DocumentReference's attachment URL (a recorded read with a purpose).
 */
export class FhirService {
  constructor(
    private readonly chaincode: ChaincodeClient,
    private readonly records: RecordService,
    private readonly consents: ConsentService,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The pseudonymous Patient (any signed-in user may read the registry entry, as with GET /v1/users/{id}). */
  async patient(actor: ActorRef, id: string): Promise<Patient> {
    const user = await this.chaincode.getUser(actor.org, fromFhirId(id));
    if (user.role !== 'patient') throw new AppError('NOT_FOUND', 'no such patient');
    return toPatient(user);
  }

  async documentReference(actor: ActorRef, id: string, at: FhirRequest): Promise<DocumentReference> {
    const record = await this.records.get(actor, fromFhirId(id));
    return toDocumentReference(record, contentUrl(at, record.recordId));
  }

  async searchDocumentReferences(actor: ActorRef, patientId: string, category: Category | undefined, paging: FhirPaging, at: FhirRequest): Promise<Bundle<DocumentReference>> {
    const page = await fhirParams(this.records.list(actor, patientId, category, pageQuery(paging)));
    return this.searchSet(page, (r) => [toDocumentReference(r, contentUrl(at, r.recordId))], at);
  }

  /** The ImagingStudy of a DICOM record (404 for any other record). */
  async imagingStudy(actor: ActorRef, id: string): Promise<ImagingStudy> {
    const record = await this.records.get(actor, fromFhirId(id));
    if (!record.imaging) throw new AppError('NOT_FOUND', 'the record is not a DICOM study');
    return toImagingStudy(record);
  }

  async searchImagingStudies(actor: ActorRef, patientId: string, modality: string | undefined, paging: FhirPaging, at: FhirRequest): Promise<Bundle<ImagingStudy>> {
    const page = await fhirParams(this.records.search(actor, patientId, { imaging: true, ...(modality ? { modality } : {}) }, pageQuery(paging)));
    return this.searchSet(page, (r) => [toImagingStudy(r)], at);
  }

  async consent(actor: ActorRef, id: string): Promise<Consent> {
    return toConsent(await this.chaincode.getConsent(actor, fromFhirId(id)), this.now());
  }

  /**
   * A grant posted as a FHIR Consent: mapped (400 naming the element for anything a grant cannot hold), then
   * the same grant use case as `POST /v1/patients/{patientId}/consents` (only the patient grants, the
   * chaincode decides), answered with the stored consent's view. A refusal of the grant names the element
   * its field came from.
   */
  async createConsent(actor: ActorRef, body: unknown): Promise<Consent> {
    const asked = fromConsent(body, this.now());
    const { patientId, grantee, scope, purposes, expiresAt, contribute } = asked;
    // The view names the patient's home org; another org cannot be the patient's (the caller's org is, when it is the patient).
    if (asked.organization !== undefined && actor.userId === patientId && asked.organization !== actor.org) {
      throw badInput('Consent.organization[0]', "Consent.organization[0]: must be the patient's home organization");
    }
    try {
      return toConsent(await this.consents.grant(actor, patientId, { grantee, scope, purposes, expiresAt, ...(contribute ? { contribute } : {}) }), this.now());
    } catch (error) {
      if (!(error instanceof AppError) || error.field === undefined) throw error;
      const element = asked.elementOf(error.field);
      throw new AppError(error.code, error.detail.replaceAll(error.field, element), element);
    }
  }

  /** The consents the caller may read (the patient and home admin: all; a grantee: its own). */
  async searchConsents(actor: ActorRef, patientId: string, at: FhirRequest): Promise<Bundle<Consent>> {
    const now = this.now();
    const consents = (await this.chaincode.listConsents(actor, patientId)).map((c) => toConsent(c, now));
    return searchSetBundle(fhirBase(at), consents, { self: at.base + at.url }, consents.length);
  }

  /** The access log as AuditEvents (the patient and home admin only). */
  async searchAuditEvents(actor: ActorRef, patientId: string, paging: FhirPaging, at: FhirRequest): Promise<Bundle<AuditEvent>> {
    const page = await fhirParams(this.chaincode.accessLog(actor, patientId, '', pageQuery(paging)));
    return searchSetBundle(fhirBase(at), page.events.map(toAuditEvent), links(at, page.bookmark));
  }

  private searchSet<T extends DocumentReference | ImagingStudy>(page: RecordPage, map: (r: RecordPage['records'][number]) => T[], at: FhirRequest): Bundle<T> {
    return searchSetBundle(fhirBase(at), page.records.flatMap(map), links(at, page.bookmark));
  }
}

function fhirBase(at: FhirRequest): string {
  return `${at.base}/v1/fhir`;
}

function contentUrl(at: FhirRequest, recordId: string): string {
  return `${at.base}/v1/records/${recordId}/content`;
}

function pageQuery(paging: FhirPaging): PageQuery {
  return { ...(paging.count === undefined ? {} : { pageSize: paging.count }), ...(paging.page ? { bookmark: paging.page } : {}) };
}

/** A refused page is named by the FHIR search parameter the caller sent (`_page`, `_count`). */
async function fhirParams<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (error) {
    const renamed = { bookmark: '_page', pageSize: '_count' }[error instanceof AppError && error.code === 'INVALID_ARGUMENT' ? (error.field ?? '') : ''];
    if (renamed) throw new AppError('INVALID_ARGUMENT', `${renamed} is not one this search issued or allows`, renamed);
    throw error;
  }
}

/** `self` is the request; `next` the same search with the page's bookmark as `_page`. */
function links(at: FhirRequest, bookmark: string): { self: string; next?: string } {
  const self = at.base + at.url;
  if (!bookmark) return { self };
  const next = new URL(self);
  next.searchParams.set('_page', bookmark);
  return { self, next: next.toString() };
}
