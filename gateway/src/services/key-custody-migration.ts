import { timingSafeEqual } from 'node:crypto';
import { isPatientKeyId, wrappedKeyId } from '../crypto/data-key.js';
import type { KeyService } from '../ports/key-service.js';
import type { ChaincodeClient } from '../ledger-client/chaincode-client.js';
import type { Logger } from '../ports/logger.js';
import type { ActorRef } from '../domain/actors.js';

/** What a migration did. */
export interface CustodyMigrationResult {
  /** The org's own copies of its patients' data keys that were looked at. */
  examined: number;
  /** Of those, the ones moved from the org's key to the patient's key. */
  rewrapped: number;
}

const PAGE_SIZE = 100;

/**
 * Moves an org's own copies of its patients' data keys written before patient keys existed (wrapped with the
 * org's key-encryption key, which erasure cannot destroy) into patient custody: each is unwrapped, wrapped
 * under the patient's key, checked to unwrap to the same data key, and written back in batches. Copies already
 * in patient custody are left alone, so running it again does nothing. The replaced values stay in storage
 * until it is compacted; the caller compacts what it can afterwards.
 */
export class KeyCustodyMigration {
  constructor(
    private readonly chaincode: ChaincodeClient,
    private readonly keys: KeyService,
    private readonly log: Logger,
  ) {}

  /** Migrates the org of `admin` (an admin user of that org). */
  async migrate(admin: ActorRef): Promise<CustodyMigrationResult> {
    let examined = 0;
    let rewrapped = 0;
    let bookmark = '';
    do {
      const page = await this.chaincode.ownKeys(admin, PAGE_SIZE, bookmark);
      const batch: Record<string, string> = {};
      for (const { recordId, patientId, wrappedKey } of page.keys) {
        examined++;
        if (isPatientKeyId(wrappedKeyId(wrappedKey))) continue;
        const dataKey = await this.keys.unwrap(admin.org, wrappedKey);
        try {
          const custody = await this.keys.wrapForPatient(admin.org, patientId, dataKey);
          const check = await this.keys.unwrap(admin.org, custody);
          if (!timingSafeEqual(check, dataKey)) throw new Error('a re-wrapped data key did not unwrap to the same key');
          check.fill(0);
          batch[recordId] = custody;
        } finally {
          dataKey.fill(0);
        }
      }
      const count = Object.keys(batch).length;
      if (count > 0) {
        await this.chaincode.rewrapKeys(admin, batch);
        rewrapped += count;
        this.log.info({ org: admin.org, rewrapped }, 'data keys moved into patient custody');
      }
      bookmark = page.bookmark;
    } while (bookmark !== '');
    return { examined, rewrapped };
  }
}
