import type { ConsentScope, Grantee, Purpose } from '@careledger/chaincode/rules';

/** The portal's view of a consent (a projection of the ledger's consent). */
export interface GrantDoc {
  consentId: string;
  patientId: string;
  patientOrg: string;
  grantee: Grantee;
  scope: ConsentScope;
  purposes: Purpose[];
  /** ISO-8601 */
  expiresAt: string;
  status: 'ACTIVE' | 'REVOKED';
  createdAt: string;
  revokedAt?: string;
  /** Set when the consent was made by approving an access request. */
  requestId?: string;
}

/** The portal's view of an access request. */
export interface AccessRequestDoc {
  requestId: string;
  patientId: string;
  patientOrg: string;
  requesterId: string;
  requesterOrg: string;
  purpose: Purpose;
  scope: ConsentScope;
  reason: string;
  status: 'PENDING' | 'APPROVED' | 'DENIED';
  createdAt: string;
  decidedAt?: string;
  consentId?: string;
}

export interface GrantFilter {
  patientId?: string;
  granteeUserId?: string;
  granteeOrg?: string;
  status?: GrantDoc['status'];
}

export interface AccessRequestFilter {
  patientId?: string;
  requesterId?: string;
  status?: AccessRequestDoc['status'];
}

/** What a notification is about. Ids and kinds only: never a name, title, reason or content. */
export type NotificationKind =
  | 'ACCESS_REQUEST_RECEIVED'
  | 'ACCESS_REQUEST_APPROVED'
  | 'ACCESS_REQUEST_DENIED'
  | 'BREAK_GLASS_OPENED'
  | 'CONSENT_EXPIRING'
  | 'INTEGRITY_VIOLATION'
  | 'CONTRIBUTION_ADDED';

/** A notification as its recipient lists it. */
export interface NotificationDoc {
  /** Deterministic: the same cause (transaction, kind, recipient) always gives the same id. */
  notificationId: string;
  recipientId: string;
  kind: NotificationKind;
  /** When it happened, by the ledger's time (ISO-8601). */
  occurredAt: string;
  requestId?: string;
  consentId?: string;
  sessionId?: string;
  /** The record whose content failed verification (INTEGRITY_VIOLATION), or another hospital added (CONTRIBUTION_ADDED). */
  recordId?: string;
  /** The access event that recorded it (INTEGRITY_VIOLATION): the patient finds it in the access log. */
  eventId?: string;
  /**
   * Assigned by the store on first insert: 16 decimal digits that only grow with each new notification of the
   * recipient, so a client that saw seq N resumes with everything after N (the SSE event id).
   */
  seq: string;
  /** When the recipient marked it read (ISO-8601). */
  readAt?: string;
}

/** A notification before the store gave it its sequence number. */
export type NewNotification = Omit<NotificationDoc, 'seq' | 'readAt'>;

/** A page of a recipient's notifications. */
export interface NotificationQuery {
  /** Newest first, only those with a smaller seq (the previous page's last). */
  before?: string;
  /** Oldest first, only those with a larger seq (resume a stream). Takes precedence over `before`. */
  after?: string;
  limit: number;
}

/** An org's webhook: where the org's events are delivered, signed with its secret. */
export interface WebhookDoc {
  webhookId: string;
  /** The MSP id of the org whose events it receives (the creating admin's home org). */
  org: string;
  /** http or https. */
  url: string;
  /** The HMAC-SHA256 key of the signatures; given to the admin once, at creation. */
  secret: string;
  createdAt: string;
  /** The admin who created it. */
  createdBy: string;
  /**
   * The last ledger event the dispatcher had handled when the webhook was created (`{blockNumber, txId}` as
   * JSON, or absent): the webhook gets the events of later blocks only, not the org's whole history.
   */
  after?: string;
}

/** Where a delivery stands: waiting for its (next) attempt, delivered, or given up (a dead letter). */
export type DeliveryStatus = 'PENDING' | 'DELIVERED' | 'DEAD';

