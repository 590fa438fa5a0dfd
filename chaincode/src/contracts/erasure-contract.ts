import contractApi, { Context } from 'fabric-contract-api';
import { SealedArgsContract } from '../ledger/sealed-contract.js';
import { Created, ErasurePage, ErasurePlan, ErasureReceipt, type RecordAnchor, type User } from '../model.js';
import { findUser, isPatientOrHomeAdmin, putUser, registeredOrgs, requireActor, requirePatient } from '../ledger/actors.js';
import { KEY } from '../ledger/collections.js';
import { ChaincodeError, invalid } from '../ledger/errors.js';
import { legacyIndexKeys } from '../ledger/patient-index.js';
import { listRecords } from '../ledger/queries.js';
import { TxState } from '../ledger/state.js';
import { checkId, checkPageSize } from '../ledger/validate.js';

const { Info, Returns, Transaction } = contractApi;

/** The kinds of a patient's keys an erasure purges, with their number of attributes (the patient first). */
const ERASABLE = {
  [KEY.record]: 2,
  [KEY.consent]: 2,
  [KEY.request]: 2,
  [KEY.emergency]: 2,
  [KEY.device]: 2,
  [KEY.event]: 3,
  [KEY.eventByRecord]: 4,
  [KEY.batchByTime]: 3,
} as const;

/** Each kind's id -> patient reference. */
const REF_OF = {
  [KEY.consent]: KEY.consentRef,
  [KEY.request]: KEY.requestRef,
  [KEY.emergency]: KEY.emergencyRef,
  [KEY.device]: KEY.deviceRef,
  [KEY.event]: KEY.eventRef,
} as const;

const MAX_ERASE_KEYS = 500;

function parseKey(text: unknown): string[] {
  let parsed: unknown;
  try {
    parsed = typeof text === 'string' ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!Array.isArray(parsed) || !parsed.every((p) => typeof p === 'string')) throw invalid('keys', 'a key must be a JSON array of strings');
  return parsed as string[];
}

/** A composite-key attribute: non-empty, without the separator or the range end character. */
function checkKeyPart(part: string): void {
  if (part === '' || part.includes('\u0000') || part.includes('\u{10FFFF}') || part.length > 200) throw invalid('keys', 'a key has a malformed attribute');
}

/**
 * Erasure (GDPR art. 17): purges every private value of a patient from every peer (value and hash),
 * destroys every wrapped data key (crypto-shredding), and marks the public anchors ERASED.
 */
@Info({ title: 'ErasureContract', description: 'Crypto-shred and purge a patient' })
export class ErasureContract extends SealedArgsContract {
  constructor() {
    super('erasure');
  }

  /** The CIDs the gateway must unpin after the erasure (evaluate; the submit cannot return them). */
  @Transaction(false)
  @Returns('ErasurePlan')
  async ErasurePlan(ctx: Context, actorId: string, patientId: string): Promise<ErasurePlan> {
    const state = new TxState(ctx);
    await this.authorize(state, actorId, patientId);
    return { patientId, cids: (await listRecords(state, patientId)).map((r) => r.cid) };
  }

  /**
   * The next keys to purge (evaluate: a key range per kind, records first): pass them to EraseKeys, then ask
   * again until the page is empty, then ErasePatient. A patient's history can be larger than one transaction.
   */
  @Transaction(false)
  @Returns('ErasurePage')
  async ErasureKeys(ctx: Context, actorId: string, patientId: string, pageSize: string): Promise<ErasurePage> {
    const state = new TxState(ctx);
    await this.authorize(state, actorId, patientId);
    let left = checkPageSize('pageSize', pageSize);
    const keys: string[] = [];
    for (const type of Object.keys(ERASABLE)) {
      if (left === 0) break;
      const found = await state.rangeShared<unknown>(type, [patientId], [], left);
      for (const entry of found) keys.push(JSON.stringify([type, patientId, ...entry.key]));
      left -= found.length;
    }
    return { patientId, keys };
  }

