import type { OrgConfig, WebhookConfig } from '../config.js';
import type { ActorRef } from '../domain/actors.js';
import { AppError } from '../domain/app-error.js';
import { deliveryBody, deliveryId, isAfter, isWebhookEvent, retryDelayMs, signatureHeader, WEBHOOK_EVENTS, WEBHOOK_HEADERS } from '../domain/webhooks.js';
import type { ChaincodeClient } from '../ledger-client/chaincode-client.js';
import type { Ledger, LedgerEvent } from '../ports/ledger.js';
import type { Logger } from '../ports/logger.js';
import type { DeliveryDoc, PermissionStore, WebhookDoc } from '../ports/permission-store.js';
import { followFromCheckpoint, keepFollowing } from './ledger-follower.js';
import { seedAdminId } from './registry-service.js';

/** The dispatcher's own checkpoint in the permission store (the projector and the notification follower keep others). */
export const WEBHOOK_CHECKPOINT = 'webhooks';

/** How many due deliveries one round attempts at once. */
const ROUND = 20;

/** How the dispatcher paces itself (tests shorten them). */
export interface WebhookDispatcherOptions {
  /** How often it looks for due deliveries when nothing woke it (ms, default 1000). */
  pollMs?: number;
  /** First wait after the follower failed; doubles up to 30 s (default 1000). */
  retryMs?: number;
}

/**
 * Delivers the ledger's events to the orgs' webhooks, at least once. A follower with its own checkpoint turns
 * each committed event into one stored delivery per webhook of each org whose admin may read the object the
 * event names (ids and the event type only); a delivery's id is derived from the event and the webhook, so a
 * replayed event stores nothing twice. A delivery loop posts the due deliveries, signed with the webhook's
 * secret, each call within its deadline; a failure is retried after a doubling wait, and after the last attempt
 * the delivery is a dead letter the org's admin can replay. Everything it needs is in the store, so a restart
 * loses nothing: the follower resumes from its checkpoint and the loop finds the deliveries still due.
 */
export class WebhookDispatcher {
  private readonly orgs: Map<string, ActorRef>;
  private readonly pollMs: number;
  private wakeUp: (() => void) | undefined;
  private woken = false;
  /** The earliest retry this process scheduled (ms since the epoch): the loop wakes for it before its next poll. */
  private nextRetry = Infinity;

  constructor(
    private readonly ledger: Ledger,
    private readonly chaincode: ChaincodeClient,
    private readonly store: PermissionStore,
    orgs: OrgConfig[],
    private readonly log: Logger,
    private readonly config: WebhookConfig,
    private readonly options: WebhookDispatcherOptions = {},
  ) {
    this.orgs = new Map(orgs.map((o) => [o.mspId, { userId: seedAdminId(o), org: o.mspId, role: 'admin' as const }]));
    this.pollMs = options.pollMs ?? 1_000;
  }

  /** Whether this gateway speaks for the org (its webhooks are created, listed and delivered here). */
  hosts(org: string): boolean {
    return this.orgs.has(org);
  }

  /** The position of the last event the follower handled (a new webhook gets the events after it). */
  position(): Promise<string | undefined> {
    return this.store.getCheckpoint(WEBHOOK_CHECKPOINT);
  }

  /** Makes the delivery loop look for due deliveries now (a new delivery, a replayed dead letter). */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /** Follows the ledger from the checkpoint until `signal` aborts (or `idleMs` passes without an event, when given). */
  follow(signal: AbortSignal, idleMs?: number): Promise<number> {
    return followFromCheckpoint(this.ledger, this.store, WEBHOOK_CHECKPOINT, (event) => this.handle(event), signal, idleMs);
  }

  /** Attempts the deliveries due now (at most one round); answers how many it attempted. */
  async deliverDue(signal?: AbortSignal): Promise<number> {
    const due = (await this.store.dueDeliveries(new Date().toISOString(), ROUND)).filter((d) => this.orgs.has(d.org));
    await Promise.all(due.map((d) => this.attempt(d, signal)));
    return due.length;
  }

  /** Runs the follower and the delivery loop in the background until `stop()`. */
  start(): { stop(): Promise<void> } {
    const running = new AbortController();
    const { signal } = running;
    // The delivery loop's pause: cut short by a stop or by wake().
    const pause = (ms: number) =>
      new Promise<void>((resolve) => {
        if (signal.aborted || this.woken) return resolve();
        const done = () => {
          clearTimeout(timer);
          signal.removeEventListener('abort', done);
          this.wakeUp = undefined;
          resolve();
        };
        const timer = setTimeout(done, ms);
        this.wakeUp = done;
        signal.addEventListener('abort', done, { once: true });
      });
    const following = keepFollowing({ name: 'the webhook follower', follow: (stop) => this.follow(stop) }, this.log, signal, this.options.retryMs ?? 1_000);
    const delivering = (async () => {
      while (!signal.aborted) {
        this.woken = false;
        try {
          // A full round may have left more due: go on without waiting.
          if ((await this.deliverDue(signal)) === ROUND) continue;
        } catch (err) {
          this.log.error({ err }, 'the webhook delivery round failed; retrying');
        }
        const untilRetry = this.nextRetry - Date.now();
        this.nextRetry = Infinity;
        await pause(Math.max(0, Math.min(this.pollMs, untilRetry)));
      }
    })();
    return {
      async stop() {
        running.abort();
        await Promise.all([following, delivering]);
      },
    };
  }

