import contractApi, { Context } from 'fabric-contract-api';
import { SealedArgsContract } from '../ledger/sealed-contract.js';
import { AuthorAccess, Consent, Created, SharedKey, type WrappedKey } from '../model.js';
import { readConfig } from '../ledger/config.js';
import { readWorkingSet, updateWorkingSet } from '../ledger/patient-index.js';
import { isPatientOrHomeAdmin, requireActor, requirePatient } from '../ledger/actors.js';
import { canReadConsent, createConsent, loadConsent, revocationKeys, revokeConsent } from '../ledger/consents.js';
import { ChaincodeError, invalid } from '../ledger/errors.js';
import { listConsents, recordsInScope } from '../ledger/queries.js';
import { TxState } from '../ledger/state.js';
import { checkContribute, checkFutureInstant, checkGrantee, checkId, checkPurposes, checkScope, checkWrappedKeys } from '../ledger/validate.js';

const { Info, Returns, Transaction } = contractApi;

/** The most record ids a revocation names (the records one consent covers). */
const MAX_NAMED_RECORDS = 10_000;

/** What `GrantConsent` takes in the transient field `consent`. */
interface GrantInput {
  grantee: unknown;
  scope: unknown;
  purposes: unknown;
  expiresAt: unknown;
  wrappedKeys?: unknown;
  /** The contribution right (optional boolean). */
  contribute?: unknown;
}

/** Patients' consents: who may read which records, for which purposes, until when. */
@Info({ title: 'ConsentContract', description: 'Grant, revoke and list consents' })
export class ConsentContract extends SealedArgsContract {
  constructor() {
    super('consents');
  }

  /**
   * The patient grants a user or a whole org access to records or categories, for purposes, until a date.
   * Answers the consent id only: a submitted transaction's response is in every org's blocks.
   */
  @Transaction()
  @Returns('Created')
  async GrantConsent(ctx: Context, actorId: string): Promise<Created> {
    const state = new TxState(ctx);
    const actor = await requireActor(state, actorId, ['patient']);
    const patient = await requirePatient(state, actor.userId);
    const input = state.transient<GrantInput>('consent');
    const scope = checkScope('scope', input.scope);
    const consent = await createConsent(state, patient, {
      grantee: checkGrantee('grantee', input.grantee),
      scope,
      contribute: checkContribute('contribute', input.contribute, scope),
      purposes: checkPurposes('purposes', input.purposes),
      expiresAt: checkFutureInstant('expiresAt', input.expiresAt, state.now()),
      wrappedKeys: checkWrappedKeys('wrappedKeys', input.wrappedKeys),
    });
    state.emit('ConsentGranted', { consentId: consent.consentId });
    return { id: consent.consentId, at: consent.createdAt };
  }

  /** The patient revokes a consent; later reads are refused and the grantee org's keys are deleted. */
  @Transaction()
  @Returns('Created')
  async RevokeConsent(ctx: Context, actorId: string, consentId: string): Promise<Created> {
    const state = new TxState(ctx);
    const actor = await requireActor(state, actorId, ['patient']);
    const consent = await loadConsent(state, checkId('consentId', consentId));
    if (consent.patientId !== actor.userId) throw new ChaincodeError('FORBIDDEN', 'only the patient revokes a consent');
    if (consent.status === 'REVOKED') throw new ChaincodeError('CONFLICT', 'the consent is already revoked');
    // For another org's grant: the records whose keys that org loses, as RevocationKeys found them.
    const named = state.optionalTransient<{ recordIds?: unknown }>('revoke')?.recordIds ?? [];
    if (!Array.isArray(named) || named.length > MAX_NAMED_RECORDS) throw invalid('recordIds', `recordIds must list at most ${MAX_NAMED_RECORDS} record ids`);
    const revoked = await revokeConsent(state, consent, named.map((id) => checkId('recordIds', id)));
    state.emit('ConsentRevoked', { consentId });
    return { id: consentId, at: revoked.revokedAt };
  }

