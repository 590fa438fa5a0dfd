import { emergencyAllows, evaluateConsents, isInForce, namesActor, scopeCovers, type Actor } from '../rules/consent.js';
import type { Purpose } from '../rules/vocabulary.js';
import type { Consent, EmergencySession, RecordAnchor, StoredRecord, User } from '../model.js';
import { KEY } from './collections.js';
import { ChaincodeError, invalid } from './errors.js';
import { listIndexed } from './patient-index.js';
import type { TxState } from './state.js';

/** Loads a record by id; refuses an unknown or erased one. */
export async function loadRecord(state: TxState, recordId: string): Promise<StoredRecord> {
  const anchor = await state.getPublic<RecordAnchor>(KEY.recordAnchor, [recordId]);
  if (!anchor) throw new ChaincodeError('RECORD_NOT_FOUND', 'no such record');
  if (anchor.status === 'ERASED') throw new ChaincodeError('RECORD_ERASED', 'the record was erased');
  const ref = await state.getShared<{ patientId: string }>(KEY.recordRef, [recordId]);
  const record = ref && (await state.getShared<StoredRecord>(KEY.record, [ref.patientId, recordId]));
  if (!record) throw new ChaincodeError('RECORD_NOT_FOUND', 'no such record');
  return record;
}

// A patient's items come from the patient's index, never from a private range query: those would forbid the
// writes of a submitted transaction on a real peer (patient-index.ts).

export function listRecords(state: TxState, patientId: string): Promise<StoredRecord[]> {
  return listIndexed<StoredRecord>(state, 'records', patientId);
}

export function listConsents(state: TxState, patientId: string): Promise<Consent[]> {
  return listIndexed<Consent>(state, 'consents', patientId);
}

export function listSessions(state: TxState, patientId: string): Promise<EmergencySession[]> {
  return listIndexed<EmergencySession>(state, 'sessions', patientId);
}

/** Patient context for reads: consents and emergency sessions, loaded once per transaction. */
export interface PatientContext {
  consents: Consent[];
  sessions: EmergencySession[];
}

export async function loadPatientContext(state: TxState, patientId: string): Promise<PatientContext> {
  const [consents, sessions] = await Promise.all([listConsents(state, patientId), listSessions(state, patientId)]);
  return { consents, sessions };
}

/** An emergency session of this actor that allows `purpose` now, if any. */
export function openSession(ctx: PatientContext, actor: Actor, patientId: string, purpose: Purpose, now: Date) {
  return ctx.sessions.find((s) => emergencyAllows(s, actor, patientId, purpose, now));
}

/**
 * Whether the actor may see a record's metadata: the patient, a consent in force that names the actor
 * and covers the record (any purpose), or an open emergency session. Lists and counts use it so that
 * nothing reveals the records a caller may not see.
 */
export function canSee(ctx: PatientContext, actor: Actor, record: StoredRecord, now: Date): boolean {
  if (actor.userId === record.patientId) return true;
  const byConsent = ctx.consents.some((c) => namesActor(c.grantee, actor) && isInForce(c, now) && scopeCovers(c.scope, record));
  return byConsent || ctx.sessions.some((s) => s.actorId === actor.userId && now.getTime() < Date.parse(s.expiresAt));
}

/** The decision for reading content: consent first, then break-glass. */
export function decideAccess(ctx: PatientContext, actor: Actor, record: StoredRecord, purpose: Purpose, now: Date) {
  const decision = evaluateConsents(ctx.consents, actor, record, purpose, now);
  if (decision.allowed) return { outcome: 'GRANTED' as const, consentId: decision.consentId };
  const session = openSession(ctx, actor, record.patientId, purpose, now);
  if (session) return { outcome: 'BREAK_GLASS' as const, session };
  return { outcome: 'DENIED' as const, reason: decision.reason };
}

/**
 * Orgs that must hold a wrapped data key for a new record of this category: the home org and every org
 * named (directly or through a user) by a consent in force whose scope includes the category.
 */
export async function keyRecipients(state: TxState, patient: User, category: string, now: Date): Promise<string[]> {
  const orgs = new Set<string>([patient.homeOrg]);
  for (const c of await listConsents(state, patient.userId)) {
    if (isInForce(c, now) && c.scope.categories?.includes(category as never)) orgs.add(c.granteeOrg);
  }
  return [...orgs].sort();
}

/** The records a scope covers today (record ids must belong to the patient). */
export async function recordsInScope(state: TxState, patientId: string, scope: Consent['scope']): Promise<StoredRecord[]> {
  const records = await listRecords(state, patientId);
  if (scope.recordIds) {
    const known = new Set(records.map((r) => r.recordId));
    const unknown = scope.recordIds.find((id) => !known.has(id));
    if (unknown) throw new ChaincodeError('RECORD_NOT_FOUND', 'a record in the scope does not belong to this patient');
  }
  return records.filter((r) => scopeCovers(scope, r));
}

/** Slices a key-ordered list after a bookmark (the last id of the previous page). */
export function page<T>(items: T[], idOf: (item: T) => string, pageSize: number, bookmark: string) {
  const at = bookmark ? items.findIndex((i) => idOf(i) === bookmark) : -1;
  if (bookmark && at < 0) throw invalid('bookmark', 'bookmark is not one this list issued');
  const start = at + 1;
  const slice = items.slice(start, start + pageSize);
  const more = start + pageSize < items.length;
  return { items: slice, bookmark: more && slice.length > 0 ? idOf(slice[slice.length - 1]) : '' };
}
