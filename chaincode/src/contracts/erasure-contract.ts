import contractApi, { Context } from 'fabric-contract-api';
import { SealedArgsContract } from '../ledger/sealed-contract.js';
import { Created, ErasurePlan, ErasureReceipt, type AccessEvent, type AccessRequest, type Consent, type EmergencySession, type Org, type RecordAnchor, type User } from '../model.js';
import { isPatientOrHomeAdmin, requireActor, requirePatient } from '../ledger/actors.js';
import { KEY } from '../ledger/collections.js';
import { ChaincodeError } from '../ledger/errors.js';
import { INDEXED, listIndexed, purgeIndex, type IndexKind } from '../ledger/patient-index.js';
import { listRecords } from '../ledger/queries.js';
import { TxState } from '../ledger/state.js';
import { checkId } from '../ledger/validate.js';
import { purgeDevices } from '../ledger/devices.js';

const { Info, Returns, Transaction } = contractApi;

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

  @Transaction()
  @Returns('Created')
  async ErasePatient(ctx: Context, actorId: string, patientId: string): Promise<Created> {
    const state = new TxState(ctx);
    const patient = await this.authorize(state, actorId, patientId);
    const orgs = (await state.listPublic<Org>(KEY.org, [])).map((o) => o.mspId);
    for (const record of await listRecords(state, patientId)) {
      for (const org of orgs) {
        if (await state.hasWrappedKey(org, record.recordId)) await state.purgeWrappedKey(org, record.recordId);
      }
      await state.purgeShared(KEY.record, [patientId, record.recordId]);
      await state.purgeShared(KEY.recordRef, [record.recordId]);
      const anchor: RecordAnchor = { recordId: record.recordId, homeOrg: patient.homeOrg, status: 'ERASED' };
      await state.putPublic(KEY.recordAnchor, [record.recordId], anchor, patient.homeOrg);
    }
    // From the patient's index, not a private range query: those forbid every write of the transaction.
    for (const c of await listIndexed<Consent>(state, 'consents', patientId)) {
      await state.purgeShared(KEY.consent, [patientId, c.consentId]);
      await state.purgeShared(KEY.consentRef, [c.consentId]);
    }
    for (const r of await listIndexed<AccessRequest>(state, 'requests', patientId)) {
      await state.purgeShared(KEY.request, [patientId, r.requestId]);
      await state.purgeShared(KEY.requestRef, [r.requestId]);
    }
    for (const e of await listIndexed<AccessEvent>(state, 'events', patientId)) {
      await state.purgeShared(KEY.event, [patientId, e.at, e.eventId]);
      await state.purgeShared(KEY.eventRef, [e.eventId]);
    }
    for (const s of await listIndexed<EmergencySession>(state, 'sessions', patientId)) {
      await state.purgeShared(KEY.emergency, [patientId, s.sessionId]);
      await state.purgeShared(KEY.emergencyRef, [s.sessionId]);
    }
    for (const kind of Object.keys(INDEXED) as IndexKind[]) await purgeIndex(state, kind, patientId);
    await purgeDevices(state, patientId);
    const erased: User = { ...patient, status: 'ERASED' };
    await state.putPublic(KEY.user, [patientId], erased, patient.homeOrg);
    // The event names a receipt, not the patient: events are public in every org's blocks.
    const receipt: ErasureReceipt = { erasureId: state.newId('era'), patientId, at: state.now().toISOString() };
    await state.putShared(KEY.erasure, [receipt.erasureId], receipt, patient.homeOrg);
    state.emit('PatientErased', { erasureId: receipt.erasureId });
    return { id: receipt.erasureId, at: receipt.at };
  }

  /** The patient an erasure event was about, for an admin of the patient's home org (evaluate). */
  @Transaction(false)
  @Returns('ErasureReceipt')
  async ErasureReceipt(ctx: Context, actorId: string, erasureId: string): Promise<ErasureReceipt> {
    const state = new TxState(ctx);
    const actor = await requireActor(state, actorId, ['admin']);
    const receipt = await state.getShared<ErasureReceipt>(KEY.erasure, [checkId('erasureId', erasureId)]);
    const patient = receipt && (await state.getPublic<User>(KEY.user, [receipt.patientId]));
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
