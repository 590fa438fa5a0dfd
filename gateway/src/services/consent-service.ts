import type { AuthorAccess, Consent } from '@careledger/chaincode';
import type { ConsentScope, Grantee, Purpose } from '@careledger/chaincode/rules';
import { AppError, badInput } from '../domain/app-error.js';
import type { ChaincodeClient } from '../ledger-client/chaincode-client.js';
import type { KeySharing } from './key-sharing.js';
import type { PermissionProjection } from './projection.js';
import type { ActorRef } from '../domain/actors.js';

/**
 * What a patient sends to grant access. The grantee arrives as the API has it (a kind and the matching id
 * field) and becomes the ledger's `Grantee` once the kind's field is known to be there.
 */
export interface GrantInput {
  grantee: { kind: Grantee['kind']; userId?: string; org?: string };
  scope: ConsentScope;
  purposes: Purpose[];
  expiresAt: string;
  /** The contribution right. */
  contribute?: boolean;
}

function granteeOf(input: GrantInput['grantee']): Grantee {
  if (input.kind === 'user') {
    if (!input.userId) throw badInput('grantee.userId', 'a user grantee needs a userId');
    return { kind: 'user', userId: input.userId };
  }
  if (!input.org) throw badInput('grantee.org', 'an org grantee needs an org');
  return { kind: 'org', org: input.org };
}

/** Consents: grant (re-wrapping keys for another org), list, revoke. The chaincode decides; the store mirrors. */
export class ConsentService {
  constructor(
    private readonly chaincode: ChaincodeClient,
    private readonly sharing: KeySharing,
    private readonly projection: PermissionProjection,
  ) {}

  async grant(actor: ActorRef, patientId: string, input: GrantInput): Promise<Consent> {
    if (actor.userId !== patientId) throw new AppError('FORBIDDEN', 'only the patient grants consent');
    const grantee = granteeOf(input.grantee);
    const granteeOrg = grantee.kind === 'org' ? grantee.org : (await this.chaincode.getUser(actor.org, grantee.userId)).homeOrg;
    const wrappedKeys = await this.sharing.rewrap(actor, input.scope, granteeOrg);
    const consent = await this.chaincode.grantConsent(actor, { ...input, grantee, wrappedKeys });
    await this.projection.consent(consent);
    return consent;
  }

  list(actor: ActorRef, patientId: string): Promise<Consent[]> {
    return this.chaincode.listConsents(actor, patientId);
  }

  /** The patient ends or restores the access the authors of their records have in the treatment window. */
  setAuthorAccess(actor: ActorRef, patientId: string, authorAccess: 'ALLOWED' | 'DENIED'): Promise<AuthorAccess> {
    if (actor.userId !== patientId) throw new AppError('FORBIDDEN', 'only the patient decides about author access');
    return this.chaincode.setAuthorAccess(actor, authorAccess);
  }

  getAuthorAccess(actor: ActorRef, patientId: string): Promise<AuthorAccess> {
    return this.chaincode.getAuthorAccess(actor, patientId);
  }

  async revoke(actor: ActorRef, consentId: string): Promise<Consent> {
    const current = await this.chaincode.getConsent(actor, consentId);
    const revoked = await this.chaincode.revokeConsent(actor, consentId, current.granteeOrg);
    await this.projection.consent(revoked);
    return revoked;
  }
}
