import { isInForce, namesActor, scopeCovers, type Actor, type ConsentScope, type Grantee } from '../rules/consent.js';
import type { Purpose } from '../rules/vocabulary.js';
import type { Consent, StoredRecord, User } from '../model.js';
import { KEY } from './collections.js';
import { findOrg, findUser } from './actors.js';
import { ChaincodeError, invalid } from './errors.js';
import { readWorkingSet, updateWorkingSet } from './patient-index.js';
import { findByRef, putItem, shareRecord, unshareRecord } from './placement.js';
import { listConsents, listRecords, namedRecords } from './queries.js';
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
  /** The contribution right: the grantee may add records of the scope's categories. */
  contribute?: boolean;
}

/** The org a grantee belongs to (a registered org, or a registered practitioner's home org). */
export async function granteeOrg(state: TxState, grantee: Grantee): Promise<string> {
  if (grantee.kind === 'org') {
    if (!(await findOrg(state, grantee.org))) throw new ChaincodeError('ORG_NOT_REGISTERED', 'the grantee org is not registered');
    return grantee.org;
  }
  const user = await findUser(state, grantee.userId);
  if (!user || user.role !== 'practitioner' || user.status !== 'ACTIVE') {
    throw new ChaincodeError('USER_NOT_FOUND', 'the grantee is not a registered practitioner');
  }
  return user.homeOrg;
}

/**
 * Stores a consent and, when the grantee is another org, gives that org the records it covers (metadata and the
 * data key wrapped for it, in the share the home org keeps for it): one for each record the caller names in
 * `wrappedKeys` (the records its evaluate of the scope found), each checked by key to be a record of this patient
 * that the scope covers; a scope of record ids needs one for every id. The consent joins the patient's working
 * set, so uploads from now on wrap for that org too.
 */
export async function createConsent(state: TxState, patient: User, input: ConsentInput): Promise<Consent> {
  const org = await granteeOrg(state, input.grantee);
  const named = input.scope.recordIds ? await namedRecords(state, patient.userId, patient.homeOrg, input.scope.recordIds) : [];
  if (org !== patient.homeOrg) {
    const missing = named.filter((r) => !input.wrappedKeys[r.recordId]).map((r) => r.recordId);
    if (missing.length > 0) throw invalid('wrappedKeys', `a wrapped key for ${org} is required for ${missing.length} record(s)`);
    for (const [recordId, jwe] of Object.entries(input.wrappedKeys)) {
      const record = await state.getOwn<StoredRecord>(patient.homeOrg, KEY.record, [patient.userId, recordId]);
      if (!record || !scopeCovers(input.scope, record)) throw invalid('wrappedKeys', 'a wrapped key names a record the scope does not cover');
      await shareRecord(state, patient.homeOrg, org, record, jwe);
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
    ...(input.contribute ? { contribute: true } : {}),
  };
  await putItem(state, patient.homeOrg, KEY.consent, [patient.userId, consent.consentId], consent, org);
  await putItem(state, patient.homeOrg, KEY.consentRef, [consent.consentId], { patientId: patient.userId }, org);
  await updateWorkingSet(state, patient.userId, patient.homeOrg, (set) => ({ ...set, consents: [...set.consents, consent] }));
  return consent;
}

/** Loads a consent by id. */
export async function loadConsent(state: TxState, consentId: string): Promise<Consent> {
  const consent = await findByRef<Consent>(state, KEY.consentRef, consentId, KEY.consent, (ref) => [ref.patientId, consentId]);
  if (!consent) throw new ChaincodeError('NOT_FOUND', 'no such consent');
  return consent;
}

/**
 * Revokes a consent (it leaves the working set) and takes back from the grantee org the records it covered
 * (metadata and data key leave its share), except those another consent in force still gives that org: for a scope of record ids those records;
 * otherwise the records the caller names (what {@link revocationKeys} found), each checked by key.
 */
export async function revokeConsent(state: TxState, consent: Consent, recordIds: string[]): Promise<Consent> {
  const now = state.now();
  const revoked: Consent = { ...consent, status: 'REVOKED', revokedAt: now.toISOString() };
  await putItem(state, consent.patientOrg, KEY.consent, [consent.patientId, consent.consentId], revoked, consent.granteeOrg);
  const others = (await readWorkingSet(state, consent.patientId, consent.patientOrg)).consents.filter(
    (c) => c.consentId !== consent.consentId && c.granteeOrg === consent.granteeOrg && isInForce(c, now),
  );
  await updateWorkingSet(state, consent.patientId, consent.patientOrg, (set) => ({
    ...set,
    consents: set.consents.map((c) => (c.consentId === consent.consentId ? revoked : c)),
  }));
  if (consent.granteeOrg === consent.patientOrg) return revoked;
  const ids = new Set([...(consent.scope.recordIds ?? []), ...recordIds]);
  for (const record of await namedRecords(state, consent.patientId, consent.patientOrg, [...ids])) {
    if (!scopeCovers(consent.scope, record) || others.some((c) => scopeCovers(c.scope, record)) || contributedBy(record, consent.granteeOrg)) continue;
    if (await hasSessionOpen(state, consent)) continue;
    await unshareRecord(state, consent.patientOrg, consent.granteeOrg, record);
  }
  return revoked;
}

/** The records whose grantee-org keys a revocation of this consent deletes (evaluate: a range read). */
export async function revocationKeys(state: TxState, consent: Consent): Promise<string[]> {
  if (consent.granteeOrg === consent.patientOrg) return [];
  const now = state.now();
  const others = (await listConsents(state, consent.patientId, consent.patientOrg)).filter(
    (c) => c.consentId !== consent.consentId && c.granteeOrg === consent.granteeOrg && isInForce(c, now),
  );
  const out: string[] = [];
  for (const record of await listRecords(state, consent.patientId, consent.patientOrg)) {
    if (!scopeCovers(consent.scope, record) || others.some((c) => scopeCovers(c.scope, record)) || contributedBy(record, consent.granteeOrg)) continue;
    if (await state.hasWrappedKey(consent.patientOrg, consent.granteeOrg, record.recordId)) out.push(record.recordId);
  }
  return out;
}

/** An open break-glass session of the grantee org on the patient still needs what the org was given. */
async function hasSessionOpen(state: TxState, consent: Consent): Promise<boolean> {
  const now = state.now().getTime();
  return (await readWorkingSet(state, consent.patientId, consent.patientOrg)).sessions.some(
    (s) => s.actorOrg === consent.granteeOrg && s.endedAt === undefined && now < Date.parse(s.expiresAt),
  );
}

/**
 * Whether `org` contributed the record (a practitioner of it added the record under a consent). Such an org keeps
 * its copy of the data key when a consent is revoked or a break-glass session ends: revocation stops further
 * contributions, it does not touch what was added (its author still reads it in the treatment window).
 */
export function contributedBy(record: Pick<StoredRecord, 'contributorOrg'>, org: string): boolean {
  return record.contributorOrg === org;
}

/** Whether the actor may read a consent: the patient, the home org's admin, or a practitioner it names. */
export function canReadConsent(consent: Consent, actor: Actor): boolean {
  return (
    actor.userId === consent.patientId ||
    (actor.role === 'admin' && actor.org === consent.patientOrg) ||
    namesActor(consent.grantee, actor)
  );
}
