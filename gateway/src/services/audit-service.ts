import type { AccessEventPage } from '@careledger/chaincode';
import type { ActorRef, ChaincodeClient, PageQuery } from './chaincode-client.js';

/** The access log: who read what, when, why, and the outcome (denials and break-glass included). */
export class AuditService {
  constructor(private readonly chaincode: ChaincodeClient) {}

  accessLog(actor: ActorRef, patientId: string, recordId: string | undefined, page: PageQuery): Promise<AccessEventPage> {
    return this.chaincode.accessLog(actor, patientId, recordId ?? '', page);
  }
}