  /**
   * The records whose keys the consent's grantee org loses when the patient revokes it (evaluate; pass them to
   * RevokeConsent in the transient field `revoke` = {recordIds}): covered by the consent, not by another consent
   * of that org in force, and a key of that org exists.
   */
  @Transaction(false)
  @Returns('string[]')
  async RevocationKeys(ctx: Context, actorId: string, consentId: string): Promise<string[]> {
    const state = new TxState(ctx);
    const actor = await requireActor(state, actorId, ['patient']);
    const consent = await loadConsent(state, checkId('consentId', consentId));
    if (consent.patientId !== actor.userId) throw new ChaincodeError('FORBIDDEN', 'only the patient revokes a consent');
    return revocationKeys(state, consent);
  }

  /**
   * The home org's wrapped keys for the records a scope covers, so that the patient's gateway can re-wrap
   * them for a grantee org before `GrantConsent`/`ApproveRequest`. Evaluated on the home org's own peer.
   */
  @Transaction(false)
  @Returns('SharedKey[]')
  async KeysForScope(ctx: Context, actorId: string, scope: string): Promise<SharedKey[]> {
    const state = new TxState(ctx);
    const actor = await requireActor(state, actorId, ['patient']);
    let parsed: unknown;
    try {
      parsed = JSON.parse(scope);
    } catch {
      parsed = undefined;
    }
    const records = await recordsInScope(state, actor.userId, actor.org, checkScope('scope', parsed));
    const out: SharedKey[] = [];
    for (const record of records) {
      const wrapped = await state.getWrappedKey<WrappedKey>(actor.org, actor.org, record.recordId);
      if (wrapped) out.push({ recordId: record.recordId, wrappedKey: wrapped.jwe });
    }
    return out;
  }

  /**
   * The patient ends (DENIED) or restores (ALLOWED) the access the authors of their records have in the
   * treatment window. Consents are untouched: a patient who ends author access can still grant a named
   * practitioner a consent.
   */
  @Transaction()
  @Returns('Created')
  async SetAuthorAccess(ctx: Context, actorId: string, authorAccess: string): Promise<Created> {
    const state = new TxState(ctx);
    const actor = await requireActor(state, actorId, ['patient']);
    const patient = await requirePatient(state, actor.userId);
    if (authorAccess !== 'ALLOWED' && authorAccess !== 'DENIED') throw invalid('authorAccess', "authorAccess must be 'ALLOWED' or 'DENIED'");
    await updateWorkingSet(state, patient.userId, patient.homeOrg, ({ authorAccess: _old, ...set }) => ({
      ...set,
      ...(authorAccess === 'DENIED' ? { authorAccess } : {}),
    }));
    // A submit's answer is in every org's blocks: the transaction id only; GetAuthorAccess reads the choice back.
    return { id: ctx.stub.getTxID(), at: state.now().toISOString() };
  }

  /** The patient's author-access choice and the treatment window in force, for the patient and the home admin. */
  @Transaction(false)
  @Returns('AuthorAccess')
  async GetAuthorAccess(ctx: Context, actorId: string, patientId: string): Promise<AuthorAccess> {
    const state = new TxState(ctx);
    const actor = await requireActor(state, actorId);
    const patient = await requirePatient(state, patientId);
    if (!isPatientOrHomeAdmin(actor, patient)) throw new ChaincodeError('FORBIDDEN', 'only the patient and their home org see this choice');
    const set = await readWorkingSet(state, patientId, patient.homeOrg);
    return { patientId, authorAccess: set.authorAccess ?? 'ALLOWED', windowDays: (await readConfig(state)).authorWindowDays };
  }

  @Transaction(false)
  @Returns('Consent')
  async GetConsent(ctx: Context, actorId: string, consentId: string): Promise<Consent> {
    const state = new TxState(ctx);
    const actor = await requireActor(state, actorId);
    const consent = await loadConsent(state, checkId('consentId', consentId));
    if (!canReadConsent(consent, actor)) throw new ChaincodeError('NOT_FOUND', 'no such consent');
    return consent;
  }

  /** A patient's consents: all of them for the patient and home admin, the caller's own for a grantee. */
  @Transaction(false)
  @Returns('Consent[]')
  async ListConsents(ctx: Context, actorId: string, patientId: string): Promise<Consent[]> {
    const state = new TxState(ctx);
    const actor = await requireActor(state, actorId);
    const patient = await requirePatient(state, patientId);
    const consents = await listConsents(state, patientId, patient.homeOrg);
    return isPatientOrHomeAdmin(actor, patient) ? consents : consents.filter((c) => canReadConsent(c, actor));
  }
}
