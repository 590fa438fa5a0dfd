import contractApi, { Context } from 'fabric-contract-api';
import { SealedArgsContract } from '../ledger/sealed-contract.js';
import { Created, ErasurePage, ErasureReceipt, ErasureStatus, type ErasureProgress, type RecordAnchor, type StoredRecord, type User } from '../model.js';
import type { Actor } from '../rules/consent.js';
import { findUser, isPatientOrHomeAdmin, putUser, requireActor, requirePatient } from '../ledger/actors.js';
import { KEY, orgCollection } from '../ledger/collections.js';
import { purgeItem } from '../ledger/placement.js';
import { ChaincodeError, invalid } from '../ledger/errors.js';
import { legacyIndexKeys } from '../ledger/patient-index.js';
import { TxState } from '../ledger/state.js';
import { checkId } from '../ledger/validate.js';

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
 * Erasure (GDPR art. 17): purges every private value of a patient from every peer (value and hash) — in the
 * home org's own collection and every copy in the shares it keeps for other orgs —
 * destroys every wrapped data key (crypto-shredding), and marks the public anchors ERASED.
 *
 * A patient's history can be larger than one transaction, so an erasure is several: BeginErasure marks the
 * patient ERASING at once (from its commit on, every other transaction about the patient is refused with
 * PATIENT_BEING_ERASED, and any endorsed before it fails validation, having read the entry it changed); then
 * pages of ErasureKeys (evaluate) and EraseKeys (submit) until nothing is left; then ErasePatient. Each step
 * starts from what the ledger still holds, so a crashed erasure resumes where it stopped.
 */
@Info({ title: 'ErasureContract', description: 'Crypto-shred and purge a patient' })
export class ErasureContract extends SealedArgsContract {
  constructor() {
    super('erasure');
  }

  /**
   * The first transaction of an erasure: marks the patient ERASING and starts the progress count, both in the
   * home org's directory (every org reads it, only the home org writes it: no other member can forge or take
   * the key first). Asking again while the patient is being erased changes nothing (the caller resumes).
   */
  @Transaction()
  @Returns('Created')
  async BeginErasure(ctx: Context, actorId: string, patientId: string): Promise<Created> {
    const state = new TxState(ctx);
    const { patient } = await this.authorize(state, actorId, patientId);
    const at = state.now().toISOString();
    if (patient.status === 'ACTIVE') {
      await putUser(state, { ...patient, status: 'ERASING' });
      const progress: ErasureProgress = { erasureId: state.newId('era'), startedAt: at, pages: 0, records: 0, events: 0, keys: 0 };
      await state.putListed(patient.homeOrg, KEY.erasureProgress, [patientId], progress);
    }
    return { id: ctx.stub.getTxID(), at };
  }

  /**
   * The next keys to purge (evaluate: a key range per kind, records first), with the CIDs of the records
   * among them: pass the keys to EraseKeys, then ask again until the page is empty, then ErasePatient.
   */
  @Transaction(false)
  @Returns('ErasurePage')
  async ErasureKeys(ctx: Context, actorId: string, patientId: string, pageSize: string): Promise<ErasurePage> {
    const state = new TxState(ctx);
    const { patient } = await this.authorize(state, actorId, patientId);
    let left = Number(pageSize);
    if (!Number.isInteger(left) || left < 1 || left > MAX_ERASE_KEYS) throw invalid('pageSize', `pageSize must be an integer from 1 to ${MAX_ERASE_KEYS}`);
    const keys: string[] = [];
    const cids: string[] = [];
    for (const type of Object.keys(ERASABLE)) {
      if (left === 0) break;
      const found = await state.range<unknown>(orgCollection(patient.homeOrg), type, [patientId], [], left);
      for (const entry of found) {
        keys.push(JSON.stringify([type, patientId, ...entry.key]));
        if (type === KEY.record) cids.push((entry.value as StoredRecord).cid);
      }
      left -= found.length;
    }
    return { patientId, keys, cids };
  }

  /**
   * Purges the named keys of a patient being erased (transient field `erase` = {keys}, as ErasureKeys gave
   * them), each checked to be a key of this patient of a kind an erasure removes; a record also loses every
   * org's wrapped key and its public anchor is marked ERASED. Counts the page in the erasure's progress.
   */
  @Transaction()
  @Returns('Created')
  async EraseKeys(ctx: Context, actorId: string, patientId: string): Promise<Created> {
    const state = new TxState(ctx);
    const { patient } = await this.authorize(state, actorId, patientId);
    const progress = await this.progressOf(state, patient);
    const keys = state.transient<{ keys?: unknown }>('erase').keys;
    if (!Array.isArray(keys) || keys.length === 0 || keys.length > MAX_ERASE_KEYS) throw invalid('keys', `keys must list 1-${MAX_ERASE_KEYS} keys`);
    const home = patient.homeOrg;
    for (const text of keys) {
      const [type, ...attrs] = parseKey(text);
      const arity = ERASABLE[type as keyof typeof ERASABLE];
      if (arity === undefined || attrs.length !== arity || attrs[0] !== patientId) throw invalid('keys', 'a key is not one of this patient that an erasure removes');
      attrs.forEach((a) => checkKeyPart(a));
      // The home org's own collection and every copy in the shares it keeps for other orgs.
      await purgeItem(state, home, type, attrs);
      if (type === KEY.record) {
        const recordId = attrs[1];
        await purgeItem(state, home, KEY.wrappedKey, [recordId]);
        await purgeItem(state, home, KEY.recordRef, [recordId]);
        const anchor: RecordAnchor = { recordId, homeOrg: patient.homeOrg, status: 'ERASED' };
        await state.putPublic(KEY.recordAnchor, [recordId], anchor, patient.homeOrg);
        progress.records++;
      } else if (type !== KEY.eventByRecord && type !== KEY.batchByTime) {
        // The item's id -> patient reference: the last attribute is the item's id.
        await purgeItem(state, home, REF_OF[type as keyof typeof REF_OF], [attrs[attrs.length - 1]]);
        if (type === KEY.event) progress.events++;
      }
    }
    progress.pages++;
    progress.keys += keys.length;
    await state.putListed(patient.homeOrg, KEY.erasureProgress, [patientId], progress);
    // The answer is in every org's blocks: the transaction's id, never the patient's.
    return { id: ctx.stub.getTxID(), at: state.now().toISOString() };
  }

