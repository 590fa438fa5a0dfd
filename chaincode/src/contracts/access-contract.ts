import contractApi, { Context } from 'fabric-contract-api';
import { SealedArgsContract } from '../ledger/sealed-contract.js';
import { AccessDecision, AccessEvent, AccessEventPage, KeyRelease, type EmergencySession, type RecordAnchor, type StoredRecord, type WrappedKey } from '../model.js';
import { evaluateContribution, type Actor } from '../rules/consent.js';
import { isReadFailure, READ_FAILURES, type AccessBasis, type AccessOutcome, type Purpose } from '../rules/vocabulary.js';
import { homeOrgOf, isPatientOrHomeAdmin, requireActor, requirePatient } from '../ledger/actors.js';
import { KEY, orgCollection } from '../ledger/collections.js';
import { findByRef, getItem, putItem } from '../ledger/placement.js';
import { ChaincodeError, invalid } from '../ledger/errors.js';
import { rangePage, readWorkingSet } from '../ledger/patient-index.js';
import { decideAccess, loadPatientContext, loadRecord, openSession, type PatientContext } from '../ledger/queries.js';
import { TxState } from '../ledger/state.js';
import { checkCategory, checkId, checkPageSize, checkPurpose } from '../ledger/validate.js';
import { putSession, unsharedRecordSession } from '../ledger/sessions.js';

const { Info, Returns, Transaction } = contractApi;

/** How long after a GRANTED decision its key may be released (the download starts right after). */
export const KEY_RELEASE_WINDOW_MS = 5 * 60_000;

/**
 * Reading content is two steps: the submitted `Access` decides and records the event and returns the
 * decision only (a submit's response is in every org's blocks); the evaluated `ReleaseKey` on the reader's
 * own org peer returns the CID and that org's wrapped key for a fresh, committed, granted event of that
 * reader. Why: docs/DECISIONS.md#reading-content-takes-two-steps.
 */
@Info({ title: 'AccessContract', description: 'Access decisions, key release and the access log' })
export class AccessContract extends SealedArgsContract {
  constructor() {
    super('access');
  }

  /** Decides whether the actor may read the record for the purpose and records the event, denied or not. */
  @Transaction()
  @Returns('AccessDecision')
  async Access(ctx: Context, actorId: string, recordId: string, purpose: string): Promise<AccessDecision> {
    const state = new TxState(ctx);
    const actor = await requireActor(state, actorId);
    const checkedPurpose = checkPurpose('purpose', purpose);
    const found = await findReadable(state, actor, checkId('recordId', recordId));
    const now = state.now();
    const home = await homeOrgOf(state, found.patientId);
    const pctx = await loadPatientContext(state, found.patientId, home);
    // A record the home org has not shared yet is read under the reader's break-glass session only.
    const decision = decideReadable(pctx, actor, found, checkedPurpose, now);
    const event = await recordEvent(state, actor, found, checkedPurpose, decision.outcome, {
      reason: decision.outcome === 'DENIED' ? decision.reason : undefined,
      consentId: decision.outcome === 'GRANTED' ? decision.consentId : undefined,
      basis: decision.outcome === 'GRANTED' ? decision.basis : undefined,
      emergencySessionId: decision.outcome === 'BREAK_GLASS' ? decision.session.sessionId : undefined,
    });
    if (decision.outcome === 'BREAK_GLASS') {
      // The working set holds a copy of the session; the use count lives in the session's own key.
      const session = (await getItem<EmergencySession>(state, home, KEY.emergency, [found.patientId, decision.session.sessionId])) ?? decision.session;
      await putSession(state, { ...session, uses: session.uses + 1 });
    }
    return { eventId: event.eventId, outcome: event.outcome, ...(event.reason ? { reason: event.reason } : {}) };
  }

