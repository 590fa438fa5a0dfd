import type { Category, Purpose, Role } from './vocabulary.js';

/** Who a consent is granted to: one user, or every practitioner of an org (MSP id). */
export type Grantee = { kind: 'user'; userId: string } | { kind: 'org'; org: string };

/** What a consent covers: listed records, or whole categories (one of the two, non-empty). */
export interface ConsentScope {
  recordIds?: string[];
  categories?: Category[];
}

/** The terms of a consent as the rules need them. */
export interface ConsentTerms {
  consentId: string;
  patientId: string;
  grantee: Grantee;
  scope: ConsentScope;
  purposes: Purpose[];
  /** ISO-8601 instant; the consent is void from this instant on. */
  expiresAt: string;
  status: 'ACTIVE' | 'REVOKED';
  /** The contribution right (FHIR Consent `provision.action` collect). */
  contribute?: boolean;
}

/** The reader as the rules need it (from the ledger registry). */
export interface Actor {
  userId: string;
  org: string;
  role: Role;
}

/** The record as the rules need it. */
export interface RecordRef {
  recordId: string;
  patientId: string;
  category: Category;
}

export type DenialReason = 'NO_CONSENT' | 'OUT_OF_SCOPE' | 'WRONG_PURPOSE' | 'CONSENT_REVOKED' | 'CONSENT_EXPIRED';

export type ConsentDecision = { allowed: true; consentId: string } | { allowed: false; reason: DenialReason };

/**
 * Whether a consent names this actor as grantee. Consents are for care: only a practitioner is ever named,
 * either by a user grant or by a grant to the practitioner's whole org. A patient or an admin of the grantee
 * org is not named by an org grant (an admin runs the hospital's registry, not its care), so for them such a
 * consent does not exist: they get what any stranger gets.
 */
export function namesActor(grantee: Grantee, actor: Pick<Actor, 'userId' | 'org' | 'role'>): boolean {
  if (actor.role !== 'practitioner') return false;
  return grantee.kind === 'user' ? grantee.userId === actor.userId : grantee.org === actor.org;
}

/** Whether a scope covers a record (by id or by category). */
export function scopeCovers(scope: ConsentScope, record: Pick<RecordRef, 'recordId' | 'category'>): boolean {
  return Boolean(scope.recordIds?.includes(record.recordId) || scope.categories?.includes(record.category));
}

/** Whether a consent is in force at `now`: not revoked and not yet expired. */
export function isInForce(consent: Pick<ConsentTerms, 'status' | 'expiresAt'>, now: Date): boolean {
  return consent.status === 'ACTIVE' && now.getTime() < Date.parse(consent.expiresAt);
}

// How far a consent got before it failed: the decision reports the closest miss.
const CHECKS: DenialReason[] = ['OUT_OF_SCOPE', 'WRONG_PURPOSE', 'CONSENT_REVOKED', 'CONSENT_EXPIRED'];

function firstFailure(c: ConsentTerms, record: RecordRef, purpose: Purpose, now: Date): DenialReason | undefined {
  if (!scopeCovers(c.scope, record)) return 'OUT_OF_SCOPE';
  if (!c.purposes.includes(purpose)) return 'WRONG_PURPOSE';
  if (c.status !== 'ACTIVE') return 'CONSENT_REVOKED';
  if (!(now.getTime() < Date.parse(c.expiresAt))) return 'CONSENT_EXPIRED';
  return undefined;
}

/**
 * Decides whether `actor` may read `record` for `purpose` at `now` under the patient's consents.
 * The patient always may read their own records. Otherwise one consent naming the actor must be
 * in force, cover the record and list the purpose; when none does, the reason is the closest miss among
 * the consents that name the actor, and `NO_CONSENT` when none names them (a denial never tells a
 * caller about consents granted to someone else).
 * Pure: the chaincode decides with it (time = tx timestamp) and the gateway pre-checks with it.
 */
export function evaluateConsents(
  consents: readonly ConsentTerms[],
  actor: Actor,
  record: RecordRef,
  purpose: Purpose,
  now: Date,
): ConsentDecision {
  if (actor.role === 'patient' && actor.userId === record.patientId) {
    return { allowed: true, consentId: 'self' };
  }
  let closest: DenialReason = 'NO_CONSENT';
  for (const consent of consents) {
    if (consent.patientId !== record.patientId || !namesActor(consent.grantee, actor)) continue;
    const failure = firstFailure(consent, record, purpose, now);
    if (!failure) return { allowed: true, consentId: consent.consentId };
    if (closest === 'NO_CONSENT' || CHECKS.indexOf(failure) > CHECKS.indexOf(closest)) closest = failure;
  }
  return { allowed: false, reason: closest };
}

/** Purposes a break-glass session allows. */
export const EMERGENCY_PURPOSES: readonly Purpose[] = ['ETREAT', 'TREAT'];

/** Whether an emergency session (opened by this actor for this patient) allows the read at `now`. */
export function emergencyAllows(
  session: { actorId: string; patientId: string; expiresAt: string; endedAt?: string },
  actor: Pick<Actor, 'userId' | 'role'>,
  patientId: string,
  purpose: Purpose,
  now: Date,
): boolean {
  return (
    actor.role === 'practitioner' &&
    session.actorId === actor.userId &&
    session.patientId === patientId &&
    EMERGENCY_PURPOSES.includes(purpose) &&
    session.endedAt === undefined &&
    now.getTime() < Date.parse(session.expiresAt)
  );
}

/** Purposes the author's treatment window allows. */
export const AUTHOR_PURPOSES: readonly Purpose[] = ['TREAT', 'ETREAT'];

/**
 * Whether the practitioner who added a record may still read it at `now` without a consent: for treatment, within
 * `windowDays` of the record's creation, unless the patient ended author access (`authorAccessDenied`).
 * Pure: the chaincode decides with it (time = tx timestamp).
 */
export function authorWindowAllows(
  record: { patientId: string; createdBy: string; createdAt: string },
  actor: Pick<Actor, 'userId' | 'role'>,
  purpose: Purpose,
  now: Date,
  windowDays: number,
  authorAccessDenied: boolean,
): boolean {
  return (
    !authorAccessDenied &&
    actor.role === 'practitioner' &&
    record.createdBy === actor.userId &&
    AUTHOR_PURPOSES.includes(purpose) &&
    now.getTime() < Date.parse(record.createdAt) + windowDays * 86_400_000
  );
}

export type ContributionDecision = { allowed: true; consentId: string } | { allowed: false; reason: 'NO_CONTRIBUTION_RIGHT' };

/**
 * Whether `actor` may add a record of `category` for the patient under a consent: one consent of the patient in
 * force that names the actor, carries the contribution right and covers the category (a right to contribute is a
 * right for kinds of records; a scope of record ids covers no new record). Purposes do not apply: what is added is
 * the patient's, read afterwards under the rules for reading. Pure: the chaincode decides with it.
 */
export function evaluateContribution(consents: readonly ConsentTerms[], actor: Actor, patientId: string, category: Category, now: Date): ContributionDecision {
  for (const c of consents) {
    if (c.patientId !== patientId || c.contribute !== true || !namesActor(c.grantee, actor) || !isInForce(c, now)) continue;
    if (c.scope.categories?.includes(category)) return { allowed: true, consentId: c.consentId };
  }
  return { allowed: false, reason: 'NO_CONTRIBUTION_RIGHT' };
}
