import contractApi, { Context } from 'fabric-contract-api';
import { SealedArgsContract } from '../ledger/sealed-contract.js';
import { AccessRequest, Created, type User } from '../model.js';
import { requireActor, requirePatient } from '../ledger/actors.js';
import { KEY, orgCollection, viewOf } from '../ledger/collections.js';
import { createConsent } from '../ledger/consents.js';
import { ChaincodeError, invalid } from '../ledger/errors.js';
import { findByRef, orgsOf, putItem } from '../ledger/placement.js';
import { TxState } from '../ledger/state.js';
import { checkFutureInstant, checkId, checkPurpose, checkScope, checkText, checkWrappedKeys } from '../ledger/validate.js';

const { Info, Returns, Transaction } = contractApi;

const STATUSES = ['PENDING', 'APPROVED', 'DENIED'] as const;

/** Practitioners ask; only the patient, through their home org, approves (which creates a consent) or denies. */
@Info({ title: 'AccessRequestContract', description: 'Ask for, approve and deny access to a patient\'s records' })
export class AccessRequestContract extends SealedArgsContract {
  constructor() {
    super('requests');
  }

  /** A practitioner (any org) asks for access: transient field `request` = {purpose, scope, reason}. */
  @Transaction()
  @Returns('Created')
  async RequestAccess(ctx: Context, actorId: string, patientId: string): Promise<Created> {
    const state = new TxState(ctx);
    const actor = await requireActor(state, actorId, ['practitioner']);
    const patient = await requirePatient(state, patientId);
    const input = state.transient<{ purpose: unknown; scope: unknown; reason: unknown }>('request');
    const scope = checkScope('scope', input.scope);
    // The requester may not see the records yet: each named id is checked against the home org's hashes.
    for (const id of scope.recordIds ?? []) {
      if (!(await state.has(orgCollection(patient.homeOrg), KEY.record, [patientId, id]))) {
        throw new ChaincodeError('RECORD_NOT_FOUND', 'a record in the scope does not belong to this patient');
      }
    }
    const request: AccessRequest = {
      requestId: state.newId('req'),
      patientId,
      patientOrg: patient.homeOrg,
      requesterId: actor.userId,
      requesterOrg: actor.org,
      purpose: checkPurpose('purpose', input.purpose),
      scope,
      reason: checkText('reason', input.reason, 500),
      status: 'PENDING',
      createdAt: state.now().toISOString(),
    };
    await putRequest(state, request);
    state.emit('AccessRequested', { requestId: request.requestId });
    // The id only: the reason is free text, and a submit's response is in every org's blocks.
    return { id: request.requestId, at: request.createdAt };
  }

  /**
   * The patient approves: a consent for the requester, the request's purpose and scope, until `expiresAt`
   * (transient field `approval` = {expiresAt, wrappedKeys?}).
   */
  @Transaction()
  @Returns('Created')
  async ApproveRequest(ctx: Context, actorId: string, requestId: string): Promise<Created> {
    const state = new TxState(ctx);
    const { patient, request } = await this.pendingRequestOfPatient(state, actorId, requestId);
    const input = state.transient<{ expiresAt: unknown; wrappedKeys?: unknown }>('approval');
    const consent = await createConsent(state, patient, {
      grantee: { kind: 'user', userId: request.requesterId },
      scope: request.scope,
      purposes: [request.purpose],
      expiresAt: checkFutureInstant('expiresAt', input.expiresAt, state.now()),
      wrappedKeys: checkWrappedKeys('wrappedKeys', input.wrappedKeys),
      requestId,
    });
    await putRequest(state, { ...request, status: 'APPROVED', decidedAt: state.now().toISOString(), consentId: consent.consentId });
    state.emit('AccessRequestApproved', { requestId, consentId: consent.consentId });
    return { id: consent.consentId, at: consent.createdAt };
  }

  @Transaction()
  @Returns('Created')
  async DenyRequest(ctx: Context, actorId: string, requestId: string): Promise<Created> {
    const state = new TxState(ctx);
    const { request } = await this.pendingRequestOfPatient(state, actorId, requestId);
    const denied: AccessRequest = { ...request, status: 'DENIED', decidedAt: state.now().toISOString() };
    await putRequest(state, denied);
    state.emit('AccessRequestDenied', { requestId });
    return { id: requestId, at: denied.decidedAt };
  }

  @Transaction(false)
  @Returns('AccessRequest')
  async GetRequest(ctx: Context, actorId: string, requestId: string): Promise<AccessRequest> {
    const state = new TxState(ctx);
    const actor = await requireActor(state, actorId);
    const request = await loadRequest(state, checkId('requestId', requestId));
    const involved =
      actor.userId === request.patientId ||
      actor.userId === request.requesterId ||
      (actor.role === 'admin' && actor.org === request.patientOrg);
    if (!involved) throw new ChaincodeError('NOT_FOUND', 'no such request');
    return request;
  }

  /** Requests to decide (patient), one's own (practitioner), or the org's patients' (admin); '' = any status. */
  @Transaction(false)
  @Returns('AccessRequest[]')
  async ListRequests(ctx: Context, actorId: string, status: string): Promise<AccessRequest[]> {
    const state = new TxState(ctx);
    const actor = await requireActor(state, actorId);
    if (status !== '' && !(STATUSES as readonly string[]).includes(status)) throw invalid('status', 'status must be PENDING, APPROVED or DENIED');
    // A patient's and an admin's are in the org's own collection; a practitioner's also in the share of every
    // other org whose patients it asked.
    const collections =
      actor.role === 'practitioner' ? (await orgsOf(state, actor.org)).map((home) => viewOf(home, actor.org)) : [orgCollection(actor.org)];
    const all: AccessRequest[] = [];
    for (const collection of collections) {
      all.push(...(await state.list<AccessRequest>(collection, KEY.request, actor.role === 'patient' ? [actor.userId] : [])));
    }
    return all.filter(
      (r) =>
        (status === '' || r.status === status) &&
        (actor.role === 'patient' ||
          (actor.role === 'practitioner' && r.requesterId === actor.userId) ||
          (actor.role === 'admin' && r.patientOrg === actor.org)),
    );
  }

  private async pendingRequestOfPatient(state: TxState, actorId: string, requestId: string): Promise<{ patient: User; request: AccessRequest }> {
    const actor = await requireActor(state, actorId, ['patient']);
    const request = await loadRequest(state, checkId('requestId', requestId));
    if (request.patientId !== actor.userId) throw new ChaincodeError('FORBIDDEN', 'only the patient decides a request');
    if (request.status !== 'PENDING') throw new ChaincodeError('CONFLICT', 'the request is already decided');
    return { patient: await requirePatient(state, actor.userId), request };
  }
}

/** Stores a request in the patient's home org's collection, with a copy for the requester's org. */
async function putRequest(state: TxState, request: AccessRequest): Promise<void> {
  await putItem(state, request.patientOrg, KEY.request, [request.patientId, request.requestId], request, request.requesterOrg);
  await putItem(state, request.patientOrg, KEY.requestRef, [request.requestId], { patientId: request.patientId }, request.requesterOrg);
}

async function loadRequest(state: TxState, requestId: string): Promise<AccessRequest> {
  const request = await findByRef<AccessRequest>(state, KEY.requestRef, requestId, KEY.request, (ref) => [ref.patientId, requestId]);
  if (!request) throw new ChaincodeError('NOT_FOUND', 'no such request');
  return request;
}
