import type { EmergencySession } from '@careledger/chaincode';
import { isEmergencyReason } from '@careledger/chaincode/rules';
import { AppError, badInput } from '../domain/app-error.js';
import type { ChaincodeClient } from '../ledger-client/chaincode-client.js';
import type { Logger } from '../ports/logger.js';
import type { ActorRef } from '../domain/actors.js';

/** Break-glass: open (coded reason, fixed window; across hospitals too), list for review, mark reviewed (which ends it). */
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
    if (patient.status === 'ERASING') throw new AppError('PATIENT_BEING_ERASED', "the patient's erasure has begun");
    if (patient.status !== 'ACTIVE') throw new AppError('PATIENT_ERASED', 'the patient was erased');
    // Across hospitals the patient's home hospital releases the data keys to the actor's org by itself once the
    // session is on the ledger (EmergencyKeyRelease on that hospital's gateway).
    const session = await this.chaincode.openEmergency(actor, patientId, patient.homeOrg, reasonCode);
    // The patient sees it in the access log, the home admin in the review queue.
    this.log.warn({ sessionId: session.sessionId, reasonCode }, 'break-glass opened');
    return session;
  }

  /** One session: for the practitioner who opened it (keys released yet?) and the home org's admins. */
  get(actor: ActorRef, sessionId: string): Promise<EmergencySession> {
    return this.chaincode.getEmergency(actor, sessionId);
  }

  list(actor: ActorRef, onlyUnreviewed: boolean): Promise<EmergencySession[]> {
    return this.chaincode.listEmergency(actor, onlyUnreviewed);
  }

  review(actor: ActorRef, sessionId: string): Promise<EmergencySession> {
    return this.chaincode.reviewEmergency(actor, sessionId);
  }
}
