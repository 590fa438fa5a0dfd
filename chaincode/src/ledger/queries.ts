import { authorWindowAllows, emergencyAllows, evaluateConsents, isInForce, namesActor, scopeCovers, type Actor } from '../rules/consent.js';
import { readConfig } from './config.js';
import type { Purpose } from '../rules/vocabulary.js';
import type { Consent, EmergencySession, RecordAnchor, StoredRecord, User } from '../model.js';
import { KEY, orgCollection } from './collections.js';
import { ChaincodeError } from './errors.js';
import { rangeAll, readWorkingSet } from './patient-index.js';
import { getItem } from './placement.js';
import type { TxState } from './state.js';

/** Loads a record by id; refuses an unknown or erased one. */
export async function loadRecord(state: TxState, recordId: string): Promise<StoredRecord> {
  const anchor = await state.getPublic<RecordAnchor>(KEY.recordAnchor, [recordId]);
  if (!anchor) throw new ChaincodeError('RECORD_NOT_FOUND', 'no such record');
  if (anchor.status === 'ERASED') throw new ChaincodeError('RECORD_ERASED', 'the record was erased');
  // A new public key needs one org's endorsement only: an anchor counts when the home org's collection holds the
  // record (the hash of its reference, which any member's peer answers).
  if (!(await state.has(orgCollection(anchor.homeOrg), KEY.recordRef, [recordId]))) throw new ChaincodeError('RECORD_NOT_FOUND', 'no such record');
  // Another org sees a record only while the home org shares it (a consent or a break-glass session covers it).
  const ref = await getItem<{ patientId: string }>(state, anchor.homeOrg, KEY.recordRef, [recordId]);
  const record = ref && (await getItem<StoredRecord>(state, anchor.homeOrg, KEY.record, [ref.patientId, recordId]));
  if (!record) throw new ChaincodeError('RECORD_NOT_FOUND', 'no such record');
  return record;
}

// A submit knows a patient through the bounded working set; lists are key ranges read by evaluates
// (patient-index.ts).

/** Every record of a patient the submitting org sees, in key order: evaluate only (a private range read). */
export function listRecords(state: TxState, patientId: string, homeOrg: string): Promise<StoredRecord[]> {
  return rangeAll<StoredRecord>(state, state.viewOf(homeOrg), KEY.record, [patientId]);
}

/** Every consent of a patient the submitting org sees, in force or not, in key order: evaluate only. */
export function listConsents(state: TxState, patientId: string, homeOrg: string): Promise<Consent[]> {
  return rangeAll<Consent>(state, state.viewOf(homeOrg), KEY.consent, [patientId]);
}

/**
 * Patient context for decisions: the consents in force, the open emergency sessions and the author-access choice
 * (the working set), with the author's treatment window in force.
 */
export interface PatientContext {
  consents: Consent[];
  sessions: EmergencySession[];
  authorAccess?: 'DENIED';
  authorWindowDays: number;
}

export async function loadPatientContext(state: TxState, patientId: string, homeOrg: string): Promise<PatientContext> {
  const [set, config] = await Promise.all([readWorkingSet(state, patientId, homeOrg), readConfig(state)]);
  return { ...set, authorWindowDays: config.authorWindowDays };
}

/** Whether the actor reads the record as its author, within the treatment window the patient left open. */
export function authorMayRead(ctx: PatientContext, actor: Actor, record: StoredRecord, purpose: Purpose, now: Date): boolean {
  return authorWindowAllows(record, actor, purpose, now, ctx.authorWindowDays, ctx.authorAccess === 'DENIED');
}

/**
 * Whether the actor may open a record's metadata by its id: what {@link canSee} allows, or its author within the
 * treatment window. Lists stay what consents and break-glass show (an author opens what they wrote by its id).
 */
export function canOpen(ctx: PatientContext, actor: Actor, record: StoredRecord, now: Date): boolean {
  return canSee(ctx, actor, record, now) || authorMayRead(ctx, actor, record, 'TREAT', now);
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

/** Whether the working set gives a caller other than the patient any way to see a record now. */
export function mayCanSeeAny(ctx: PatientContext, actor: Actor, now: Date): boolean {
  return ctx.consents.some((c) => namesActor(c.grantee, actor) && isInForce(c, now)) || ctx.sessions.some((s) => s.actorId === actor.userId && now.getTime() < Date.parse(s.expiresAt));
}

/** The decision for reading content: consent first, then the author's treatment window, then break-glass. */
export function decideAccess(ctx: PatientContext, actor: Actor, record: StoredRecord, purpose: Purpose, now: Date) {
  const decision = evaluateConsents(ctx.consents, actor, record, purpose, now);
  if (decision.allowed) return { outcome: 'GRANTED' as const, consentId: decision.consentId, basis: undefined };
  if (authorMayRead(ctx, actor, record, purpose, now)) return { outcome: 'GRANTED' as const, consentId: undefined, basis: 'AUTHOR' as const };
  const session = openSession(ctx, actor, record.patientId, purpose, now);
  if (session) return { outcome: 'BREAK_GLASS' as const, session };
  return { outcome: 'DENIED' as const, reason: decision.reason };
}

/**
 * Orgs that must hold a wrapped data key for a new record of this category: the home org, every org
 * named (directly or through a user) by a consent in force whose scope includes the category, and every other
 * org with a break-glass session open on the patient (a session covers every record; its keys are withdrawn
 * when it ends).
 */
export async function keyRecipients(state: TxState, patient: User, category: string, now: Date): Promise<string[]> {
  const orgs = new Set<string>([patient.homeOrg]);
  const set = await readWorkingSet(state, patient.userId, patient.homeOrg);
  for (const c of set.consents) {
    if (isInForce(c, now) && c.scope.categories?.includes(category as never)) orgs.add(c.granteeOrg);
  }
  for (const s of set.sessions) {
    if (s.endedAt === undefined && now.getTime() < Date.parse(s.expiresAt)) orgs.add(s.actorOrg);
  }
  return [...orgs].sort();
}

/** The records a scope covers today (record ids must belong to the patient): evaluate only. */
export async function recordsInScope(state: TxState, patientId: string, homeOrg: string, scope: Consent['scope']): Promise<StoredRecord[]> {
  if (scope.recordIds) return namedRecords(state, patientId, homeOrg, scope.recordIds);
  return (await listRecords(state, patientId, homeOrg)).filter((r) => scopeCovers(scope, r));
}

/** The named records, each read by key; refuses an id that is not a record of this patient. */
export async function namedRecords(state: TxState, patientId: string, homeOrg: string, recordIds: string[]): Promise<StoredRecord[]> {
  const out: StoredRecord[] = [];
  for (const id of recordIds) {
    const record = await getItem<StoredRecord>(state, homeOrg, KEY.record, [patientId, id]);
    if (!record) throw new ChaincodeError('RECORD_NOT_FOUND', 'a record in the scope does not belong to this patient');
    out.push(record);
  }
  return out;
}

