import { PassThrough, type Readable } from 'node:stream';
import { AppError } from '../domain/app-error.js';
import type { Logger } from '../ports/logger.js';
import type { NotificationDoc, PermissionStore } from '../ports/permission-store.js';
import type { ActorRef } from '../domain/actors.js';

/** A notification as its recipient gets it: the stored one without the recipient. */
export type Notification = Omit<NotificationDoc, 'recipientId'>;

/** A page of the caller's notifications, newest first. */
export interface NotificationPage {
  notifications: Notification[];
  bookmark: string;
}

/** Default and largest page; a stream sends what it missed in batches of this size. */
const DEFAULT_PAGE = 50;
const BATCH = 100;

function toNotification(doc: NotificationDoc): Notification {
  const { recipientId: _recipient, ...rest } = doc;
  return rest;
}

/**
 * The caller's own notifications: a paged list, a read mark, and a Server-Sent Events stream. Every method reads
 * the caller's id from the verified actor only, so nobody can list, mark or follow another user's notifications.
 * A stream resumes after the `Last-Event-ID` it is given (each event's id is the notification's `seq`), so a
 * reconnecting client gets what it missed, in order, once.
 */
export class NotificationService {
  private readonly listeners = new Map<string, Set<() => void>>();
  private readonly open = new Set<PassThrough>();

  constructor(
    private readonly store: PermissionStore,
    private readonly log: Logger,
    private readonly heartbeatMs: number,
  ) {}

  /** Newest first; `bookmark` is the previous page's last `seq`. */
  async list(actor: ActorRef, page: { pageSize?: number; bookmark?: string }): Promise<NotificationPage> {
    const limit = page.pageSize ?? DEFAULT_PAGE;
    const docs = await this.store.listNotifications(actor.userId, { limit: limit + 1, ...(page.bookmark ? { before: page.bookmark } : {}) });
    const items = docs.slice(0, limit);
    return { notifications: items.map(toNotification), bookmark: docs.length > limit ? (items.at(-1)?.seq ?? '') : '' };
  }

  /** Marks one of the caller's notifications read (idempotent: the first time stays). */
  async markRead(actor: ActorRef, notificationId: string): Promise<Notification> {
    const doc = await this.store.markNotificationRead(actor.userId, notificationId, new Date().toISOString());
    if (doc === undefined) throw new AppError('NOT_FOUND', 'no such notification');
    return toNotification(doc);
  }

  /** Wakes the streams of a notification's recipient (called by the follower for each new notification). */
  announce(doc: NotificationDoc): void {
    for (const wake of this.listeners.get(doc.recipientId) ?? []) wake();
  }

  /**
   * An SSE stream of the caller's notifications after `lastEventId` (none: only those to come). A comment line
   * every heartbeat keeps proxies from closing an idle connection; each heartbeat also looks for notifications
   * another gateway process stored. Ends when `signal` aborts (the client left) or the service closes.
   */
  async stream(actor: ActorRef, lastEventId: string | undefined, signal: AbortSignal): Promise<Readable> {
    // Without a Last-Event-ID the stream starts after the newest notification there is now.
    let cursor = lastEventId ?? (await this.store.listNotifications(actor.userId, { limit: 1 }))[0]?.seq ?? '0'.repeat(16);
    const out = new PassThrough();
    this.open.add(out);
    let draining: Promise<void> | undefined;
    let again = false;
    const drain = (): Promise<void> => {
      if (draining) {
        again = true;
        return draining;
      }
      draining = (async () => {
        try {
          do {
            again = false;
            const docs = await this.store.listNotifications(actor.userId, { after: cursor, limit: BATCH });
            for (const doc of docs) {
              if (out.writableEnded) return;
              out.write(`id: ${doc.seq}\nevent: notification\ndata: ${JSON.stringify(toNotification(doc))}\n\n`);
              cursor = doc.seq;
            }
            if (docs.length === BATCH) again = true;
          } while (again && !out.writableEnded);
        } catch (err) {
          // The next heartbeat or announcement tries again from the same cursor: nothing is skipped.
          this.log.warn({ err }, 'notification stream could not read the store');
        } finally {
          draining = undefined;
        }
      })();
      return draining;
    };
    const wake = () => void drain();
    const mine = this.listeners.get(actor.userId) ?? new Set();
    mine.add(wake);
    this.listeners.set(actor.userId, mine);
    const heartbeat = setInterval(() => {
      if (!out.writableEnded) out.write(': heartbeat\n\n');
      void drain();
    }, this.heartbeatMs);
    const finish = () => {
      clearInterval(heartbeat);
      mine.delete(wake);
      if (mine.size === 0) this.listeners.delete(actor.userId);
      this.open.delete(out);
      if (!out.writableEnded) out.end();
    };
    signal.addEventListener('abort', finish, { once: true });
    out.once('close', finish);
    out.once('finish', finish);
    // Sent at once so the client sees the stream open (and how long to wait before it reconnects).
    out.write(`: connected\nretry: 3000\n\n`);
    if (signal.aborted) finish();
    else void drain();
    return out;
  }

  /** Ends every open stream (gateway shutdown): clients see a clean end and reconnect with their Last-Event-ID. */
  close(): void {
    for (const out of [...this.open]) out.end();
  }
}
