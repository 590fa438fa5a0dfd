import type { EmergencySession } from '@careledger/chaincode';
import { isEmergencyReason } from '@careledger/chaincode/rules';
import { AppError, badInput } from '../domain/app-error.js';
import type { ChaincodeClient } from '../ledger-client/chaincode-client.js';
import type { Logger } from '../ports/logger.js';
import type { ActorRef } from '../domain/actors.js';

/** Break-glass: open (coded reason, fixed window), list for review, mark reviewed. */
export class EmergencyService {
  constructor(
    private readonly chaincode: ChaincodeClient,
    private readonly log: Logger,
  ) {}

  async open(actor: ActorRef, patientId: string, reasonCode: string): Promise<EmergencySession> {
    if (actor.role !== 'practitioner') throw new AppError('WRONG_ROLE', 'this action needs the role practitioner');
    if (!isEmergencyReason(reasonCode)) throw badInput('reasonCode', 'reasonCode must be UNCONSCIOUS, LIFE_THREATENING, CANNOT_CONSENT or OTHER_EMERGENCY');
    const patient = await this.chaincode.getUser(actor.org, patientId);
    if (patient.role !== 'patient') throw new AppError('USER_NOT_FOUND', 'no such patient');
    if (patient.status !== 'ACTIVE') throw new AppError('PATIENT_ERASED', 'the patient was erased');
    if (patient.homeOrg !== actor.org) {
      // Another org's reader needs the data keys wrapped for its org, which only the home org can do.
      throw new AppError('NOT_IMPLEMENTED', "break-glass across orgs needs the patient's home org to share keys; ask that org");
    }
    const session = await this.chaincode.openEmergency(actor, patientId, patient.homeOrg, reasonCode);
    // The patient sees it in the access log, the home admin in the review queue.
    this.log.warn({ sessionId: session.sessionId, reasonCode }, 'break-glass opened');
    return session;
  }

  list(actor: ActorRef, onlyUnreviewed: boolean): Promise<EmergencySession[]> {
    return this.chaincode.listEmergency(actor, onlyUnreviewed);
  }

  review(actor: ActorRef, sessionId: string): Promise<EmergencySession> {
    return this.chaincode.reviewEmergency(actor, sessionId);
  }
}
