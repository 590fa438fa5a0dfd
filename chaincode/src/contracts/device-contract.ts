import contractApi, { Context } from 'fabric-contract-api';
import { SealedArgsContract } from '../ledger/sealed-contract.js';
import { BatchAnchor, Created, RecordPage, type BatchSummary, type Device, type RecordMeta, type StoredRecord, type User } from '../model.js';
import { requireActor, requirePatient } from '../ledger/actors.js';
import { KEY } from '../ledger/collections.js';
import { ChaincodeError, invalid } from '../ledger/errors.js';
import { canSee, keyRecipients, loadPatientContext, mayCanSeeAny } from '../ledger/queries.js';
import { rangeAll, rangePage } from '../ledger/patient-index.js';
import { checkCid, checkMediaType, putRecord, wrappedKeysFor, toMeta } from '../ledger/records.js';
import { getItem } from '../ledger/placement.js';
import { TxState } from '../ledger/state.js';
import { MAX_BATCH_READINGS } from '../rules/vocabulary.js';
import { checkId, checkPageSize, checkSha256, checkSize, checkWrappedKeys } from '../ledger/validate.js';

const { Info, Returns, Transaction } = contractApi;

/** The record category every batch is kept under (consents name it like any other). */
export const BATCH_CATEGORY = 'device-observations';
const MAX_BATCH_CODES = 100;
const LOINC = /^\d{1,7}-\d$/;

/** What `AnchorBatch` takes in the transient field `batch`. */
interface BatchInput {
  sha256: unknown;
  size: unknown;
  cid: unknown;
  mediaType: unknown;
  /** MSP id -> data key wrapped for that org (compact JWE). */
  wrappedKeys: unknown;
  /** How many readings, which LOINC codes, the earliest and latest time. */
  summary: unknown;
}

/**
 * Bedside and home devices. An org admin registers a device for one of the org's patients; the device
 * (authenticated by the gateway with a device credential) posts observation batches, each kept as a record
 * of category `device-observations` and anchored by its SHA-256 in public state, in one transaction.
 */
@Info({ title: 'DeviceContract', description: 'Register devices and anchor their observation batches' })
export class DeviceContract extends SealedArgsContract {
  constructor() {
    super('devices');
  }

  /** An admin of the patient's home org registers a device for the patient. Returns the device id only (submits are public). */
  @Transaction()
  @Returns('Created')
  async RegisterDevice(ctx: Context, actorId: string, patientId: string): Promise<Created> {
    const state = new TxState(ctx);
    const actor = await requireActor(state, actorId, ['admin']);
    const patient = await requirePatient(state, patientId);
    if (actor.org !== patient.homeOrg) throw new ChaincodeError('WRONG_ORG', "only the patient's home org registers their devices");
    const at = state.now().toISOString();
    const device: Device = { deviceId: state.newId('dev'), patientId, homeOrg: patient.homeOrg, status: 'ACTIVE', registeredAt: at, registeredBy: actor.userId };
    await state.putOwn(patient.homeOrg, KEY.device, [patientId, device.deviceId], device);
    await state.putOwn(patient.homeOrg, KEY.deviceRef, [device.deviceId], { patientId });
    state.emit('DeviceRegistered', { deviceId: device.deviceId });
    return { id: device.deviceId, at };
  }

  /** An admin of the device's home org revokes it: later batches are refused (its credential stops working). */
  @Transaction()
  @Returns('Created')
  async RevokeDevice(ctx: Context, actorId: string, deviceId: string): Promise<Created> {
    const state = new TxState(ctx);
    const actor = await requireActor(state, actorId, ['admin']);
    const device = await loadDevice(state, checkId('deviceId', deviceId));
    // Another org's devices are not revealed.
    if (!device || device.homeOrg !== actor.org) throw new ChaincodeError('NOT_FOUND', 'no such device');
    if (device.status === 'REVOKED') throw new ChaincodeError('CONFLICT', 'the device is already revoked');
    const at = state.now().toISOString();
    await state.putOwn(device.homeOrg, KEY.device, [device.patientId, deviceId], { ...device, status: 'REVOKED', revokedAt: at });
    state.emit('DeviceRevoked', { deviceId });
    return { id: deviceId, at };
  }

