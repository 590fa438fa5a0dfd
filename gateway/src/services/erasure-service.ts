import type { BlobStore } from '../ports/blob-store.js';
import type { KeyService } from '../ports/key-service.js';
import type { PermissionStore } from '../ports/permission-store.js';
import type { ActorRef, ChaincodeClient } from './chaincode-client.js';
import type { Logger } from './logger.js';
import type { StorageReclaim } from './storage-reclaim.js';

/** What an erasure did. */
export interface ErasureResult {
  patientId: string;
  recordsErased: number;
  blobsRemoved: number;
}

/**
 * Erasure (GDPR art. 17): the ledger purges every private value and wrapped key, then the home org's key of
 * this patient is destroyed (crypto-shredding: every copy of the data keys wrapped under it, in whatever
 * storage kept one, becomes undecryptable), the blobs are unpinned and removed, the permission store
 * forgets the patient, and the stores the gateway runs compact or collect garbage so that the deleted values
 * leave their files too.
 */
export class ErasureService {
  constructor(
    private readonly chaincode: ChaincodeClient,
    private readonly blobs: BlobStore,
    private readonly store: PermissionStore,
    private readonly keys: KeyService,
    private readonly reclaim: StorageReclaim,
    private readonly log: Logger,
  ) {}

  async erase(actor: ActorRef, patientId: string): Promise<ErasureResult> {
    const plan = await this.chaincode.erasurePlan(actor, patientId);
    const orgs = (await this.chaincode.listOrgs(actor.org)).map((o) => o.mspId);
    await this.chaincode.erasePatient(actor, patientId, orgs);
    // After the commit: a refused erasure must leave the patient's records readable.
    await this.keys.destroyPatientKey(actor.org, patientId);
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
    await this.reclaim.run();
    this.log.info({ records: plan.cids.length }, 'patient erased');
    return { patientId, recordsErased: plan.cids.length, blobsRemoved: removed };
  }
}