  /** Key release (evaluate only): CID and the caller org's wrapped key, for the caller's fresh granted event. */
  @Transaction(false)
  @Returns('KeyRelease')
  async ReleaseKey(ctx: Context, actorId: string, eventId: string): Promise<KeyRelease> {
    const state = new TxState(ctx);
    const actor = await requireActor(state, actorId);
    const event = await loadEvent(state, checkId('eventId', eventId));
    if (event.actorId !== actor.userId) throw new ChaincodeError('NOT_FOUND', 'no such access event');
    if (event.outcome !== 'GRANTED' && event.outcome !== 'BREAK_GLASS') throw new ChaincodeError('FORBIDDEN', 'the access was not granted');
    const now = state.now();
    if (now.getTime() - Date.parse(event.at) > KEY_RELEASE_WINDOW_MS) throw new ChaincodeError('FORBIDDEN', 'the access decision is stale; ask again');
    // An erasure that began after the decision wins too.
    const patient = await requirePatient(state, event.patientId);
    const found = await findReadable(state, actor, event.recordId);
    // A revocation between the decision and the release wins.
    const pctx = await loadPatientContext(state, event.patientId, patient.homeOrg);
    const decision = decideReadable(pctx, actor, found, event.purpose, now);
    if (decision.outcome === 'DENIED') throw new ChaincodeError(decision.reason, 'the access is no longer allowed');
    const record = found.record;
    const wrapped = record && (await state.getWrappedKey<WrappedKey>(patient.homeOrg, actor.org, record.recordId));
    if (!wrapped && decision.outcome === 'BREAK_GLASS' && actor.org !== decision.session.patientOrg) {
      // Break-glass across hospitals: the home org's gateway wraps the keys for this org once it sees the session.
      throw new ChaincodeError('KEYS_NOT_RELEASED', "the patient's home hospital has not released the keys for this session");
    }
    if (!wrapped || !record) throw new ChaincodeError('NOT_FOUND', 'no data key is shared with your org for this record');
    return { recordId: record.recordId, cid: record.cid, wrappedKey: wrapped.jwe, sha256: record.sha256, size: record.size, mediaType: record.mediaType };
  }

  /** The reader's gateway reports that the content failed verification after a granted access. */
  @Transaction()
  @Returns('AccessDecision')
  async ReportIntegrityViolation(ctx: Context, actorId: string, eventId: string): Promise<AccessDecision> {
    const state = new TxState(ctx);
    const { actor, granted, record } = await loadOwnGrantedRead(state, actorId, eventId);
    // An event of its own, so that the patient's gateway can tell the patient without reading every access event.
    const event = await recordEvent(state, actor, record, granted.purpose, 'INTEGRITY_VIOLATION', { reason: 'HASH_MISMATCH', decisionEventId: granted.eventId }, 'IntegrityViolationRecorded');
    return { eventId: event.eventId, outcome: event.outcome, reason: 'HASH_MISMATCH' };
  }

  /**
   * The reader's gateway reports that a granted read ended without content, so that the log shows what the
   * reader got. The chaincode decides again first: if the read is no longer allowed (a revocation or expiry
   * won the race with the key release), the final outcome is DENIED with the chaincode's own reason;
   * otherwise it is FAILED with the reported reason (one of READ_FAILURES).
   */
  @Transaction()
  @Returns('AccessDecision')
  async ReportFailedRead(ctx: Context, actorId: string, eventId: string, reason: string): Promise<AccessDecision> {
    const state = new TxState(ctx);
    if (!isReadFailure(reason)) throw invalid('reason', `reason must be one of ${READ_FAILURES.join(', ')}`);
    const { actor, granted, record } = await loadOwnGrantedRead(state, actorId, eventId);
    const now = state.now();
    const pctx = await loadPatientContext(state, record.patientId, await homeOrgOf(state, record.patientId));
    const decision = decideReadable(pctx, actor, record, granted.purpose, now);
    const [outcome, why] = decision.outcome === 'DENIED' ? (['DENIED', decision.reason] as const) : (['FAILED', reason] as const);
    const event = await recordEvent(state, actor, record, granted.purpose, outcome, { reason: why, decisionEventId: granted.eventId });
    return { eventId: event.eventId, outcome: event.outcome, reason: why };
  }

  /** One access event, for the patient and the home admin (what the access log shows them). */
  @Transaction(false)
  @Returns('AccessEvent')
  async GetAccessEvent(ctx: Context, actorId: string, eventId: string): Promise<AccessEvent> {
    const state = new TxState(ctx);
    const actor = await requireActor(state, actorId);
    const event = await loadEvent(state, checkId('eventId', eventId));
    const patient = await requirePatient(state, event.patientId);
    if (!isPatientOrHomeAdmin(actor, patient)) throw new ChaincodeError('NOT_FOUND', 'no such access event');
    return event;
  }

