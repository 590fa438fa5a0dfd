import contractApi, { Context, Contract } from 'fabric-contract-api';
import { Created, HistoryEntry, RecordAnchor, RecordMeta, RecordPage, type StoredRecord } from '../model.js';
import { isPatientOrHomeAdmin, requireActor, requirePatient } from '../ledger/actors.js';
import { KEY } from '../ledger/collections.js';
import { ChaincodeError, invalid } from '../ledger/errors.js';
import { canSee, keyRecipients, loadPatientContext, loadRecord, listRecords, page } from '../ledger/queries.js';
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
}

const CID = /^b[a-z2-7]{20,120}$/;
const MEDIA_TYPE = /^[a-z]+\/[a-z0-9.+-]{1,100}$/i;

/** Strips the CID: what readers of metadata get. */
export function toMeta(record: StoredRecord): RecordMeta {
  const { cid: _cid, ...meta } = record;
  return meta;
}

/** Medical records: metadata and CIDs in the shared collection, wrapped keys in each org's implicit collection. */
@Info({ title: 'RecordContract', description: 'Create, list, read and trace medical records' })
export class RecordContract extends Contract {
  constructor() {
    super('records');
  }

  /**
   * A practitioner of the patient's home org adds a record. Private inputs arrive in the transient field
   * `record`; the public world state gets only an anchor (id, home org, status).
   */
  @Transaction()
  @Returns('Created')
  async CreateRecord(ctx: Context, actorId: string, patientId: string): Promise<Created> {
    const state = new TxState(ctx);
    const actor = await requireActor(state, actorId, ['practitioner']);
    const patient = await requirePatient(state, patientId);
    if (actor.org !== patient.homeOrg) throw new ChaincodeError('WRONG_ORG', "only the patient's home org adds records");
    const input = state.transient<NewRecordInput>('record');
    const now = state.now();
    const category = checkCategory('category', input.category);
    if (typeof input.cid !== 'string' || !CID.test(input.cid)) throw invalid('cid', 'cid must be a base32 CIDv1');
    if (typeof input.mediaType !== 'string' || !MEDIA_TYPE.test(input.mediaType)) throw invalid('mediaType', 'mediaType must be type/subtype');
    const wrappedKeys = checkWrappedKeys('wrappedKeys', input.wrappedKeys);
    const missing = (await keyRecipients(state, patient, category, now)).filter((org) => !wrappedKeys[org]);
    if (missing.length > 0) throw invalid('wrappedKeys', `a wrapped key is required for ${missing.join(', ')}`);

    const recordId = state.newId('rec');
    const record: StoredRecord = {
      recordId,
      patientId,
      title: checkText('title', input.title, 200),
      category,
      mediaType: input.mediaType.toLowerCase(),
      size: checkSize('size', input.size),
      sha256: checkSha256('sha256', input.sha256),
      cid: input.cid,
      createdAt: now.toISOString(),
      createdBy: actor.userId,
    };
    const anchor: RecordAnchor = { recordId, homeOrg: patient.homeOrg, status: 'ACTIVE' };
    await state.putPublic(KEY.recordAnchor, [recordId], anchor, patient.homeOrg);
    await state.putShared(KEY.record, [patientId, recordId], record, patient.homeOrg);
    await state.putShared(KEY.recordRef, [recordId], { patientId }, patient.homeOrg);
    for (const [org, jwe] of Object.entries(wrappedKeys)) {
      checkId('wrappedKeys', org);
      await state.putWrappedKey(org, recordId, { recordId, patientId, jwe });
    }
    state.emit('RecordCreated', { recordId });
    return { id: recordId, at: record.createdAt };
  }

  /** The orgs a new record of this category must be wrapped for (the home org and consented orgs). */
  @Transaction(false)
  @Returns('string[]')
  async KeyRecipients(ctx: Context, actorId: string, patientId: string, category: string): Promise<string[]> {
    const state = new TxState(ctx);
    const actor = await requireActor(state, actorId, ['practitioner']);
    const patient = await requirePatient(state, patientId);
    if (actor.org !== patient.homeOrg) throw new ChaincodeError('WRONG_ORG', "only the patient's home org adds records");
    return keyRecipients(state, patient, checkCategory('category', category), state.now());
  }

  /** The public anchor of a record (id, home org, status): non-identifying, readable by anyone. */
  @Transaction(false)
  @Returns('RecordAnchor')
  async GetAnchor(ctx: Context, recordId: string): Promise<RecordAnchor> {
    const anchor = await new TxState(ctx).getPublic<RecordAnchor>(KEY.recordAnchor, [checkId('recordId', recordId)]);
    if (!anchor) throw new ChaincodeError('RECORD_NOT_FOUND', 'no such record');
    return anchor;
  }

  /** Metadata of one record, for whoever may see it; others get RECORD_NOT_FOUND (existence is not revealed). */
  @Transaction(false)
  @Returns('RecordMeta')
  async GetRecord(ctx: Context, actorId: string, recordId: string): Promise<RecordMeta> {
    const state = new TxState(ctx);
    const actor = await requireActor(state, actorId);
    const record = await loadRecord(state, checkId('recordId', recordId));
    const pctx = await loadPatientContext(state, record.patientId);
    if (!canSee(pctx, actor, record, state.now())) throw new ChaincodeError('RECORD_NOT_FOUND', 'no such record');
    return toMeta(record);
  }

  /** A patient's records that the caller may see, paged, optionally one category. */
  @Transaction(false)
  @Returns('RecordPage')
  async ListRecords(ctx: Context, actorId: string, patientId: string, category: string, pageSize: string, bookmark: string): Promise<RecordPage> {
    const state = new TxState(ctx);
    const actor = await requireActor(state, actorId);
    await requirePatient(state, patientId);
    const filter = category === '' ? undefined : checkCategory('category', category);
    const size = checkPageSize('pageSize', pageSize);
    const now = state.now();
    const pctx = await loadPatientContext(state, patientId);
    const visible = (await listRecords(state, patientId)).filter(
      (r) => (!filter || r.category === filter) && canSee(pctx, actor, r, now),
    );
    const { items, bookmark: next } = page(visible, (r) => r.recordId, size, bookmark);
    return { records: items.map(toMeta), bookmark: next };
  }

  /** The public anchor's history (status changes with tx ids and times), for the patient, home admin or a reader. */
  @Transaction(false)
  @Returns('HistoryEntry[]')
  async GetRecordHistory(ctx: Context, actorId: string, recordId: string): Promise<HistoryEntry[]> {
    const state = new TxState(ctx);
    const actor = await requireActor(state, actorId);
    const record = await loadRecord(state, checkId('recordId', recordId));
    const patient = await requirePatient(state, record.patientId);
    const pctx = await loadPatientContext(state, record.patientId);
    if (!isPatientOrHomeAdmin(actor, patient) && !canSee(pctx, actor, record, state.now())) {
      throw new ChaincodeError('RECORD_NOT_FOUND', 'no such record');
    }
    const entries = await state.history<RecordAnchor>(KEY.recordAnchor, [recordId]);
    return entries.map((e) => ({ txId: e.txId, timestamp: e.timestamp, status: e.value?.status ?? 'DELETED', isDelete: e.isDelete }));
  }
}
