import { randomBytes } from 'node:crypto';
import type { ActorRef } from '../domain/actors.js';
import { AppError } from '../domain/app-error.js';
import { checkWebhookUrl } from '../domain/webhooks.js';
import type { Logger } from '../ports/logger.js';
import type { DeliveryDoc, PermissionStore, WebhookDoc } from '../ports/permission-store.js';
import type { WebhookDispatcher } from './webhook-dispatcher.js';

/** A webhook as its org's admin lists it: everything but the secret. */
export type Webhook = Omit<WebhookDoc, 'secret' | 'after'>;

/** A webhook just created: the only answer that holds its secret. */
export type CreatedWebhook = Webhook & { secret: string };

/** A delivery that failed every attempt, as the admin lists it. */
export type DeadLetter = Pick<DeliveryDoc, 'deliveryId' | 'webhookId' | 'event' | 'ids' | 'txId' | 'blockNumber' | 'createdAt' | 'attempts'> & {
  lastAttemptAt?: string;
  lastError?: string;
};

/** Most dead letters one list answers. */
const DEAD_LETTER_LIMIT = 500;

function toWebhook(doc: WebhookDoc): Webhook {
  const { secret: _secret, after: _after, ...rest } = doc;
  return rest;
}

function toDeadLetter(doc: DeliveryDoc): DeadLetter {
  const { deliveryId, webhookId, event, ids, txId, blockNumber, createdAt, attempts, lastAttemptAt, lastError } = doc;
  return { deliveryId, webhookId, event, ids, txId, blockNumber, createdAt, attempts, ...(lastAttemptAt ? { lastAttemptAt } : {}), ...(lastError ? { lastError } : {}) };
}

/**
 * An org admin's webhooks: create (the gateway makes the secret and answers it once), list, delete, and the
 * dead letters with their replay. The org is the admin's home org from the ledger registry; an admin never sees
 * or touches another org's webhooks or deliveries (they answer 404 as if absent).
 */
export class WebhookService {
  constructor(
    private readonly store: PermissionStore,
    private readonly dispatcher: WebhookDispatcher,
    private readonly log: Logger,
  ) {}

  async create(actor: ActorRef, url: string): Promise<CreatedWebhook> {
    this.requireAdmin(actor);
    const checked = checkWebhookUrl(url);
    const doc: WebhookDoc = {
      webhookId: `whk-${randomBytes(16).toString('hex')}`,
      org: actor.org,
      url: checked,
      secret: `whsec_${randomBytes(32).toString('base64url')}`,
      createdAt: new Date().toISOString(),
      createdBy: actor.userId,
    };
    const after = await this.dispatcher.position();
    await this.store.addWebhook(after === undefined ? doc : { ...doc, after });
    this.log.info({ webhookId: doc.webhookId, org: doc.org }, 'webhook created');
    return { ...toWebhook(doc), secret: doc.secret };
  }

  async list(actor: ActorRef): Promise<Webhook[]> {
    this.requireAdmin(actor);
    return (await this.store.listWebhooks(actor.org)).map(toWebhook);
  }

  async delete(actor: ActorRef, webhookId: string): Promise<void> {
    this.requireAdmin(actor);
    await this.ownWebhook(actor, webhookId);
    await this.store.deleteWebhook(webhookId);
    this.log.info({ webhookId, org: actor.org }, 'webhook deleted');
  }

  async deadLetters(actor: ActorRef): Promise<DeadLetter[]> {
    this.requireAdmin(actor);
    return (await this.store.listDeliveries(actor.org, 'DEAD', DEAD_LETTER_LIMIT)).map(toDeadLetter);
  }

  /** Sends a dead letter again, with the same delivery id, and a fresh round of attempts. */
  async replay(actor: ActorRef, deliveryId: string): Promise<{ deliveryId: string; status: 'PENDING' }> {
    this.requireAdmin(actor);
    const doc = await this.store.getDelivery(deliveryId);
    if (doc === undefined || doc.org !== actor.org || doc.status !== 'DEAD') throw new AppError('NOT_FOUND', 'no such dead letter');
    await this.store.saveDelivery({ ...doc, status: 'PENDING', attempts: 0, dueAt: new Date().toISOString() });
    this.dispatcher.wake();
    return { deliveryId, status: 'PENDING' };
  }

  private requireAdmin(actor: ActorRef): void {
    if (actor.role !== 'admin') throw new AppError('WRONG_ROLE', 'only an org admin manages webhooks');
    // The network gateway of one hospital keeps and delivers that hospital's webhooks only.
    if (!this.dispatcher.hosts(actor.org)) throw new AppError('WRONG_ORG', 'this gateway does not deliver the events of your org');
  }

  private async ownWebhook(actor: ActorRef, webhookId: string): Promise<WebhookDoc> {
    const doc = await this.store.getWebhook(webhookId);
    if (doc === undefined || doc.org !== actor.org) throw new AppError('NOT_FOUND', 'no such webhook');
    return doc;
  }
}
