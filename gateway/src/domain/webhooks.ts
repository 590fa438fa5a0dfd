import { createHmac } from 'node:crypto';
import { derivedId } from './derived-id.js';
import type { DeliveryDoc } from '../ports/permission-store.js';
import { badInput } from './app-error.js';

/**
 * The ledger events an org's webhooks get, and the object each one names. An org gets an event when its admin
 * may read that object on the ledger: the requests, consents, break-glass sessions and integrity violations of the
 * org's own patients.
 */
export const WEBHOOK_EVENTS = {
  AccessRequested: 'request',
  AccessRequestApproved: 'request',
  AccessRequestDenied: 'request',
  ConsentGranted: 'consent',
  ConsentRevoked: 'consent',
  EmergencyAccessOpened: 'session',
  EmergencyAccessReviewed: 'session',
  IntegrityViolationRecorded: 'accessEvent',
} as const satisfies Record<string, 'request' | 'consent' | 'session' | 'accessEvent'>;

export type WebhookEvent = keyof typeof WEBHOOK_EVENTS;

/** Whether an event can go to a webhook (the others are skipped without a read). */
export function isWebhookEvent(name: string): name is WebhookEvent {
  return Object.hasOwn(WEBHOOK_EVENTS, name);
}

/** The header names of a delivery. */
export const WEBHOOK_HEADERS = {
  signature: 'CareLedger-Signature',
  delivery: 'CareLedger-Delivery',
  event: 'CareLedger-Event',
} as const;

/**
 * A delivery's id: the same event (transaction) to the same webhook always gives the same id, on every attempt,
 * replay and restart, so a receiver that keeps the ids it has handled handles each event once.
 */
export function deliveryId(txId: string, webhookId: string): string {
  return derivedId('dlv', txId, webhookId);
}

/**
 * The `CareLedger-Signature` header: `t=<unix seconds>,v1=<hex>` where the hex is HMAC-SHA256, keyed with the
 * webhook's secret (its UTF-8 bytes), of `<t>.<body>` (the exact bytes sent). The timestamp lets a receiver
 * refuse an old message replayed by someone who recorded it.
 */
export function signatureHeader(secret: string, unixSeconds: number, body: string): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

/**
 * The wait before the attempt after `attempts` failed ones: `baseMs` after the first, twice as long after each
 * further one, never more than `maxMs`.
 */
export function retryDelayMs(attempts: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempts - 1));
}

/** The JSON body of a delivery: ids and the event type, never a name, title, reason or content. */
export function deliveryBody(doc: DeliveryDoc): string {
  return JSON.stringify({
    deliveryId: doc.deliveryId,
    webhookId: doc.webhookId,
    org: doc.org,
    event: doc.event,
    ids: doc.ids,
    txId: doc.txId,
    blockNumber: doc.blockNumber,
  });
}

/**
 * A webhook's URL, checked: an absolute http or https URL without user name or password (the secret signs; a
 * password in the URL would sit in every list), at most 2048 characters. Answers the normalised URL.
 */
export function checkWebhookUrl(url: unknown): string {
  if (typeof url !== 'string' || url.length > 2048) throw badInput('url', 'url must be an http or https URL of at most 2048 characters');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw badInput('url', 'url must be an absolute http or https URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw badInput('url', 'url must use http or https');
  if (parsed.username !== '' || parsed.password !== '') throw badInput('url', 'url must not carry a user name or password');
  return parsed.toString();
}

/**
 * Whether an event comes after the position a webhook was created at (`{blockNumber, txId}` JSON): a webhook
 * gets the events of later blocks only.
 */
export function isAfter(blockNumber: bigint, after: string | undefined): boolean {
  if (after === undefined) return true;
  return blockNumber > BigInt((JSON.parse(after) as { blockNumber: string }).blockNumber);
}
