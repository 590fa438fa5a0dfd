import type { AccessRequest, Consent } from '@careledger/chaincode';
import type { ConsentScope, Purpose } from '@careledger/chaincode/rules';
import type { AccessRequestDoc, PermissionStore } from '../ports/permission-store.js';
import { AppError, badInput } from '../domain/app-error.js';
import type { ChaincodeClient } from '../ledger-client/chaincode-client.js';
import type { KeySharing } from './key-sharing.js';
import type { PermissionProjection } from './projection.js';
import type { ActorRef } from '../domain/actors.js';

const STATUSES = ['PENDING', 'APPROVED', 'DENIED'] as const;

/** Access requests: practitioners ask, patients approve (a consent) or deny; lists come from the permission store. */
export class AccessRequestService {
  constructor(
    private readonly chaincode: ChaincodeClient,
    private readonly sharing: KeySharing,
    private readonly projection: PermissionProjection,
    private readonly store: PermissionStore,
    private readonly defaultConsentDays: number,
  ) {}

  async create(actor: ActorRef, patientId: string, input: { purpose: Purpose; scope: ConsentScope; reason: string }): Promise<AccessRequest> {
    const patient = await this.chaincode.getUser(actor.org, patientId);
    if (patient.role !== 'patient') throw new AppError('USER_NOT_FOUND', 'no such patient');
    const request = await this.chaincode.requestAccess(actor, patientId, patient.homeOrg, input);
    await this.projection.request(request);
    return request;
  }

  /** Pending requests to decide (patient), one's own (practitioner), or the org's patients' (admin). */
  async list(actor: ActorRef, status: string | undefined): Promise<AccessRequestDoc[]> {
    if (status !== undefined && !(STATUSES as readonly string[]).includes(status.toUpperCase())) {
      throw badInput('status', 'status must be pending, approved or denied');
    }
    const wanted = status?.toUpperCase() as AccessRequestDoc['status'] | undefined;
    if (actor.role === 'patient') return this.store.listAccessRequests({ patientId: actor.userId, status: wanted });
    if (actor.role === 'practitioner') return this.store.listAccessRequests({ requesterId: actor.userId, status: wanted });
    const all = await this.store.listAccessRequests({ status: wanted });
    return all.filter((r) => r.patientOrg === actor.org);
  }

  async approve(actor: ActorRef, requestId: string, expiresAt?: string): Promise<Consent> {
    const request = await this.chaincode.getRequest(actor, requestId);
    if (request.patientId !== actor.userId) throw new AppError('FORBIDDEN', 'only the patient decides a request');
    const until = expiresAt ?? new Date(Date.now() + this.defaultConsentDays * 86_400_000).toISOString();
    const wrappedKeys = await this.sharing.rewrap(actor, request.scope, request.requesterOrg);
    const consent = await this.chaincode.approveRequest(actor, requestId, { expiresAt: until, wrappedKeys });
    await this.projection.consent(consent);
    await this.projection.request({ ...request, status: 'APPROVED', decidedAt: consent.createdAt, consentId: consent.consentId });
    return consent;
  }

  async deny(actor: ActorRef, requestId: string): Promise<AccessRequest> {
    // Like approve: who may not see the request gets 404 (GetRequest), not a hint that it exists.
    const request = await this.chaincode.getRequest(actor, requestId);
    if (request.patientId !== actor.userId) throw new AppError('FORBIDDEN', 'only the patient decides a request');
    const denied = await this.chaincode.denyRequest(actor, requestId);
    await this.projection.request(denied);
    return denied;
  }
}
