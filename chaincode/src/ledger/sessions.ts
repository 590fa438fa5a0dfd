import type { EmergencySession } from '../model.js';
import { createHash } from 'node:crypto';
import { KEY, orgCollection, shareCollection } from './collections.js';
import { marshal } from './marshal.js';
import { putItem } from './placement.js';
import type { TxState } from './state.js';

/** Stores a break-glass session and the reference from its id to its patient (a copy for the reader's org). */
export async function putSession(state: TxState, session: EmergencySession): Promise<void> {
  await putItem(state, session.patientOrg, KEY.emergency, [session.patientId, session.sessionId], session, session.actorOrg);
  await putItem(state, session.patientOrg, KEY.emergencyRef, [session.sessionId], { patientId: session.patientId }, session.actorOrg);
}

/** A reader's open break-glass sessions on one home org's patients (kept in that org's share for the reader's org). */
interface ActorSessions {
  sessions: { sessionId: string; patientId: string; expiresAt: string }[];
}

/**
 * Notes a session a practitioner of another org opened, under that practitioner in the home org's share for its
 * org: its reads of records the home org has not shared yet find the patient through it ({@link unsharedRecordSession}).
 */
export async function noteActorSession(state: TxState, session: EmergencySession): Promise<void> {
  const share = shareCollection(session.patientOrg, session.actorOrg);
  const now = state.now().getTime();
  const known = (await state.get<ActorSessions>(share, KEY.actorSessions, [session.actorId]))?.sessions ?? [];
  const sessions = [...known.filter((s) => now < Date.parse(s.expiresAt)), { sessionId: session.sessionId, patientId: session.patientId, expiresAt: session.expiresAt }];
  await state.put(share, KEY.actorSessions, [session.actorId], { sessions });
}

/**
 * Under break-glass across hospitals the reader reads before the home org has shared the records (its gateway
 * does it a moment later): the patient of such a record is the one of the reader's open sessions whose id the
 * home org's reference to the record names — told by the reference's hash alone, so nothing of the home org's
 * collection is read. Undefined when no open session of the reader is on that record's patient.
 */
export async function unsharedRecordSession(state: TxState, homeOrg: string, actorId: string, recordId: string): Promise<{ sessionId: string; patientId: string } | undefined> {
  const share = shareCollection(homeOrg, state.mspId);
  const now = state.now().getTime();
  const hash = await state.hash(orgCollection(homeOrg), KEY.recordRef, [recordId]);
  if (!hash) return undefined;
  const mine = (await state.get<ActorSessions>(share, KEY.actorSessions, [actorId]))?.sessions ?? [];
  return mine.find((s) => now < Date.parse(s.expiresAt) && createHash('sha256').update(marshal({ patientId: s.patientId })).digest('hex') === hash);
}