  /** The orgs a batch of this device must be wrapped for: the home org and every org consented `device-observations`. */
  @Transaction(false)
  @Returns('string[]')
  async BatchRecipients(ctx: Context, deviceId: string, patientId: string): Promise<string[]> {
    const state = new TxState(ctx);
    const { patient } = await requirePostingDevice(state, deviceId, patientId);
    return keyRecipients(state, patient, BATCH_CATEGORY, state.now());
  }

  /**
   * Keeps one observation batch of an active device of the submitting org, for the device's own patient:
   * metadata, CID and wrapped keys privately like any record, and its SHA-256 in a public anchor.
   */
  @Transaction()
  @Returns('Created')
  async AnchorBatch(ctx: Context, deviceId: string, patientId: string): Promise<Created> {
    const state = new TxState(ctx);
    const { device, patient } = await requirePostingDevice(state, deviceId, patientId);
    const input = state.transient<BatchInput>('batch');
    const now = state.now();
    const sha256 = checkSha256('sha256', input.sha256);
    const wrappedKeys = wrappedKeysFor(await keyRecipients(state, patient, BATCH_CATEGORY, now), checkWrappedKeys('wrappedKeys', input.wrappedKeys));
    const summary = checkSummary('summary', input.summary);
    const recordId = state.newId('rec');
    const record: StoredRecord = {
      recordId,
      patientId,
      title: `Device observations (${summary.readings} readings)`,
      category: BATCH_CATEGORY,
      mediaType: checkMediaType('mediaType', input.mediaType),
      size: checkSize('size', input.size),
      sha256,
      cid: checkCid('cid', input.cid),
      createdAt: now.toISOString(),
      createdBy: device.deviceId,
      batch: { deviceId: device.deviceId, ...summary },
    };
    // With its key ordered by the batch's last reading (placement.ts), so a time-range search reads only the
    // batches that end after its start.
    await putRecord(state, patient.homeOrg, record, wrappedKeys);
    const anchor: BatchAnchor = { recordId, sha256, anchoredAt: record.createdAt };
    await state.putPublic(KEY.batchAnchor, [recordId], anchor, patient.homeOrg);
    state.emit('RecordCreated', { recordId });
    return { id: recordId, at: record.createdAt };
  }

  /**
   * A page of the patient's device batches that the caller may see and whose readings overlap [from, to]
   * (ISO-8601; '' = open), ordered by their last reading: a key range from `from` (evaluate), so batches that
   * ended before it are never read. The bookmark is the last record id of the previous page.
   */
  @Transaction(false)
  @Returns('RecordPage')
  async BatchesInRange(ctx: Context, actorId: string, patientId: string, from: string, to: string, pageSize: string, bookmark: string): Promise<RecordPage> {
    const state = new TxState(ctx);
    const actor = await requireActor(state, actorId);
    const patient = await requirePatient(state, patientId);
    const start = from === '' ? '' : instant('from', from);
    const end = to === '' ? '' : instant('to', to);
    const size = checkPageSize('pageSize', pageSize);
    const now = state.now();
    const pctx = await loadPatientContext(state, patientId, patient.homeOrg);
    const keep = (r: RecordMeta) => r.batch !== undefined && (end === '' || r.batch.from <= end) && (start === '' || r.batch.to >= start) && canSee(pctx, actor, r as StoredRecord, now);
    let after = start === '' ? [] : [start];
    if (bookmark !== '') {
      const last = await getItem<StoredRecord>(state, patient.homeOrg, KEY.record, [patientId, checkId('bookmark', bookmark)]);
      if (!last?.batch || !keep(last)) throw invalid('bookmark', 'bookmark is not one this search issued');
      after = [last.batch.to, last.recordId];
    }
    if (actor.userId !== patientId && !mayCanSeeAny(pctx, actor, now)) return { records: [], bookmark: '' };
    // A patient whose batches were anchored before this index existed: their batches are found among the records.
    if (await getItem(state, patient.homeOrg, KEY.patientIndex, [patientId, 'records', '0'])) {
      const all = await rangeAll<StoredRecord>(state, state.viewOf(patient.homeOrg), KEY.record, [patientId]);
      return { records: all.filter((r) => r.category === BATCH_CATEGORY && keep(r)).map(toMeta), bookmark: '' };
    }
    const { items, more } = await rangePage<RecordMeta>(state, state.viewOf(patient.homeOrg), KEY.batchByTime, [patientId], after, size, keep);
    return { records: items.map((e) => e.value), bookmark: more && items.length > 0 ? items[items.length - 1].value.recordId : '' };
  }

