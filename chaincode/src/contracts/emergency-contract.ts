import contractApi, { Context } from 'fabric-contract-api';
import { SealedArgsContract } from '../ledger/sealed-contract.js';
import { Created, EmergencySession, SharedKey, type StoredRecord, type WrappedKey } from '../model.js';
import { requireActor, requirePatient } from '../ledger/actors.js';
import { KEY, orgCollection } from '../ledger/collections.js';
import { findByRef, shareRecord, unshareRecord } from '../ledger/placement.js';
import { ChaincodeError, invalid } from '../ledger/errors.js';
import { updateWorkingSet } from '../ledger/patient-index.js';
import { TxState } from '../ledger/state.js';
import { checkEmergencyReason, checkId, checkWrappedKeys } from '../ledger/validate.js';
import { readConfig } from '../ledger/config.js';
import { noteActorSession, putSession } from '../ledger/sessions.js';
import { listRecords, loadPatientContext, namedRecords, type PatientContext } from '../ledger/queries.js';
import { isInForce, scopeCovers } from '../rules/consent.js';
import { contributedBy } from '../ledger/consents.js';

/** At most this many records are named to one withdrawal. */
const MAX_NAMED_RECORDS = 10_000;

const { Info, Returns, Transaction } = contractApi;

/** Break-glass: emergency access with a coded reason, a short fixed window, every use flagged, reviewed by the home admin. */
@Info({ title: 'EmergencyContract', description: 'Break-glass access and its review' })
export class EmergencyContract extends SealedArgsContract {
  constructor() {
    super('emergency');
  }

  /**
   * A practitioner opens emergency access to a patient for the configured window. A practitioner of another
   * org opens it the same way: the patient's home org then releases the data keys to that org by itself
   * (`ReleaseEmergencyKeys`, driven by its gateway following this transaction's event).
   */
  @Transaction()
  @Returns('Created')
  async OpenEmergencyAccess(ctx: Context, actorId: string, patientId: string, reasonCode: string): Promise<Created> {
    const state = new TxState(ctx);
    const actor = await requireActor(state, actorId, ['practitioner']);
    const patient = await requirePatient(state, patientId);
    const reason = checkEmergencyReason('reasonCode', reasonCode);
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
    if (actor.org !== patient.homeOrg) await noteActorSession(state, session);
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
    const sessions = await state.list<EmergencySession>(orgCollection(actor.org), KEY.emergency, []);
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
    const now = state.now();
    // The review ends a session still open: no read under it from now on (and its keys are withdrawn).
    const open = now.getTime() < Date.parse(session.expiresAt);
    const reviewed: EmergencySession = { ...session, reviewedAt: now.toISOString(), reviewedBy: actor.userId, ...(open ? { endedAt: now.toISOString() } : {}) };
    await putSession(state, reviewed);
    if (open) await updateWorkingSet(state, session.patientId, session.patientOrg, (set) => ({ ...set, sessions: set.sessions.filter((s) => s.sessionId !== sessionId) }));
    state.emit('EmergencyAccessReviewed', { sessionId });
    return { id: sessionId, at: reviewed.reviewedAt };
  }

  /**
   * Across hospitals, for the home org's gateway: the home org's copies of the patient's data keys that the
   * reader's org does not hold yet, to re-wrap for that org before `ReleaseEmergencyKeys` (evaluate on the home
   * org's own peer, by one of its admins). Empty once the session has ended or its keys were released.
   */
  @Transaction(false)
  @Returns('SharedKey[]')
  async EmergencyKeys(ctx: Context, actorId: string, sessionId: string): Promise<SharedKey[]> {
    const state = new TxState(ctx);
    const { session } = await loadCrossOrgSession(state, actorId, sessionId);
    // Nothing is released for a patient whose erasure has begun.
    await requirePatient(state, session.patientId);
    if (session.keysReleasedAt || hasEnded(session, state.now())) return [];
    const out: SharedKey[] = [];
    for (const record of await listRecords(state, session.patientId, session.patientOrg)) {
      if (await state.hasWrappedKey(session.patientOrg, session.actorOrg, record.recordId)) continue;
      const wrapped = await state.getWrappedKey<WrappedKey>(session.patientOrg, session.patientOrg, record.recordId);
      if (wrapped) out.push({ recordId: record.recordId, wrappedKey: wrapped.jwe });
    }
    return out;
  }

  /**
   * Across hospitals: the home org (an admin of it, through its gateway) gives the reader's org the patient's
   * records — metadata and the data keys it re-wrapped for that org (transient `keys` = {wrappedKeys}) — in the
   * share it keeps for that org, while the session is open; each key must name a record of this patient. The
   * session joins the home org's working set, so records added while it is open are shared too. Endorsed by the
   * home org.
   */
  @Transaction()
  @Returns('Created')
  async ReleaseEmergencyKeys(ctx: Context, actorId: string, sessionId: string): Promise<Created> {
    const state = new TxState(ctx);
    const { session } = await loadCrossOrgSession(state, actorId, sessionId);
    await requirePatient(state, session.patientId);
    const now = state.now();
    if (hasEnded(session, now)) throw new ChaincodeError('CONFLICT', 'the session has ended');
    if (session.keysReleasedAt) throw new ChaincodeError('CONFLICT', 'the keys of this session are already released');
    const wrappedKeys = checkWrappedKeys('wrappedKeys', state.optionalTransient<{ wrappedKeys?: unknown }>('keys')?.wrappedKeys ?? {});
    for (const [recordId, jwe] of Object.entries(wrappedKeys)) {
      const record = await state.getOwn<StoredRecord>(session.patientOrg, KEY.record, [session.patientId, recordId]);
      if (!record) throw invalid('wrappedKeys', 'a wrapped key names a record that is not of this patient');
      if (await state.hasWrappedKey(session.patientOrg, session.actorOrg, recordId)) continue;
      await shareRecord(state, session.patientOrg, session.actorOrg, record, jwe);
    }
    const released = { ...session, keysReleasedAt: now.toISOString() };
    await putSession(state, released);
    await updateWorkingSet(state, session.patientId, session.patientOrg, (set) => ({
      ...set,
      sessions: [...set.sessions.filter((s) => s.sessionId !== sessionId), released],
    }));
    state.emit('EmergencyKeysReleased', { sessionId });
    return { id: sessionId, at: now.toISOString() };
  }

