import type { ConsentScope, Grantee, Purpose } from '@careledger/chaincode/rules';

/** The portal's view of a consent (a projection of the ledger's consent). */
export interface GrantDoc {
  consentId: string;
  patientId: string;
  patientOrg: string;
  grantee: Grantee;
  scope: ConsentScope;
  purposes: Purpose[];
  /** ISO-8601 */
  expiresAt: string;
  status: 'ACTIVE' | 'REVOKED';
  createdAt: string;
  revokedAt?: string;
  /** Set when the consent was made by approving an access request. */
  requestId?: string;
}

/** The portal's view of an access request. */
export interface AccessRequestDoc {
  requestId: string;
  patientId: string;
  patientOrg: string;
  requesterId: string;
  requesterOrg: string;
  purpose: Purpose;
  scope: ConsentScope;
  reason: string;
  status: 'PENDING' | 'APPROVED' | 'DENIED';
  createdAt: string;
  decidedAt?: string;
  consentId?: string;
}

export interface GrantFilter {
  patientId?: string;
  granteeUserId?: string;
  granteeOrg?: string;
  status?: GrantDoc['status'];
}

export interface AccessRequestFilter {
  patientId?: string;
  requesterId?: string;
  status?: AccessRequestDoc['status'];
}

/**
 * Fast, list-friendly copy of the grants and access requests (Firestore or local). The ledger stays the
 * authority: a projection that is behind never grants anything. Upserts are idempotent by ledger id.
 */
export interface PermissionStore {
  upsertGrant(doc: GrantDoc): Promise<void>;
  getGrant(consentId: string): Promise<GrantDoc | undefined>;
  listGrants(filter: GrantFilter): Promise<GrantDoc[]>;
  upsertAccessRequest(doc: AccessRequestDoc): Promise<void>;
  getAccessRequest(requestId: string): Promise<AccessRequestDoc | undefined>;
  listAccessRequests(filter: AccessRequestFilter): Promise<AccessRequestDoc[]>;
  /** Removes every grant and request of a patient (erasure). */
  deletePatient(patientId: string): Promise<void>;
  /** Named checkpoint of the event projector (opaque string). */
  getCheckpoint(name: string): Promise<string | undefined>;
  setCheckpoint(name: string, value: string): Promise<void>;
  /** Drops the whole projection (rebuild from the ledger). */
  clear(): Promise<void>;
  ready(): Promise<void>;
  close(): Promise<void>;
}
