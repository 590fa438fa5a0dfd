import type { EmergencySession } from '@careledger/chaincode';
import type { OrgConfig } from '../config.js';
import { wrapDataKey } from '../crypto/data-key.js';
import { AppError } from '../domain/app-error.js';
import type { ActorRef } from '../domain/actors.js';
import type { ChaincodeClient } from '../ledger-client/chaincode-client.js';
import type { KeyService } from '../ports/key-service.js';
import type { Ledger, LedgerEvent } from '../ports/ledger.js';
import type { Logger } from '../ports/logger.js';
import type { PermissionStore } from '../ports/permission-store.js';
import { AdminReader, followFromCheckpoint, runInBackground } from './ledger-follower.js';
import type { OrgKeys } from './org-keys.js';
import { seedAdminId } from './registry-service.js';

/** The releaser's own checkpoint in the permission store. */
export const EMERGENCY_KEYS_CHECKPOINT = 'emergency-keys';

/** How the releaser paces itself. */
export interface EmergencyKeyReleaseOptions {
  /** How often the sweep looks for ended sessions whose keys must be withdrawn (ms). */
  sweepMs: number;
  /** First wait after a failure (a ledger that does not answer); doubles up to 30 s. */
  retryMs?: number;
  /** The clock that says whether a session's window has passed (the ledger's clock in tests). */
  now?: () => Date;
}

/** What {@link EmergencyKeyRelease.settle} did to a session. */
export type Settled = 'released' | 'withdrawn' | 'nothing';

/**
 * Break-glass across hospitals, on the patient's home gateway: no staff of the home hospital acts. It follows the
 * ledger's committed events (own checkpoint) and, for a session opened on one of its org's patients by a
 * practitioner of another org, re-wraps the patient's data keys for that org (unwrapped here with the home org's
 * keys, wrapped with the reader org's registered public key) and writes them into that org's own collection
 * (`emergency:ReleaseEmergencyKeys`, endorsed by both orgs). When the session ends — the home admin's review (an
 * event) or its window passing (the sweep) — it removes them again (`emergency:WithdrawEmergencyKeys`), except the
 * keys a consent in force still gives that org. Plain data keys never leave this process.
 */
export class EmergencyKeyRelease {
  private readonly reader: AdminReader;
  private readonly admins: Map<string, ActorRef>;
  private readonly now: () => Date;

  constructor(
    private readonly ledger: Ledger,
    private readonly chaincode: ChaincodeClient,
    private readonly store: PermissionStore,
    private readonly keys: KeyService,
    private readonly orgKeys: OrgKeys,
    orgs: OrgConfig[],
    private readonly log: Logger,
    private readonly options: EmergencyKeyReleaseOptions,
  ) {
    this.reader = new AdminReader(orgs, log);
    this.admins = new Map(orgs.map((o) => [o.mspId, { userId: seedAdminId(o), org: o.mspId, role: 'admin' as const }]));
    this.now = options.now ?? (() => new Date());
  }

  /** Follows the ledger from the checkpoint until `signal` aborts (or `idleMs` passes without an event, when given). */
  follow(signal: AbortSignal, idleMs?: number): Promise<number> {
    return followFromCheckpoint(this.ledger, this.store, EMERGENCY_KEYS_CHECKPOINT, (event) => this.handle(event), signal, idleMs);
  }

  /**
   * Withdraws the keys of every ended session of this gateway's patients that still has them (and releases those
   * of open sessions it missed); answers how many sessions it changed.
   */
  async sweep(): Promise<number> {
    let changed = 0;
    for (const admin of this.admins.values()) {
      for (const session of await this.chaincode.listEmergency(admin, false)) {
        if (session.actorOrg === session.patientOrg || session.keysWithdrawnAt) continue;
        if ((await this.settle(session)) !== 'nothing') changed++;
      }
    }
    return changed;
  }

  /**
   * Brings a cross-hospital session's keys to where they belong now: released while it is open, withdrawn once it
   * ended. A session that is not this gateway's to handle, or already settled, is left alone.
   */
  async settle(session: EmergencySession): Promise<Settled> {
    const admin = this.admins.get(session.patientOrg);
    if (!admin || session.actorOrg === session.patientOrg) return 'nothing';
    const ended = session.endedAt !== undefined || this.now().getTime() >= Date.parse(session.expiresAt);
    try {
      if (!ended && !session.keysReleasedAt) {
        const count = await this.release(admin, session);
        this.log.warn({ sessionId: session.sessionId, readerOrg: session.actorOrg, keys: count }, 'break-glass: data keys released to the reader org');
        return 'released';
      }
      if (ended && session.keysReleasedAt && !session.keysWithdrawnAt) {
        await this.chaincode.withdrawEmergencyKeys(admin, session);
        this.log.info({ sessionId: session.sessionId, readerOrg: session.actorOrg }, 'break-glass: data keys withdrawn from the reader org');
        return 'withdrawn';
      }
    } catch (error) {
      // A refusal (the session ended meanwhile, another process did it first) is final; an outage is retried.
      if (error instanceof AppError && error.status < 500) {
        this.log.info({ sessionId: session.sessionId, code: error.code }, 'break-glass: the keys of a session were not moved');
        return 'nothing';
      }
      throw error;
    }
    return 'nothing';
  }

  /**
   * Runs the follower and the sweep in the background until `stop()`. A failure (a ledger that does not answer) is
   * logged and retried after a growing pause, resuming from the checkpoint, so no session is missed.
   */
  start(): { stop(): Promise<void> } {
    const work = { name: 'the break-glass key release', follow: (signal: AbortSignal) => this.follow(signal), sweep: () => this.sweep() };
    return runInBackground(work, this.log, { sweepMs: this.options.sweepMs, retryMs: this.options.retryMs, sweepAtStart: false });
  }

  private async handle(event: LedgerEvent): Promise<void> {
    if (event.eventName !== 'EmergencyAccessOpened' && event.eventName !== 'EmergencyAccessReviewed') return;
    const { sessionId } = JSON.parse(Buffer.from(event.payload).toString('utf8')) as { sessionId: string };
    // Only the home org's admin may read the session: another org's session is not this gateway's to handle.
    const session = await this.reader.read((admin) => this.chaincode.getEmergency(admin, sessionId));
    if (session) await this.settle(session);
  }

  /** Re-wraps the home org's copies the reader org lacks and writes them into its collection; answers how many. */
  private async release(admin: ActorRef, session: EmergencySession): Promise<number> {
    const shared = await this.chaincode.emergencyKeys(admin, session.sessionId);
    const target = await this.orgKeys.publicKey(admin.org, session.actorOrg);
    const wrappedKeys: Record<string, string> = {};
    for (const { recordId, wrappedKey } of shared) {
      const dataKey = await this.keys.unwrap(admin.org, wrappedKey);
      try {
        wrappedKeys[recordId] = await wrapDataKey(dataKey, target);
      } finally {
        dataKey.fill(0);
      }
    }
    await this.chaincode.releaseEmergencyKeys(admin, session, wrappedKeys);
    return shared.length;
  }
}