  /**
   * Across hospitals, after the session ended: the records whose keys the reader's org loses (evaluate; pass
   * them to `WithdrawEmergencyKeys` in the transient field `withdraw` = {recordIds}) — every record of the
   * patient that org holds a key for, except those a consent of that org in force covers; none while another
   * session of that org on this patient is open.
   */
  @Transaction(false)
  @Returns('string[]')
  async EmergencyKeysToWithdraw(ctx: Context, actorId: string, sessionId: string): Promise<string[]> {
    const state = new TxState(ctx);
    const { session } = await loadCrossOrgSession(state, actorId, sessionId);
    const now = state.now();
    const set = await loadPatientContext(state, session.patientId, session.patientOrg);
    if (stillNeeded(set, session, now)) return [];
    const out: string[] = [];
    for (const record of await listRecords(state, session.patientId, session.patientOrg)) {
      if (coveredByConsent(set, session.actorOrg, record, now) || contributedBy(record, session.actorOrg)) continue;
      if (await state.hasWrappedKey(session.patientOrg, session.actorOrg, record.recordId)) out.push(record.recordId);
    }
    return out;
  }

  /**
   * Across hospitals: the home org takes back the records it shared (metadata and keys leave the reader's share)
   * once the session has ended (its window passed, or the review ended it). The records come from
   * `EmergencyKeysToWithdraw`; each is checked again against the consents in force. Endorsed by both orgs.
   */
  @Transaction()
  @Returns('Created')
  async WithdrawEmergencyKeys(ctx: Context, actorId: string, sessionId: string): Promise<Created> {
    const state = new TxState(ctx);
    const { session } = await loadCrossOrgSession(state, actorId, sessionId);
    const now = state.now();
    if (!hasEnded(session, now)) throw new ChaincodeError('CONFLICT', 'the session is still open');
    if (session.keysWithdrawnAt) throw new ChaincodeError('CONFLICT', 'the keys of this session are already withdrawn');
    const named = state.optionalTransient<{ recordIds?: unknown }>('withdraw')?.recordIds ?? [];
    if (!Array.isArray(named) || named.length > MAX_NAMED_RECORDS) throw invalid('recordIds', `recordIds must list at most ${MAX_NAMED_RECORDS} record ids`);
    const set = await loadPatientContext(state, session.patientId, session.patientOrg);
    if (!stillNeeded(set, session, now)) {
      for (const record of await namedRecords(state, session.patientId, session.patientOrg, named.map((id) => checkId('recordIds', id)))) {
        if (coveredByConsent(set, session.actorOrg, record, now) || contributedBy(record, session.actorOrg)) continue;
        await unshareRecord(state, session.patientOrg, session.actorOrg, record);
      }
    }
    await putSession(state, { ...session, keysWithdrawnAt: now.toISOString() });
    state.emit('EmergencyKeysWithdrawn', { sessionId });
    return { id: sessionId, at: now.toISOString() };
  }
}

async function loadSession(state: TxState, sessionId: string): Promise<EmergencySession> {
  const session = await findByRef<EmergencySession>(state, KEY.emergencyRef, sessionId, KEY.emergency, (ref) => [ref.patientId, sessionId]);
  if (!session) throw new ChaincodeError('NOT_FOUND', 'no such emergency session');
  return session;
}

/** A session across hospitals, for an admin of the patient's home org (the only one who moves its keys). */
async function loadCrossOrgSession(state: TxState, actorId: string, sessionId: string): Promise<{ session: EmergencySession }> {
  const actor = await requireActor(state, actorId, ['admin']);
  const session = await loadSession(state, checkId('sessionId', sessionId));
  if (session.patientOrg !== actor.org) throw new ChaincodeError('NOT_FOUND', 'no such emergency session');
  if (session.actorOrg === session.patientOrg) throw new ChaincodeError('CONFLICT', 'the session is not across hospitals: no keys move');
  return { session };
}

/** Whether a session no longer allows reads at `now`: its window passed, or the review ended it. */
function hasEnded(session: EmergencySession, now: Date): boolean {
  return session.endedAt !== undefined || now.getTime() >= Date.parse(session.expiresAt);
}

/** Another open session of the same reader org on this patient still needs that org's keys. */
function stillNeeded(set: PatientContext, session: EmergencySession, now: Date): boolean {
  return set.sessions.some((s) => s.sessionId !== session.sessionId && s.actorOrg === session.actorOrg && !hasEnded(s, now));
}

/** A consent in force of the reader's org (the org, or one of its practitioners) covers the record. */
function coveredByConsent(set: PatientContext, org: string, record: StoredRecord, now: Date): boolean {
  return set.consents.some((c) => c.granteeOrg === org && isInForce(c, now) && scopeCovers(c.scope, record));
}
