import contractApi, { Context } from 'fabric-contract-api';
import { SealedArgsContract } from '../ledger/sealed-contract.js';
import { Created, EmergencySession } from '../model.js';
import { requireActor, requirePatient } from '../ledger/actors.js';
import { KEY } from '../ledger/collections.js';
import { ChaincodeError, invalid } from '../ledger/errors.js';
import { updateWorkingSet } from '../ledger/patient-index.js';
import { TxState } from '../ledger/state.js';
import { checkEmergencyReason, checkId, checkWrappedKeys } from '../ledger/validate.js';
import { readConfig } from '../ledger/config.js';
import { putSession } from '../ledger/sessions.js';

const { Info, Returns, Transaction } = contractApi;

/** Break-glass: emergency access with a coded reason, a short fixed window, every use flagged, reviewed by the home admin. */
@Info({ title: 'EmergencyContract', description: 'Break-glass access and its review' })
export class EmergencyContract extends SealedArgsContract {
  constructor() {
    super('emergency');
  }

  /**
   * A practitioner opens emergency access to a patient for the configured window. A practitioner of
   * another org must bring the data keys wrapped for that org (transient `keys` = {wrappedKeys}).
   */
  @Transaction()
  @Returns('Created')
  async OpenEmergencyAccess(ctx: Context, actorId: string, patientId: string, reasonCode: string): Promise<Created> {
    const state = new TxState(ctx);
    const actor = await requireActor(state, actorId, ['practitioner']);
    const patient = await requirePatient(state, patientId);
    const reason = checkEmergencyReason('reasonCode', reasonCode);
    if (actor.org !== patient.homeOrg) {
      // The keys of the records the home org's evaluate found, each checked to be a record of this patient.
      const wrappedKeys = checkWrappedKeys('wrappedKeys', state.optionalTransient<{ wrappedKeys?: unknown }>('keys')?.wrappedKeys);
      for (const [recordId, jwe] of Object.entries(wrappedKeys)) {
        if (!(await state.getShared(KEY.record, [patientId, recordId]))) throw invalid('wrappedKeys', 'a wrapped key names a record that is not of this patient');
        if (await state.hasWrappedKey(actor.org, recordId)) continue;
        await state.putWrappedKey(actor.org, recordId, { recordId, patientId, jwe });
      }
    }
    const now = state.now();
    const { emergencyHours } = await readConfig(state);
    const session: EmergencySession = {
      sessionId: state.newId('brk'),
      patientId,
      patientOrg: patient.homeOrg,
      actorId: actor.userId,
      actorOrg: actor.org,
      reasonCode: reason,
      openedAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + emergencyHours * 3_600_000).toISOString(),
      uses: 0,
    };
    await putSession(state, session);
    await updateWorkingSet(state, patientId, patient.homeOrg, (set) => ({ ...set, sessions: [...set.sessions, session] }));
    state.emit('EmergencyAccessOpened', { sessionId: session.sessionId });
    return { id: session.sessionId, at: session.openedAt };
  }

  /** One session, for the practitioner who opened it and the admins of the patient's home org (evaluate). */
  @Transaction(false)
  @Returns('EmergencySession')
  async GetEmergencyAccess(ctx: Context, actorId: string, sessionId: string): Promise<EmergencySession> {
    const state = new TxState(ctx);
    const actor = await requireActor(state, actorId);
    const session = await loadSession(state, checkId('sessionId', sessionId));
    const involved = session.actorId === actor.userId || (actor.role === 'admin' && actor.org === session.patientOrg);
    if (!involved) throw new ChaincodeError('NOT_FOUND', 'no such emergency session');
    return session;
  }

  /** The home org admin's review queue: sessions of the org's patients ('true' = only those not reviewed). */
  @Transaction(false)
  @Returns('EmergencySession[]')
  async ListEmergencyAccess(ctx: Context, actorId: string, onlyUnreviewed: string): Promise<EmergencySession[]> {
    const state = new TxState(ctx);
    const actor = await requireActor(state, actorId, ['admin']);
    if (onlyUnreviewed !== 'true' && onlyUnreviewed !== 'false') throw invalid('onlyUnreviewed', "onlyUnreviewed must be 'true' or 'false'");
    const sessions = await state.listShared<EmergencySession>(KEY.emergency, []);
    return sessions.filter((s) => s.patientOrg === actor.org && (onlyUnreviewed === 'false' || !s.reviewedAt));
  }

  /** The home org admin marks a session reviewed. */
  @Transaction()
  @Returns('Created')
  async ReviewEmergencyAccess(ctx: Context, actorId: string, sessionId: string): Promise<Created> {
    const state = new TxState(ctx);
    const actor = await requireActor(state, actorId, ['admin']);
    const session = await loadSession(state, checkId('sessionId', sessionId));
    if (session.patientOrg !== actor.org) throw new ChaincodeError('WRONG_ORG', "only the patient's home org reviews");
    if (session.reviewedAt) throw new ChaincodeError('CONFLICT', 'the session is already reviewed');
    const reviewed: EmergencySession = { ...session, reviewedAt: state.now().toISOString(), reviewedBy: actor.userId };
    await putSession(state, reviewed);
    state.emit('EmergencyAccessReviewed', { sessionId });
    return { id: sessionId, at: reviewed.reviewedAt };
  }
}

async function loadSession(state: TxState, sessionId: string): Promise<EmergencySession> {
  const ref = await state.getShared<{ patientId: string }>(KEY.emergencyRef, [sessionId]);
  const session = ref && (await state.getShared<EmergencySession>(KEY.emergency, [ref.patientId, sessionId]));
  if (!session) throw new ChaincodeError('NOT_FOUND', 'no such emergency session');
  return session;
}