/** One ledger event to deliver to one webhook. Ids and the event type only. */
export interface DeliveryDoc {
  /** Deterministic (event transaction + webhook), the same on every attempt and replay: the receiver's idempotency key. */
  deliveryId: string;
  webhookId: string;
  org: string;
  /** The ledger event's name (`AccessRequested`, ...). */
  event: string;
  /** The event's opaque ids as the ledger published them. */
  ids: Record<string, string>;
  txId: string;
  blockNumber: string;
  createdAt: string;
  status: DeliveryStatus;
  attempts: number;
  /** When the next attempt is due (ISO-8601); only while PENDING. */
  dueAt?: string;
  lastAttemptAt?: string;
  /** What the last failed attempt met: `HTTP <status>`, `timeout` or `unreachable`. */
  lastError?: string;
  deliveredAt?: string;
}

/**
 * Fast, list-friendly copy of the grants and access requests (Firestore or local). The ledger stays the
 * authority: a projection that is behind never grants anything. Upserts are idempotent by ledger id.
 */
export interface PermissionStore {
  upsertGrant(doc: GrantDoc): Promise<void>;
  getGrant(consentId: string): Promise<GrantDoc | undefined>;
  listGrants(filter: GrantFilter): Promise<GrantDoc[]>;
  upsertAccessRequest(doc: AccessRequestDoc): Promise<void>;
  getAccessRequest(requestId: string): Promise<AccessRequestDoc | undefined>;
  listAccessRequests(filter: AccessRequestFilter): Promise<AccessRequestDoc[]>;
  /**
   * Stores a notification unless one with its id exists (a replay): then the stored one is returned unchanged,
   * seq and read mark included.
   */
  addNotification(doc: NewNotification): Promise<{ doc: NotificationDoc; created: boolean }>;
  /** A recipient's notifications, newest first (or oldest first after `after`). */
  listNotifications(recipientId: string, query: NotificationQuery): Promise<NotificationDoc[]>;
  /** Marks a recipient's notification read (the first mark stays); undefined when the recipient has no such notification. */
  markNotificationRead(recipientId: string, notificationId: string, at: string): Promise<NotificationDoc | undefined>;
  /** Stores a new webhook (its id is fresh). */
  addWebhook(doc: WebhookDoc): Promise<void>;
  getWebhook(webhookId: string): Promise<WebhookDoc | undefined>;
  /** An org's webhooks (every org's without `org`), oldest first. */
  listWebhooks(org?: string): Promise<WebhookDoc[]>;
  /** Removes a webhook and every delivery to it. */
  deleteWebhook(webhookId: string): Promise<void>;
  /** Stores a delivery unless one with its id exists (a replayed event): answers whether it was new. */
  addDelivery(doc: DeliveryDoc): Promise<boolean>;
  getDelivery(deliveryId: string): Promise<DeliveryDoc | undefined>;
  /** Replaces a stored delivery (after an attempt, or a replay). */
  saveDelivery(doc: DeliveryDoc): Promise<void>;
  /** PENDING deliveries due at or before `until` (ISO-8601), the longest due first. */
  dueDeliveries(until: string, limit: number): Promise<DeliveryDoc[]>;
  /** An org's deliveries in one status (the dead letters), oldest first. */
  listDeliveries(org: string, status: DeliveryStatus, limit: number): Promise<DeliveryDoc[]>;
  /** Removes every grant and request of a patient, and the patient's notifications (erasure). */
  deletePatient(patientId: string): Promise<void>;
  /** Named checkpoint of the event projector (opaque string). */
  getCheckpoint(name: string): Promise<string | undefined>;
  setCheckpoint(name: string, value: string): Promise<void>;
  /**
   * Drops the whole projection (rebuild from the ledger). Webhooks and their deliveries stay: they are the orgs'
   * own settings, not a copy of the ledger, and a replayed event finds its delivery by id.
   */
  clear(): Promise<void>;
  ready(): Promise<void>;
  close(): Promise<void>;
}
