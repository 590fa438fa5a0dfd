import type { OrgConfig } from '../config.js';
import { consentExpiryNotices, isNotifyingEvent, NOTIFYING_EVENTS, notificationsForEvent, type EventFacts } from '../domain/notifications.js';
import type { Ledger, LedgerEvent } from '../ports/ledger.js';
import type { Logger } from '../ports/logger.js';
import type { NewNotification, NotificationDoc, PermissionStore } from '../ports/permission-store.js';
import type { ChaincodeClient } from '../ledger-client/chaincode-client.js';
import { AdminReader, followFromCheckpoint, runInBackground } from './ledger-follower.js';

/** The follower's own checkpoint in the permission store (the projector keeps another). */
export const NOTIFICATION_CHECKPOINT = 'notifications';

/** How the follower paces itself. */
export interface NotificationFollowerOptions {
  /** How often the consent-expiry sweep runs (ms). */
  sweepMs: number;
  /** First wait after a failure (a store or ledger that does not answer); doubles up to 30 s. */
  retryMs?: number;
  /** The clock of the expiry sweep (tests). */
  now?: () => Date;
}

/**
 * Derives users' notifications from the ledger's committed events, with its own checkpoint in the permission
 * store: a restart resumes after the last event it stored notifications for, and a replayed event gives the
 * same notification ids, which the store keeps once. Events carry opaque ids only; who is told comes from the
 * object the event names, read with an evaluate as an org admin of this gateway. A periodic sweep adds the
 * notices of consents that expire within 24 h. Every new notification is announced to `announce` (the
 * streams of its recipient).
 */
export class NotificationFollower {
  private readonly admins: AdminReader;
  private readonly now: () => Date;

  constructor(
    private readonly ledger: Ledger,
    private readonly chaincode: ChaincodeClient,
    private readonly store: PermissionStore,
    orgs: OrgConfig[],
    private readonly announce: (doc: NotificationDoc) => void,
    private readonly log: Logger,
    private readonly options: NotificationFollowerOptions,
  ) {
    this.admins = new AdminReader(orgs, log);
    this.now = options.now ?? (() => new Date());
  }

  /** Follows the ledger from the checkpoint until `signal` aborts (or `idleMs` passes without an event, when given). */
  follow(signal: AbortSignal, idleMs?: number): Promise<number> {
    return followFromCheckpoint(this.ledger, this.store, NOTIFICATION_CHECKPOINT, (event) => this.handle(event), signal, idleMs);
  }

  /** Stores the notices of consents that expire within 24 h (each once); answers how many were new. */
  async sweep(): Promise<number> {
    const grants = await this.store.listGrants({ status: 'ACTIVE' });
    return this.keep(consentExpiryNotices(grants, this.now()));
  }

  /**
   * Runs the follower and the sweep in the background until `stop()`. A failure (a store or ledger that does not
   * answer) is logged and retried after a growing pause, resuming from the checkpoint, so nothing is lost.
   */
  start(): { stop(): Promise<void> } {
    const work = { name: 'the notification follower', follow: (signal: AbortSignal) => this.follow(signal), sweep: () => this.sweep() };
    return runInBackground(work, this.log, { sweepMs: this.options.sweepMs, retryMs: this.options.retryMs, sweepAtStart: true });
  }

  private async handle(event: LedgerEvent): Promise<void> {
    if (!isNotifyingEvent(event.eventName)) return;
    const ids = JSON.parse(Buffer.from(event.payload).toString('utf8')) as Record<string, string>;
    const facts = await this.admins.read(async (admin): Promise<EventFacts> => {
      const kind = NOTIFYING_EVENTS[event.eventName as keyof typeof NOTIFYING_EVENTS];
      if (kind === 'session') {
        return { session: await this.chaincode.getEmergency(admin, ids.sessionId ?? '') };
      }
      if (kind === 'accessEvent') {
        return { accessEvent: await this.chaincode.getAccessEvent(admin, ids.eventId ?? '') };
      }
      if (kind === 'contribution') return { contribution: await this.chaincode.getContribution(admin, ids.recordId ?? '') };
      return { request: await this.chaincode.getRequest(admin, ids.requestId ?? '') };
    });
    if (facts === undefined) return;
    await this.keep(notificationsForEvent(event, facts));
  }

  private async keep(notifications: NewNotification[]): Promise<number> {
    let created = 0;
    for (const notification of notifications) {
      const added = await this.store.addNotification(notification);
      if (!added.created) continue;
      created++;
      this.announce(added.doc);
    }
    return created;
  }

}
