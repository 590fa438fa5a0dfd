import type { BlobStore } from '../ports/blob-store.js';
import type { PermissionStore } from '../ports/permission-store.js';
import type { ActorRef, ChaincodeClient } from './chaincode-client.js';
import type { Logger } from './logger.js';

/** What an erasure did. */
export interface ErasureResult {
  patientId: string;
  recordsErased: number;
  blobsRemoved: number;
}

/**
 * Erasure (GDPR art. 17): the ledger purges every private value and wrapped key (crypto-shredding), then
 * the blobs are unpinned and removed and the permission store forgets the patient.
 */
export class ErasureService {
  constructor(
    private readonly chaincode: ChaincodeClient,
    private readonly blobs: BlobStore,
    private readonly store: PermissionStore,
    private readonly log: Logger,
  ) {}

  async erase(actor: ActorRef, patientId: string): Promise<ErasureResult> {
    const plan = await this.chaincode.erasurePlan(actor, patientId);
    const orgs = (await this.chaincode.listOrgs(actor.org)).map((o) => o.mspId);
    await this.chaincode.erasePatient(actor, patientId, orgs);
    let removed = 0;
    for (const cid of plan.cids) {
      try {
        await this.blobs.remove(cid);
        removed++;
      } catch (err) {
        // The keys are gone already, so a leftover blob is unreadable ciphertext; log and go on.
        this.log.error({ err }, 'a blob of an erased patient could not be removed');
      }
    }
    await this.store.deletePatient(patientId);
    this.log.info({ records: plan.cids.length }, 'patient erased');
    return { patientId, recordsErased: plan.cids.length, blobsRemoved: removed };
  }
}
