import type { OrgConfig } from '../config.js';
import type { Ledger, LedgerEvent } from '../ports/ledger.js';
import type { PermissionStore } from '../ports/permission-store.js';
import type { ChaincodeClient } from '../ledger-client/chaincode-client.js';
import type { Logger } from '../ports/logger.js';
import type { PermissionProjection } from './projection.js';
import { AdminReader, followFromCheckpoint } from './ledger-follower.js';
import type { ActorRef } from '../domain/actors.js';

/** The projector's checkpoint in the permission store (the registry watch starts its replay there too). */
export const PROJECTOR_CHECKPOINT = 'ledger-events';
const CHECKPOINT = PROJECTOR_CHECKPOINT;

/**
 * Replays chaincode events from a checkpoint into the permission store, repairing whatever a crash or
 * restart missed (docs/ARCHITECTURE.md#the-permission-store-is-a-projection). Events carry opaque ids
 * only; the details are fetched with an evaluate as the org admin, who may read the consents and requests
 * of the org's patients. Upserts are idempotent, so replaying an event twice is harmless.
 */
export class PermissionProjector {
  private readonly admins: AdminReader;

  constructor(
    private readonly ledger: Ledger,
    private readonly chaincode: ChaincodeClient,
    private readonly store: PermissionStore,
    private readonly projection: PermissionProjection,
    orgs: OrgConfig[],
    private readonly log: Logger,
  ) {
    this.admins = new AdminReader(orgs, log);
  }

  /** Follows the ledger until `signal` aborts (or `idleMs` passes without an event, when given). */
  run(signal: AbortSignal, idleMs?: number): Promise<number> {
    return followFromCheckpoint(this.ledger, this.store, CHECKPOINT, (event) => this.apply(event), signal, idleMs);
  }

  /** Drops the projection and rebuilds it from the ledger's events. */
  async rebuild(idleMs = 500): Promise<number> {
    await this.store.clear();
    return this.run(new AbortController().signal, idleMs);
  }

  private async apply(event: LedgerEvent): Promise<void> {
    const ids = JSON.parse(Buffer.from(event.payload).toString('utf8')) as Record<string, string>;
    switch (event.eventName) {
      case 'ConsentGranted':
      case 'ConsentRevoked':
        return this.asSomeAdmin(async (admin) => this.projection.consent(await this.chaincode.getConsent(admin, ids.consentId)));
      case 'AccessRequestApproved':
        await this.asSomeAdmin(async (admin) => this.projection.consent(await this.chaincode.getConsent(admin, ids.consentId)));
        return this.asSomeAdmin(async (admin) => this.projection.request(await this.chaincode.getRequest(admin, ids.requestId)));
      case 'AccessRequested':
      case 'AccessRequestDenied':
        return this.asSomeAdmin(async (admin) => this.projection.request(await this.chaincode.getRequest(admin, ids.requestId)));
      case 'PatientErased':
        return this.asSomeAdmin(async (admin) => this.store.deletePatient((await this.chaincode.erasureReceipt(admin, ids.erasureId)).patientId));
      default:
        return;
    }
  }

  /** Runs `read` as the admin who may see the object (the patient's home admin). */
  private async asSomeAdmin(read: (admin: ActorRef) => Promise<void>): Promise<void> {
    await this.admins.read(read);
  }

}

/**
 * Runs the projector in the background until `stop()` (both profiles): it repairs the permission store from
 * the ledger's events, i.e. whatever a crash between a commit and its projection missed.
 */
export function followLedger(projector: PermissionProjector, log: Logger, enabled = true): { stop(): Promise<void> } {
  const following = new AbortController();
  const projecting = enabled
    ? projector.run(following.signal).catch((err) => {
        log.error({ err }, 'the permission projector stopped');
        return 0;
      })
    : Promise.resolve(0);
  return {
    async stop() {
      following.abort();
      await projecting;
    },
  };
}