  /**
   * Ends an erasure once EraseKeys has purged every key ErasureKeys listed: purges the working set, the
   * progress (and the index documents of data written before the current key layout), marks the patient
   * ERASED and leaves a receipt with the erasure's counts.
   */
  @Transaction()
  @Returns('Created')
  async ErasePatient(ctx: Context, actorId: string, patientId: string): Promise<Created> {
    const state = new TxState(ctx);
    const { patient } = await this.authorize(state, actorId, patientId);
    const progress = await this.progressOf(state, patient);
    await purgeItem(state, patient.homeOrg, KEY.workingSet, [patientId]);
    await state.purgeListed(patient.homeOrg, KEY.erasureProgress, [patientId]);
    for (const attrs of legacyIndexKeys(patientId)) await purgeItem(state, patient.homeOrg, KEY.patientIndex, attrs);
    const erased: User = { ...patient, status: 'ERASED' };
    await putUser(state, erased);
    // The event names a receipt, not the patient: events are public in every org's blocks.
    const receipt: ErasureReceipt = { ...progress, patientId, at: state.now().toISOString() };
    await state.putOwn(patient.homeOrg, KEY.erasure, [receipt.erasureId], receipt);
    await state.putOwn(patient.homeOrg, KEY.erasureOf, [patientId], receipt);
    state.emit('PatientErased', { erasureId: receipt.erasureId });
    return { id: receipt.erasureId, at: receipt.at };
  }

  /**
   * How far the patient's erasure got, for the patient (even once erased) or an admin of the patient's home
   * org (evaluate on the home org's peer: a finished erasure's receipt is in its own collection).
   */
  @Transaction(false)
  @Returns('ErasureStatus')
  async ErasureStatus(ctx: Context, actorId: string, patientId: string): Promise<ErasureStatus> {
    const state = new TxState(ctx);
    checkId('patientId', patientId);
    const patient = await findUser(state, patientId);
    if (!patient || patient.role !== 'patient') throw new ChaincodeError('USER_NOT_FOUND', 'no such patient');
    if (actorId !== patientId) {
      const actor = await requireActor(state, actorId);
      if (!isPatientOrHomeAdmin(actor, patient)) throw new ChaincodeError('FORBIDDEN', 'only the patient or their home org admin sees an erasure');
    } else if (patient.homeOrg !== state.mspId) {
      throw new ChaincodeError('WRONG_ORG', 'an org can only act for its own users');
    }
    if (patient.status === 'ACTIVE') throw new ChaincodeError('NOT_FOUND', 'no erasure of this patient has begun');
    if (patient.status === 'ERASING') return { ...(await this.progressOf(state, patient)), patientId, state: 'ERASING' };
    const receipt = await state.getOwn<ErasureReceipt>(patient.homeOrg, KEY.erasureOf, [patientId]);
    // An erasure finished before erasures were counted left no counts.
    if (!receipt) return { erasureId: '', startedAt: '', pages: 0, records: 0, events: 0, keys: 0, patientId, state: 'ERASED' };
    const { at, ...counts } = receipt;
    return { ...counts, state: 'ERASED', finishedAt: at };
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

  /** The erasure's progress; only a patient marked ERASING (by BeginErasure) has one. */
  private async progressOf(state: TxState, patient: User): Promise<ErasureProgress> {
    const progress = patient.status === 'ERASING' ? await state.getListed<ErasureProgress>(patient.homeOrg, KEY.erasureProgress, [patient.userId]) : undefined;
    if (!progress) throw new ChaincodeError('CONFLICT', 'the erasure has not begun (erasure:BeginErasure)');
    return progress;
  }

  private async authorize(state: TxState, actorId: string, patientId: string): Promise<{ actor: Actor; patient: User }> {
    const actor = await requireActor(state, actorId, undefined, { whileErasing: true });
    const patient = await requirePatient(state, patientId, { whileErasing: true });
    if (!isPatientOrHomeAdmin(actor, patient)) throw new ChaincodeError('FORBIDDEN', 'only the patient or their home org admin erases');
    return { actor, patient };
  }
}
