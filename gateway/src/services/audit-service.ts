import type { AccessEventPage } from '@careledger/chaincode';
import type { ChaincodeClient } from '../ledger-client/chaincode-client.js';
import type { ActorRef, PageQuery } from '../domain/actors.js';

/** The access log: who read what, when, why, and the outcome (denials and break-glass included). */
export class AuditService {
  constructor(private readonly chaincode: ChaincodeClient) {}

  accessLog(actor: ActorRef, patientId: string, recordId: string | undefined, page: PageQuery): Promise<AccessEventPage> {
    return this.chaincode.accessLog(actor, patientId, recordId ?? '', page);
  }
}