  private async handle(event: LedgerEvent): Promise<void> {
    if (!isWebhookEvent(event.eventName)) return;
    const hooks = (await this.store.listWebhooks()).filter((w) => this.orgs.has(w.org) && isAfter(event.blockNumber, w.after));
    if (hooks.length === 0) return;
    const ids = JSON.parse(Buffer.from(event.payload).toString('utf8')) as Record<string, string>;
    let created = false;
    for (const org of new Set(hooks.map((w) => w.org))) {
      if (!(await this.mayRead(this.orgs.get(org)!, WEBHOOK_EVENTS[event.eventName], ids))) continue;
      for (const hook of hooks.filter((w) => w.org === org)) {
        const now = new Date().toISOString();
        const doc: DeliveryDoc = {
          deliveryId: deliveryId(event.txId, hook.webhookId),
          webhookId: hook.webhookId,
          org,
          event: event.eventName,
          ids,
          txId: event.txId,
          blockNumber: event.blockNumber.toString(),
          createdAt: now,
          status: 'PENDING',
          attempts: 0,
          dueAt: now,
        };
        if (await this.store.addDelivery(doc)) created = true;
      }
    }
    if (created) this.wake();
  }

  /** Whether the org's admin may read the object the event names: the ledger decides who an event concerns. */
  private async mayRead(admin: ActorRef, kind: 'request' | 'consent' | 'session' | 'accessEvent', ids: Record<string, string>): Promise<boolean> {
    try {
      if (kind === 'request') await this.chaincode.getRequest(admin, ids.requestId ?? '');
      else if (kind === 'consent') await this.chaincode.getConsent(admin, ids.consentId ?? '');
      else if (kind === 'session') await this.chaincode.getEmergency(admin, ids.sessionId ?? '');
      else await this.chaincode.getAccessEvent(admin, ids.eventId ?? '');
      return true;
    } catch (error) {
      // Another org's object, or an erased patient's: not this org's event.
      if (error instanceof AppError && error.status < 500) return false;
      throw error;
    }
  }

  /** One attempt of one delivery; the outcome is stored before the next round can see the delivery again. */
  private async attempt(doc: DeliveryDoc, stopping?: AbortSignal): Promise<void> {
    const hook = await this.store.getWebhook(doc.webhookId);
    if (hook === undefined) return; // deleted meanwhile: its deliveries went with it
    const outcome = await this.post(hook, doc, stopping);
    // Stopped mid-call: the delivery stays due and is attempted again after the restart.
    if (outcome === 'stopped') return;
    const now = new Date();
    const attempts = doc.attempts + 1;
    const { dueAt: _due, ...rest } = doc;
    if (outcome === 'ok') {
      await this.store.saveDelivery({ ...rest, status: 'DELIVERED', attempts, lastAttemptAt: now.toISOString(), deliveredAt: now.toISOString() });
      return;
    }
    if (attempts >= this.config.maxAttempts) {
      await this.store.saveDelivery({ ...rest, status: 'DEAD', attempts, lastAttemptAt: now.toISOString(), lastError: outcome });
      this.log.warn({ deliveryId: doc.deliveryId, webhookId: doc.webhookId, attempts, lastError: outcome }, 'a webhook delivery failed every attempt: now a dead letter');
      return;
    }
    const due = now.getTime() + retryDelayMs(attempts, this.config.retryBaseMs, this.config.retryMaxMs);
    this.nextRetry = Math.min(this.nextRetry, due);
    const dueAt = new Date(due).toISOString();
    await this.store.saveDelivery({ ...rest, status: 'PENDING', attempts, dueAt, lastAttemptAt: now.toISOString(), lastError: outcome });
  }

  /** Posts the signed body within the deadline: 'ok' for a 2xx answer, else what went wrong. */
  private async post(hook: WebhookDoc, doc: DeliveryDoc, stopping?: AbortSignal): Promise<string> {
    const body = deliveryBody(doc);
    const timeout = AbortSignal.timeout(this.config.timeoutMs);
    const signal = stopping ? AbortSignal.any([timeout, stopping]) : timeout;
    try {
      const res = await fetch(hook.url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'User-Agent': 'CareLedger-Webhooks/1',
          [WEBHOOK_HEADERS.delivery]: doc.deliveryId,
          [WEBHOOK_HEADERS.event]: doc.event,
          [WEBHOOK_HEADERS.signature]: signatureHeader(hook.secret, Math.floor(Date.now() / 1000), body),
        },
        body,
        // A redirect is a failure: the signed body goes to the URL the admin registered, nowhere else.
        redirect: 'manual',
        signal,
      });
      // The answer's body is not needed; reading it frees the connection.
      await res.arrayBuffer().catch(() => undefined);
      return res.status >= 200 && res.status < 300 ? 'ok' : `HTTP ${res.status}`;
    } catch {
      if (stopping?.aborted) return 'stopped';
      return timeout.aborted ? 'timeout' : 'unreachable';
    }
  }
}