  /**
   * Purges the named keys of the patient (transient field `erase` = {keys}, as ErasureKeys gave them), each
   * checked to be a key of this patient of a kind an erasure removes; a record also loses every org's wrapped
   * key and its public anchor is marked ERASED.
   */
  @Transaction()
  @Returns('Created')
  async EraseKeys(ctx: Context, actorId: string, patientId: string): Promise<Created> {
    const state = new TxState(ctx);
    const patient = await this.authorize(state, actorId, patientId);
    const keys = state.transient<{ keys?: unknown }>('erase').keys;
    if (!Array.isArray(keys) || keys.length === 0 || keys.length > MAX_ERASE_KEYS) throw invalid('keys', `keys must list 1-${MAX_ERASE_KEYS} keys`);
    const orgs = (await registeredOrgs(state)).map((o) => o.mspId);
    for (const text of keys) {
      const [type, ...attrs] = parseKey(text);
      const arity = ERASABLE[type as keyof typeof ERASABLE];
      if (arity === undefined || attrs.length !== arity || attrs[0] !== patientId) throw invalid('keys', 'a key is not one of this patient that an erasure removes');
      attrs.forEach((a) => checkKeyPart(a));
      await state.purgeShared(type, attrs);
      if (type === KEY.record) {
        const recordId = attrs[1];
        for (const org of orgs) {
          if (await state.hasWrappedKey(org, recordId)) await state.purgeWrappedKey(org, recordId);
        }
        await state.purgeShared(KEY.recordRef, [recordId]);
        const anchor: RecordAnchor = { recordId, homeOrg: patient.homeOrg, status: 'ERASED' };
        await state.putPublic(KEY.recordAnchor, [recordId], anchor, patient.homeOrg);
      } else if (type !== KEY.eventByRecord && type !== KEY.batchByTime) {
        // The item's id -> patient reference: the last attribute is the item's id.
        await state.purgeShared(REF_OF[type as keyof typeof REF_OF], [attrs[attrs.length - 1]]);
      }
    }
    // The answer is in every org's blocks: the transaction's id, never the patient's.
    return { id: ctx.stub.getTxID(), at: state.now().toISOString() };
  }

  /**
   * Ends an erasure once EraseKeys has purged every key ErasureKeys listed: purges the working set (and the
   * index documents of data written before the current key layout), marks the patient ERASED and leaves a
   * receipt.
   */
  @Transaction()
  @Returns('Created')
  async ErasePatient(ctx: Context, actorId: string, patientId: string): Promise<Created> {
    const state = new TxState(ctx);
    const patient = await this.authorize(state, actorId, patientId);
    await state.purgeShared(KEY.workingSet, [patientId]);
    for (const attrs of legacyIndexKeys(patientId)) await state.purgeShared(KEY.patientIndex, attrs);
    const erased: User = { ...patient, status: 'ERASED' };
    await putUser(state, erased);
    // The event names a receipt, not the patient: events are public in every org's blocks.
    const receipt: ErasureReceipt = { erasureId: state.newId('era'), patientId, at: state.now().toISOString() };
    await state.putOwn(patient.homeOrg, KEY.erasure, [receipt.erasureId], receipt);
    state.emit('PatientErased', { erasureId: receipt.erasureId });
    return { id: receipt.erasureId, at: receipt.at };
  }

  /** The patient an erasure event was about, for an admin of the patient's home org (evaluate). */
  @Transaction(false)
  @Returns('ErasureReceipt')
  async ErasureReceipt(ctx: Context, actorId: string, erasureId: string): Promise<ErasureReceipt> {
    const state = new TxState(ctx);
    const actor = await requireActor(state, actorId, ['admin']);
    const receipt = await state.getOwn<ErasureReceipt>(actor.org, KEY.erasure, [checkId('erasureId', erasureId)]);
    const patient = receipt && (await findUser(state, receipt.patientId));
    if (!receipt || patient?.homeOrg !== actor.org) throw new ChaincodeError('NOT_FOUND', 'no such erasure');
    return receipt;
  }

  private async authorize(state: TxState, actorId: string, patientId: string): Promise<User> {
    const actor = await requireActor(state, actorId);
    const patient = await requirePatient(state, patientId);
    if (!isPatientOrHomeAdmin(actor, patient)) throw new ChaincodeError('FORBIDDEN', 'only the patient or their home org admin erases');
    return patient;
  }
}
