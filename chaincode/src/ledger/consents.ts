import { isInForce, namesActor, scopeCovers, type Actor, type ConsentScope, type Grantee } from '../rules/consent.js';
import type { Purpose } from '../rules/vocabulary.js';
import type { Consent, Org, User } from '../model.js';
import { KEY } from './collections.js';
import { ChaincodeError, invalid } from './errors.js';
import { addToIndex } from './patient-index.js';
import { listConsents, listRecords, recordsInScope } from './queries.js';
import type { TxState } from './state.js';

/** Terms of a new consent, already validated. */
export interface ConsentInput {
  grantee: Grantee;
  scope: ConsentScope;
  purposes: Purpose[];
  expiresAt: string;
  /** recordId -> data key wrapped for the grantee's org; needed when that org is not the home org. */
  wrappedKeys: Record<string, string>;
  requestId?: string;
}

/** The org a grantee belongs to (a registered org, or a registered practitioner's home org). */
export async function granteeOrg(state: TxState, grantee: Grantee): Promise<string> {
  if (grantee.kind === 'org') {
    if (!(await state.getPublic<Org>(KEY.org, [grantee.org]))) throw new ChaincodeError('ORG_NOT_REGISTERED', 'the grantee org is not registered');
    return grantee.org;
  }
  const user = await state.getPublic<User>(KEY.user, [grantee.userId]);
  if (!user || user.role !== 'practitioner' || user.status !== 'ACTIVE') {
    throw new ChaincodeError('USER_NOT_FOUND', 'the grantee is not a registered practitioner');
  }
  return user.homeOrg;
}

/**
 * Stores a consent and, when the grantee is another org, that org's wrapped keys for every record in
 * scope (written to its implicit collection; the caller must supply them all).
 */
export async function createConsent(state: TxState, patient: User, input: ConsentInput): Promise<Consent> {
  const org = await granteeOrg(state, input.grantee);
  const records = await recordsInScope(state, patient.userId, input.scope);
  if (org !== patient.homeOrg) {
    const missing = records.filter((r) => !input.wrappedKeys[r.recordId]).map((r) => r.recordId);
    if (missing.length > 0) throw invalid('wrappedKeys', `a wrapped key for ${org} is required for ${missing.length} record(s)`);
    for (const r of records) {
      await state.putWrappedKey(org, r.recordId, { recordId: r.recordId, patientId: patient.userId, jwe: input.wrappedKeys[r.recordId] });
    }
  }
  const consent: Consent = {
    consentId: state.newId('con'),
    patientId: patient.userId,
    patientOrg: patient.homeOrg,
    grantee: input.grantee,
    granteeOrg: org,
    scope: input.scope,
    purposes: input.purposes,
    expiresAt: input.expiresAt,
    status: 'ACTIVE',
    createdAt: state.now().toISOString(),
    ...(input.requestId ? { requestId: input.requestId } : {}),
  };
  await state.putShared(KEY.consent, [patient.userId, consent.consentId], consent, patient.homeOrg);
  await state.putShared(KEY.consentRef, [consent.consentId], { patientId: patient.userId }, patient.homeOrg);
  await addToIndex(state, 'consents', patient.userId, [consent.consentId], patient.homeOrg);
  return consent;
}

/** Loads a consent by id. */
export async function loadConsent(state: TxState, consentId: string): Promise<Consent> {
  const ref = await state.getShared<{ patientId: string }>(KEY.consentRef, [consentId]);
  const consent = ref && (await state.getShared<Consent>(KEY.consent, [ref.patientId, consentId]));
  if (!consent) throw new ChaincodeError('NOT_FOUND', 'no such consent');
  return consent;
}

/**
 * Revokes a consent and deletes the grantee org's wrapped keys for the records it covered, except those
 * another consent in force still gives that org.
 */
export async function revokeConsent(state: TxState, consent: Consent): Promise<Consent> {
  const now = state.now();
  const revoked: Consent = { ...consent, status: 'REVOKED', revokedAt: now.toISOString() };
  await state.putShared(KEY.consent, [consent.patientId, consent.consentId], revoked, consent.patientOrg);
  if (consent.granteeOrg !== consent.patientOrg) {
    const others = (await listConsents(state, consent.patientId)).filter(
      (c) => c.consentId !== consent.consentId && c.granteeOrg === consent.granteeOrg && isInForce(c, now),
    );
    for (const record of await listRecords(state, consent.patientId)) {
      if (!scopeCovers(consent.scope, record) || others.some((c) => scopeCovers(c.scope, record))) continue;
      if (await state.hasWrappedKey(consent.granteeOrg, record.recordId)) await state.deleteWrappedKey(consent.granteeOrg, record.recordId);
    }
  }
  return revoked;
}

/** Whether the actor may read a consent: the patient, the home org's admin, or a practitioner it names. */
export function canReadConsent(consent: Consent, actor: Actor): boolean {
  return (
    actor.userId === consent.patientId ||
    (actor.role === 'admin' && actor.org === consent.patientOrg) ||
    namesActor(consent.grantee, actor)
  );
}