  /** The public anchor of a batch (record id, SHA-256, time): readable by anyone, links to no one. */
  @Transaction(false)
  @Returns('BatchAnchor')
  async GetBatchAnchor(ctx: Context, recordId: string): Promise<BatchAnchor> {
    const anchor = await new TxState(ctx).getPublic<BatchAnchor>(KEY.batchAnchor, [checkId('recordId', recordId)]);
    if (!anchor) throw new ChaincodeError('NOT_FOUND', 'no such batch');
    return anchor;
  }
}

/** A device of the submitting org's patients (devices are kept in their home org's own collection only). */
async function loadDevice(state: TxState, deviceId: string): Promise<Device | undefined> {
  const ref = await state.getOwn<{ patientId: string }>(state.mspId, KEY.deviceRef, [deviceId]);
  return ref && state.getOwn<Device>(state.mspId, KEY.device, [ref.patientId, deviceId]);
}

/**
 * The device may post now: registered by the submitting org, not revoked, and registered for exactly this
 * patient (a device credential names one patient; this is the ledger's own check of it).
 */
async function requirePostingDevice(state: TxState, deviceId: string, patientId: string): Promise<{ device: Device; patient: User }> {
  const device = await loadDevice(state, checkId('deviceId', deviceId));
  if (!device) throw new ChaincodeError('NOT_FOUND', 'no such device');
  if (device.homeOrg !== state.mspId) throw new ChaincodeError('WRONG_ORG', 'an org can only act for its own devices');
  if (device.status !== 'ACTIVE') throw new ChaincodeError('FORBIDDEN', 'the device was revoked');
  if (device.patientId !== checkId('patientId', patientId)) throw new ChaincodeError('FORBIDDEN', 'a device posts for its own patient only');
  return { device, patient: await requirePatient(state, patientId) };
}

function checkSummary(field: string, value: unknown): Omit<BatchSummary, 'deviceId'> {
  const s = (value ?? {}) as Record<string, unknown>;
  const readings = s.readings;
  if (typeof readings !== 'number' || !Number.isSafeInteger(readings) || readings < 1 || readings > MAX_BATCH_READINGS) {
    throw invalid(`${field}.readings`, `${field}.readings must be from 1 to ${MAX_BATCH_READINGS}`);
  }
  const codes = s.codes;
  if (!Array.isArray(codes) || codes.length === 0 || codes.length > MAX_BATCH_CODES || codes.some((c) => typeof c !== 'string' || !LOINC.test(c))) {
    throw invalid(`${field}.codes`, `${field}.codes must list 1-${MAX_BATCH_CODES} LOINC codes`);
  }
  const from = instant(`${field}.from`, s.from);
  const to = instant(`${field}.to`, s.to);
  if (Date.parse(from) > Date.parse(to)) throw invalid(`${field}.to`, `${field}.to must not be before ${field}.from`);
  return { readings, codes: [...new Set(codes as string[])].sort(), from, to };
}

function instant(field: string, value: unknown): string {
  const millis = typeof value === 'string' ? Date.parse(value) : NaN;
  if (Number.isNaN(millis)) throw invalid(field, `${field} must be an ISO-8601 date-time`);
  return new Date(millis).toISOString();
}
