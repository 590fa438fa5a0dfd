import type { Consent } from '@careledger/chaincode';
import type { ConsentScope, Grantee, Purpose } from '@careledger/chaincode/rules';
import { AppError, badInput } from '../domain/app-error.js';
import type { ActorRef, ChaincodeClient } from './chaincode-client.js';
import type { KeySharing } from './key-sharing.js';
import type { PermissionProjection } from './projection.js';

/** What a patient sends to grant access. */
export interface GrantInput {
  grantee: Grantee;
  scope: ConsentScope;
  purposes: Purpose[];
  expiresAt: string;
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
    if (input.grantee.kind === 'user' && !input.grantee.userId) throw badInput('grantee.userId', 'a user grantee needs a userId');
    if (input.grantee.kind === 'org' && !input.grantee.org) throw badInput('grantee.org', 'an org grantee needs an org');
    const granteeOrg = input.grantee.kind === 'org' ? input.grantee.org : (await this.chaincode.getUser(actor.org, input.grantee.userId)).homeOrg;
    const wrappedKeys = await this.sharing.rewrap(actor, input.scope, granteeOrg);
    const consent = await this.chaincode.grantConsent(actor, { ...input, wrappedKeys }, granteeOrg);
    await this.projection.consent(consent);
    return consent;
  }

  list(actor: ActorRef, patientId: string): Promise<Consent[]> {
    return this.chaincode.listConsents(actor, patientId);
  }

  async revoke(actor: ActorRef, consentId: string): Promise<Consent> {
    const current = await this.chaincode.getConsent(actor, consentId);
    const revoked = await this.chaincode.revokeConsent(actor, consentId, current.granteeOrg);
    await this.projection.consent(revoked);
    return revoked;
  }
}
