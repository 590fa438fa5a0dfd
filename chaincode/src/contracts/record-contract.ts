import contractApi, { Context } from 'fabric-contract-api';
import { SealedArgsContract } from '../ledger/sealed-contract.js';
import { Contribution, Created, HistoryEntry, RecordAnchor, RecordMeta, RecordPage, type StoredRecord } from '../model.js';
import { homeOrgOf, isPatientOrHomeAdmin, requireActor, requirePatient } from '../ledger/actors.js';
import { getItem } from '../ledger/placement.js';
import { KEY } from '../ledger/collections.js';
import { ChaincodeError } from '../ledger/errors.js';
import { canOpen, canSee, loadPatientContext, loadRecord, mayCanSeeAny } from '../ledger/queries.js';
import { rangePage } from '../ledger/patient-index.js';
import { invalid } from '../ledger/errors.js';
import { checkFilter, checkImaging, matchesFilter, type RecordFilter } from '../ledger/imaging.js';
import { checkCid, checkMediaType, contributionOf, putRecord, wrappedKeysFor, toMeta, uploadRecipients } from '../ledger/records.js';
import { TxState } from '../ledger/state.js';
import { checkCategory, checkId, checkPageSize, checkSha256, checkSize, checkText, checkWrappedKeys } from '../ledger/validate.js';

const { Info, Returns, Transaction } = contractApi;

/** What `CreateRecord` takes in the transient field `record`. */
interface NewRecordInput {
  title: unknown;
  category: unknown;
  mediaType: unknown;
  size: unknown;
  sha256: unknown;
  cid: unknown;
  /** MSP id -> data key wrapped for that org (compact JWE). */
  wrappedKeys: unknown;
  /** DICOM header fields, for `application/dicom` only (see {@link checkImaging}). */
  imaging?: unknown;
}

/** Medical records: metadata and CIDs in the shared collection, wrapped keys in each org's own collection. */
@Info({ title: 'RecordContract', description: 'Create, list, read and trace medical records' })
export class RecordContract extends SealedArgsContract {
  constructor() {
    super('records');
  }

  /**
   * A practitioner of the patient's home org adds a record, or a practitioner of another org under a consent with
   * the contribution right for the category (the record then names that org and consent; it is the patient's like
   * any other, endorsed by the home org, its data key wrapped for both orgs). Private inputs arrive in the transient field
   * `record`; the public world state gets only an anchor (id, home org, status).
   */
  @Transaction()
  @Returns('Created')
  async CreateRecord(ctx: Context, actorId: string, patientId: string): Promise<Created> {
    const state = new TxState(ctx);
    const actor = await requireActor(state, actorId, ['practitioner']);
    const patient = await requirePatient(state, patientId);
    const input = state.transient<NewRecordInput>('record');
    const now = state.now();
    const category = checkCategory('category', input.category);
    const contribution = await contributionOf(state, actor, patient, category, now);
    const cid = checkCid('cid', input.cid);
    const mediaType = checkMediaType('mediaType', input.mediaType);
    const imaging = input.imaging === undefined ? undefined : checkImaging('imaging', input.imaging, mediaType);
    const wrappedKeys = wrappedKeysFor(await uploadRecipients(state, actor, patient, category, now), checkWrappedKeys('wrappedKeys', input.wrappedKeys));

    const recordId = state.newId('rec');
    const record: StoredRecord = {
      recordId,
      patientId,
      title: checkText('title', input.title, 200),
      category,
      mediaType,
      size: checkSize('size', input.size),
      sha256: checkSha256('sha256', input.sha256),
      cid,
      createdAt: now.toISOString(),
      createdBy: actor.userId,
      ...(contribution ? { contributorOrg: actor.org, contributionConsentId: contribution.consentId } : {}),
      ...(imaging ? { imaging } : {}),
    };
    await putRecord(state, patient.homeOrg, record, wrappedKeys);
    state.emit('RecordCreated', { recordId });
    return { id: recordId, at: record.createdAt };
  }

  /**
   * The orgs a new record of this category must be wrapped for (the home org, consented orgs and a contributing
   * org); refuses, as CreateRecord would, a caller who may not add it (NO_CONTRIBUTION_RIGHT).
   */
  @Transaction(false)
  @Returns('string[]')
  async KeyRecipients(ctx: Context, actorId: string, patientId: string, category: string): Promise<string[]> {
    const state = new TxState(ctx);
    const actor = await requireActor(state, actorId, ['practitioner']);
    const patient = await requirePatient(state, patientId);
    const checked = checkCategory('category', category);
    const now = state.now();
    await contributionOf(state, actor, patient, checked, now);
    return uploadRecipients(state, actor, patient, checked, now);
  }

  /**
   * Whether a record was contributed by another hospital, by whom and under which consent: for the patient and the
   * home org's admins (the notification follower reads it as an admin; admins read no record metadata).
   */
  @Transaction(false)
  @Returns('Contribution')
  async GetContribution(ctx: Context, actorId: string, recordId: string): Promise<Contribution> {
    const state = new TxState(ctx);
    const actor = await requireActor(state, actorId);
    const record = await loadRecord(state, checkId('recordId', recordId));
    if (!isPatientOrHomeAdmin(actor, await requirePatient(state, record.patientId))) throw new ChaincodeError('RECORD_NOT_FOUND', 'no such record');
    const base = { recordId: record.recordId, patientId: record.patientId, createdAt: record.createdAt };
    if (!record.contributorOrg) return { ...base, contributed: false };
    return { ...base, contributed: true, contributorId: record.createdBy, contributorOrg: record.contributorOrg, consentId: record.contributionConsentId ?? '' };
  }