  /**
   * The gateway of a practitioner of another org reports that an upload for the patient was refused (KeyRecipients
   * answered NO_CONTRIBUTION_RIGHT, before any byte was stored). The chaincode decides again and records the
   * refusal in the patient's access log (action CONTRIBUTE, no record id); an allowed contribution is not recorded.
   */
  @Transaction()
  @Returns('AccessDecision')
  async ReportRefusedContribution(ctx: Context, actorId: string, patientId: string, category: string): Promise<AccessDecision> {
    const state = new TxState(ctx);
    const actor = await requireActor(state, actorId, ['practitioner']);
    const patient = await requirePatient(state, checkId('patientId', patientId));
    const checked = checkCategory('category', category);
    if (actor.org === patient.homeOrg) throw new ChaincodeError('CONFLICT', "the patient's home org adds records without a contribution right");
    const decision = evaluateContribution((await readWorkingSet(state, patient.userId, patient.homeOrg)).consents, actor, patient.userId, checked, state.now());
    if (decision.allowed) throw new ChaincodeError('CONFLICT', 'the contribution is allowed');
    const event = await recordEvent(state, actor, { patientId: patient.userId, recordId: '' }, 'TREAT', 'DENIED', { reason: decision.reason, action: 'CONTRIBUTE' });
    return { eventId: event.eventId, outcome: event.outcome, reason: decision.reason };
  }

  /** The access log of a patient (optionally one record), oldest first, for the patient and the home admin. */
  @Transaction(false)
  @Returns('AccessEventPage')
  async AccessLog(ctx: Context, actorId: string, patientId: string, recordId: string, pageSize: string, bookmark: string): Promise<AccessEventPage> {
    const state = new TxState(ctx);
    const actor = await requireActor(state, actorId);
    const patient = await requirePatient(state, patientId);
    if (!isPatientOrHomeAdmin(actor, patient)) throw new ChaincodeError('FORBIDDEN', 'only the patient and their home org see the access log');
    if (recordId !== '') checkId('recordId', recordId);
    const size = checkPageSize('pageSize', pageSize);
    // The bookmark is the last event id of the previous page: its key is where this page's range starts.
    let after: string[] = [];
    if (bookmark !== '') {
      const ref = await state.getOwn<{ patientId: string; at: string }>(patient.homeOrg, KEY.eventRef, [checkId('bookmark', bookmark)]);
      const last = ref?.patientId === patientId ? await state.getOwn<AccessEvent>(patient.homeOrg, KEY.event, [patientId, ref.at, bookmark]) : undefined;
      if (!last || (recordId !== '' && last.recordId !== recordId)) throw invalid('bookmark', 'bookmark is not one this list issued');
      after = [last.at, last.eventId];
    }
    let events: AccessEvent[];
    let more: boolean;
    if (recordId === '') {
      const found = await rangePage<AccessEvent>(state, orgCollection(patient.homeOrg), KEY.event, [patientId], after, size);
      events = found.items.map((e) => e.value);
      more = found.more;
    } else {
      const found = await rangePage<{ eventId: string }>(state, orgCollection(patient.homeOrg), KEY.eventByRecord, [patientId, recordId], after, size);
      events = [];
      for (const { key } of found.items) {
        const event = await state.getOwn<AccessEvent>(patient.homeOrg, KEY.event, [patientId, key[0], key[1]]);
        if (event) events.push(event);
      }
      more = found.more;
    }
    return { events, bookmark: more && events.length > 0 ? events[events.length - 1].eventId : '' };
  }
}

