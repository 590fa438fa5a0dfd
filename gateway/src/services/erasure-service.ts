import { AppError } from '../domain/app-error.js';
import type { BlobStore } from '../ports/blob-store.js';
import type { KeyService } from '../ports/key-service.js';
import type { PermissionStore } from '../ports/permission-store.js';
import type { ChaincodeClient } from '../ledger-client/chaincode-client.js';
import type { Logger } from '../ports/logger.js';
import type { StorageReclaim } from './storage-reclaim.js';
import type { ActorRef } from '../domain/actors.js';

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
    let plan: Awaited<ReturnType<ChaincodeClient['erasurePlan']>>;
    try {
      plan = await this.chaincode.erasurePlan(actor, patientId);
    } catch (error) {
      if (error instanceof AppError && error.code === 'PATIENT_ERASED') await this.finishShredding(actor, patientId);
      throw error;
    }
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

  /**
   * The home admin asks again for a patient the ledger erased already: if that erasure stopped before the
   * patient's key was destroyed (a crash, a disk error), destroy it now, so a retry always completes the
   * shredding. Answered as before (the patient is erased).
   */
  private async finishShredding(actor: ActorRef, patientId: string): Promise<void> {
    const patient = await this.chaincode.getUser(actor.org, patientId).catch(() => undefined);
    if (actor.role !== 'admin' || patient?.homeOrg !== actor.org) return;
    if (await this.keys.destroyPatientKey(actor.org, patientId)) {
      this.log.warn({}, "an erased patient's key was still there and is destroyed now");
      await this.reclaim.run();
    }
  }
}
