import type { ErasureStatus } from '@careledger/chaincode';
import { AppError } from '../domain/app-error.js';
import type { BlobStore } from '../ports/blob-store.js';
import type { KeyService } from '../ports/key-service.js';
import type { PermissionStore } from '../ports/permission-store.js';
import type { ChaincodeClient } from '../ledger-client/chaincode-client.js';
import type { Logger } from '../ports/logger.js';
import type { StorageReclaim } from './storage-reclaim.js';
import type { ActorRef } from '../domain/actors.js';

/** Keys per erasure transaction (the most the chaincode takes in one EraseKeys). */
export const ERASE_PAGE = 500;

/** An erasure as its status resource shows it. */
export interface ErasureView {
  patientId: string;
  /** ERASING from the first transaction on (the patient is refused everything else), ERASED from the last. */
  state: 'ERASING' | 'ERASED';
  /** ERASED, and this gateway is done with the key, the permission store and the compaction too. */
  finished: boolean;
  /** Whether this gateway is working on it now; an ERASING erasure nobody works on resumes with a new request. */
  running: boolean;
  startedAt: string;
  finishedAt?: string;
  /** Transactions that purged a page of keys. */
  pages: number;
  recordsErased: number;
  eventsErased: number;
  /** Every ledger key purged: records, events, consents, requests, sessions, devices and their index entries. */
  keysErased: number;
  /** The error code that stopped this gateway's last attempt, while no attempt runs. */
  error?: string;
}

/**
 * Erasure (GDPR art. 17), in pages whatever the patient's history: the first transaction marks the patient
 * ERASING (from then on the ledger refuses every other transaction about them), then page after page the
 * patient's blobs are removed and the ledger purges the page's private values and wrapped keys, then the last
 * transaction marks the patient ERASED; only after it the home org's key of this patient is destroyed
 * (crypto-shredding: every copy of the data keys wrapped under it, in whatever storage kept one, becomes
 * undecryptable), the permission store forgets the patient, and the stores the gateway runs compact or
 * collect garbage so that the deleted values leave their files too.
 *
 * `start` answers once the mark has committed; the pages run in the background. Every step starts from what
 * the ledger still holds, so an erasure that stopped (a crash, a restart, an unavailable peer) resumes where it
 * was with the next `start` for that patient.
 */
export class ErasureService {
  private readonly running = new Map<string, Promise<void>>();
  private readonly failed = new Map<string, string>();
  private stopping = false;

  constructor(
    private readonly chaincode: ChaincodeClient,
    private readonly blobs: BlobStore,
    private readonly store: PermissionStore,
    private readonly keys: KeyService,
    private readonly reclaim: StorageReclaim,
    private readonly log: Logger,
    private readonly pageSize = ERASE_PAGE,
  ) {}

  /** Begins the patient's erasure (or resumes one that stopped) and answers its status. */
  async start(actor: ActorRef, patientId: string): Promise<ErasureView> {
    try {
      await this.chaincode.beginErasure(actor, patientId);
    } catch (error) {
      if (error instanceof AppError && error.code === 'PATIENT_ERASED') await this.finishShredding(actor, patientId);
      throw error;
    }
    if (this.stopping) throw new AppError('UNAVAILABLE', 'the gateway is shutting down');
    if (!this.running.has(patientId)) {
      this.failed.delete(patientId);
      const run = this.run(actor, patientId)
        .catch((err: unknown) => {
          this.failed.set(patientId, err instanceof AppError ? err.code : 'INTERNAL');
          this.log.error({ err }, 'an erasure stopped; a new erasure request resumes it');
        })
        .finally(() => this.running.delete(patientId));
      this.running.set(patientId, run);
    }
    return this.status(actor, patientId);
  }

  /** How far the patient's erasure got (404 before one began). */
  async status(actor: ActorRef, patientId: string): Promise<ErasureView> {
    return this.view(await this.chaincode.erasureStatus(actor, patientId));
  }

  /** Resolves when the patient's erasure that runs here (if any) has stopped. */
  async settled(patientId: string): Promise<void> {
    await this.running.get(patientId);
  }

  /** Stops every erasure after its current transaction (what a shutdown does; a new request resumes them). */
  async close(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.running.values());
  }

  private async run(actor: ActorRef, patientId: string): Promise<void> {
    let records = 0;
    for (;;) {
      if (this.stopping) throw new AppError('UNAVAILABLE', 'the gateway shut down during the erasure');
      const page = await this.chaincode.erasureKeys(actor, patientId, this.pageSize);
      if (page.keys.length === 0) break;
      // The blobs go before their records: a crash after the purge would leave no record naming them. The
      // patient is being erased, so nothing reads them meanwhile.
      for (const cid of page.cids) {
        try {
          await this.blobs.remove(cid);
        } catch (err) {
          // A leftover blob is ciphertext whose keys are about to go; log and go on.
          this.log.error({ err }, 'a blob of an erased patient could not be removed');
        }
      }
      await this.chaincode.eraseKeys(actor, patientId, page.keys);
      records += page.cids.length;
    }
    await this.chaincode.finishErasure(actor, patientId);
    // After the last commit: an erasure that stopped before it may still be resumed by the same key.
    await this.keys.destroyPatientKey(actor.org, patientId);
    await this.store.deletePatient(patientId);
    await this.reclaim.run();
    this.log.info({ records }, 'patient erased');
  }

  private view(s: ErasureStatus): ErasureView {
    const running = this.running.has(s.patientId);
    const error = running ? undefined : this.failed.get(s.patientId);
    return {
      patientId: s.patientId,
      state: s.state,
      // The ledger says ERASED at its last transaction; the key, the projection and the compaction follow.
      finished: s.state === 'ERASED' && !running,
      running,
      startedAt: s.startedAt,
      ...(s.finishedAt ? { finishedAt: s.finishedAt } : {}),
      pages: s.pages,
      recordsErased: s.records,
      eventsErased: s.events,
      keysErased: s.keys,
      ...(error && s.state === 'ERASING' ? { error } : {}),
    };
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
      await this.store.deletePatient(patientId);
      await this.reclaim.run();
    }
  }
}
