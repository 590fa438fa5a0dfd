import type { AccessRequest, Consent } from '@careledger/chaincode';
import type { AccessRequestDoc, GrantDoc, PermissionStore } from '../ports/permission-store.js';
import type { Logger } from '../ports/logger.js';

/** The portal's grant document for a ledger consent. */
export function toGrantDoc(c: Consent): GrantDoc {
  return {
    consentId: c.consentId,
    patientId: c.patientId,
    patientOrg: c.patientOrg,
    grantee: c.grantee,
    scope: c.scope,
    purposes: c.purposes,
    expiresAt: c.expiresAt,
    status: c.status,
    createdAt: c.createdAt,
    ...(c.revokedAt ? { revokedAt: c.revokedAt } : {}),
    ...(c.requestId ? { requestId: c.requestId } : {}),
  };
}

/** The portal's access-request document for a ledger request. */
export function toRequestDoc(r: AccessRequest): AccessRequestDoc {
  return {
    requestId: r.requestId,
    patientId: r.patientId,
    patientOrg: r.patientOrg,
    requesterId: r.requesterId,
    requesterOrg: r.requesterOrg,
    purpose: r.purpose,
    scope: r.scope,
    reason: r.reason,
    status: r.status,
    createdAt: r.createdAt,
    ...(r.decidedAt ? { decidedAt: r.decidedAt } : {}),
    ...(r.consentId ? { consentId: r.consentId } : {}),
  };
}

/**
 * Writes ledger results into the permission store right after each commit (read-your-writes). A failed
 * projection write is logged, never fatal: the ledger already holds the truth and replay repairs it.
 */
export class PermissionProjection {
  constructor(
    private readonly store: PermissionStore,
    private readonly log: Logger,
  ) {}

  async consent(c: Consent): Promise<void> {
    await this.store.upsertGrant(toGrantDoc(c)).catch((err) => this.log.error({ err, consentId: c.consentId }, 'grant projection failed'));
  }

  async request(r: AccessRequest): Promise<void> {
    await this.store.upsertAccessRequest(toRequestDoc(r)).catch((err) => this.log.error({ err, requestId: r.requestId }, 'request projection failed'));
  }
}