async function recordEvent(
  state: TxState,
  actor: Actor,
  record: Pick<StoredRecord, 'patientId' | 'recordId'>,
  purpose: Purpose,
  outcome: AccessOutcome,
  extra: { reason?: string; consentId?: string; basis?: AccessBasis; emergencySessionId?: string; decisionEventId?: string; action?: 'CONTRIBUTE' },
  eventName: 'AccessRecorded' | 'IntegrityViolationRecorded' = 'AccessRecorded',
): Promise<AccessEvent> {
  const at = state.now().toISOString();
  const event: AccessEvent = {
    eventId: state.newId('evt'),
    patientId: record.patientId,
    recordId: record.recordId,
    actorId: actor.userId,
    actorOrg: actor.org,
    purpose,
    outcome,
    at,
    ...(extra.reason ? { reason: extra.reason } : {}),
    ...(extra.consentId ? { consentId: extra.consentId } : {}),
    ...(extra.basis ? { basis: extra.basis } : {}),
    ...(extra.emergencySessionId ? { emergencySessionId: extra.emergencySessionId } : {}),
    ...(extra.decisionEventId ? { decisionEventId: extra.decisionEventId } : {}),
    ...(extra.action ? { action: extra.action } : {}),
  };
  const patientOrg = (await requirePatient(state, record.patientId)).homeOrg;
  // The timestamp in the key keeps the log in time order; the second key is the same event in its record's log.
  // Only this event's own keys are written: concurrent reads of one patient never write a common key. A reader
  // of another org writes them blind into the home org's collection, and keeps a copy of its own event (the
  // key release and its reports load it).
  await putItem(state, patientOrg, KEY.event, [record.patientId, at, event.eventId], event, actor.org);
  await putItem(state, patientOrg, KEY.eventRef, [event.eventId], { patientId: record.patientId, at }, actor.org);
  // A refused contribution names no record: it is in the patient's log only.
  if (record.recordId !== '') await putItem(state, patientOrg, KEY.eventByRecord, [record.patientId, record.recordId, at, event.eventId], { eventId: event.eventId });
  state.emit(eventName, { eventId: event.eventId });
  return event;
}

/** A granted (or break-glass) read event of this actor, with the actor and the record. */
async function loadOwnGrantedRead(state: TxState, actorId: string, eventId: string) {
  const actor = await requireActor(state, actorId);
  const granted = await loadEvent(state, checkId('eventId', eventId));
  if (granted.actorId !== actor.userId) throw new ChaincodeError('NOT_FOUND', 'no such access event');
  if (granted.outcome !== 'GRANTED' && granted.outcome !== 'BREAK_GLASS') throw new ChaincodeError('CONFLICT', 'only a granted read has a final outcome to report');
  return { actor, granted, record: await findReadable(state, actor, granted.recordId) };
}

/**
 * The record a reader asks for: its metadata when the reader's org sees it, else (break-glass across hospitals,
 * before the home org shared the records) only its patient, found through the reader's open session.
 */
async function findReadable(state: TxState, actor: Actor, recordId: string): Promise<{ patientId: string; recordId: string; record?: StoredRecord }> {
  try {
    const record = await loadRecord(state, recordId);
    return { patientId: record.patientId, recordId, record };
  } catch (error) {
    const anchor = await state.getPublic<RecordAnchor>(KEY.recordAnchor, [recordId]);
    if (!(error instanceof ChaincodeError) || error.code !== 'RECORD_NOT_FOUND' || !anchor || anchor.homeOrg === actor.org) throw error;
    const session = await unsharedRecordSession(state, anchor.homeOrg, actor.userId, recordId);
    if (!session) throw error;
    return { patientId: session.patientId, recordId };
  }
}

/**
 * The decision on a read of what {@link findReadable} found: the usual one for a record the reader's org sees; for
 * one not shared with it yet, an open break-glass session of the reader, or nothing.
 */
function decideReadable(ctx: PatientContext, actor: Actor, found: { patientId: string; record?: StoredRecord }, purpose: Purpose, now: Date) {
  if (found.record) return decideAccess(ctx, actor, found.record, purpose, now);
  const session = openSession(ctx, actor, found.patientId, purpose, now);
  if (session) return { outcome: 'BREAK_GLASS' as const, session };
  return { outcome: 'DENIED' as const, reason: 'NO_CONSENT' as const };
}

async function loadEvent(state: TxState, eventId: string): Promise<AccessEvent> {
  const event = await findByRef<AccessEvent>(state, KEY.eventRef, eventId, KEY.event, (ref) => [ref.patientId, ref.at ?? '', eventId]);
  if (!event) throw new ChaincodeError('NOT_FOUND', 'no such access event');
  return event;
}
