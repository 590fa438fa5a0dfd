import type { RecordPage } from '@careledger/chaincode';
import type { Category } from '@careledger/chaincode/rules';
import type { Ledger } from '../ports/ledger.js';
import { evaluateJson } from './call.js';
import type { ActorRef, PageQuery } from '../domain/actors.js';

/** What `records:SearchRecords` filters on: a category, a DICOM modality, or DICOM records only. */
export interface RecordFilter {
  category?: Category;
  modality?: string;
  imaging?: boolean;
}

/** The chaincode's record search (lists filtered by imaging metadata); counts and pages only over what the actor may see. */
export class RecordSearchChaincode {
  constructor(private readonly ledger: Ledger) {}

  search(actor: ActorRef, patientId: string, filter: RecordFilter, page: PageQuery): Promise<RecordPage> {
    const args = [actor.userId, patientId, JSON.stringify(filter), page.pageSize === undefined ? '' : String(page.pageSize), page.bookmark ?? ''];
    return evaluateJson(this.ledger, actor.org, { name: 'records:SearchRecords', args });
  }
}