  /** The public anchor of a record (id, home org, status): non-identifying, readable by anyone. */
  @Transaction(false)
  @Returns('RecordAnchor')
  async GetAnchor(ctx: Context, recordId: string): Promise<RecordAnchor> {
    const anchor = await new TxState(ctx).getPublic<RecordAnchor>(KEY.recordAnchor, [checkId('recordId', recordId)]);
    if (!anchor) throw new ChaincodeError('RECORD_NOT_FOUND', 'no such record');
    return anchor;
  }

  /** Metadata of one record, for whoever may see it (and its author in the treatment window); others get RECORD_NOT_FOUND (existence is not revealed). */
  @Transaction(false)
  @Returns('RecordMeta')
  async GetRecord(ctx: Context, actorId: string, recordId: string): Promise<RecordMeta> {
    const state = new TxState(ctx);
    const actor = await requireActor(state, actorId);
    const record = await loadRecord(state, checkId('recordId', recordId));
    const pctx = await loadPatientContext(state, record.patientId, await homeOrgOf(state, record.patientId));
    if (!canOpen(pctx, actor, record, state.now())) throw new ChaincodeError('RECORD_NOT_FOUND', 'no such record');
    return toMeta(record);
  }

  /** A patient's records that the caller may see, paged, optionally one category. */
  @Transaction(false)
  @Returns('RecordPage')
  async ListRecords(ctx: Context, actorId: string, patientId: string, category: string, pageSize: string, bookmark: string): Promise<RecordPage> {
    const filter: RecordFilter = category === '' ? {} : { category: checkCategory('category', category) };
    return visibleRecords(new TxState(ctx), actorId, patientId, () => filter, pageSize, bookmark);
  }

  /**
   * Like ListRecords with a JSON filter `{category?, modality?, imaging?}`: `modality` keeps the DICOM
   * records of that modality, `imaging: true` every DICOM record.
   */
  @Transaction(false)
  @Returns('RecordPage')
  async SearchRecords(ctx: Context, actorId: string, patientId: string, filter: string, pageSize: string, bookmark: string): Promise<RecordPage> {
    return visibleRecords(new TxState(ctx), actorId, patientId, () => checkFilter('filter', filter), pageSize, bookmark);
  }

  /** The public anchor's history (status changes with tx ids and times), for the patient, home admin or a reader. */
  @Transaction(false)
  @Returns('HistoryEntry[]')
  async GetRecordHistory(ctx: Context, actorId: string, recordId: string): Promise<HistoryEntry[]> {
    const state = new TxState(ctx);
    const actor = await requireActor(state, actorId);
    const record = await loadRecord(state, checkId('recordId', recordId));
    const patient = await requirePatient(state, record.patientId);
    const pctx = await loadPatientContext(state, record.patientId, patient.homeOrg);
    if (!isPatientOrHomeAdmin(actor, patient) && !canSee(pctx, actor, record, state.now())) {
      throw new ChaincodeError('RECORD_NOT_FOUND', 'no such record');
    }
    const entries = await state.history<RecordAnchor>(KEY.recordAnchor, [recordId]);
    return entries.map((e) => ({ txId: e.txId, timestamp: e.timestamp, status: e.value?.status ?? 'DELETED', isDelete: e.isDelete }));
  }
}

/**
 * One page of a patient's records that pass the filter and that the actor may see (nothing else counts): a key
 * range after the bookmark (the last record id of the previous page), read until the page is full.
 */
async function visibleRecords(state: TxState, actorId: string, patientId: string, filterOf: () => RecordFilter, pageSize: string, bookmark: string): Promise<RecordPage> {
  const actor = await requireActor(state, actorId);
  const patient = await requirePatient(state, patientId);
  const filter = filterOf();
  const size = checkPageSize('pageSize', pageSize);
  const now = state.now();
  const pctx = await loadPatientContext(state, patientId, patient.homeOrg);
  const visible = (r: StoredRecord) => matchesFilter(r, filter) && canSee(pctx, actor, r, now);
  if (bookmark !== '') {
    const last = await getItem<StoredRecord>(state, patient.homeOrg, KEY.record, [patientId, checkId('bookmark', bookmark)]);
    if (!last || !visible(last)) throw invalid('bookmark', 'bookmark is not one this list issued');
  }
  // Someone the working set gives nothing sees nothing: no need to walk the records.
  if (actor.userId !== patientId && !mayCanSeeAny(pctx, actor, now)) return { records: [], bookmark: '' };
  const { items, more } = await rangePage<StoredRecord>(state, state.viewOf(patient.homeOrg), KEY.record, [patientId], bookmark === '' ? [] : [bookmark], size, visible);
  return { records: items.map((e) => toMeta(e.value)), bookmark: more && items.length > 0 ? items[items.length - 1].value.recordId : '' };
}
