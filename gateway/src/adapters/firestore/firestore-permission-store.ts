import type { CollectionReference, Firestore, Query } from 'firebase-admin/firestore';
import type {
  AccessRequestDoc,
  AccessRequestFilter,
  DeliveryDoc,
  DeliveryStatus,
  GrantDoc,
  GrantFilter,
  NewNotification,
  NotificationDoc,
  NotificationQuery,
  PermissionStore,
  WebhookDoc,
} from '../../ports/permission-store.js';
import { DependencyUnavailableError } from '../../ports/dependency.js';

/** Where {@link FirestorePermissionStore} keeps its documents. */
export interface FirestorePermissionStoreOptions {
  /** A firebase-admin Firestore (`getFirestore(app)`, see `createFirestore`); the store terminates it on close. */
  firestore: Firestore;
  /**
   * Prepended to the collection names (`<prefix>-grants`, ...), so that several deployments or test runs can
   * share one database. Letters, digits, `_` and `-`. Default: no prefix (`grants`, `accessRequests`, `checkpoints`, `notifications`, `webhooks`, `webhookDeliveries`).
   */
  prefix?: string;
  /** How long {@link FirestorePermissionStore.ready} waits for Firestore to answer (default 10 000 ms). */
  readyTimeoutMs?: number;
  /**
   * Deadline of every other call, ms (default 10 000). The client retries an unreachable server for about 45 s
   * by itself; after the deadline the call fails with a {@link DependencyUnavailableError} instead.
   */
  callTimeoutMs?: number;
  /** How long {@link FirestorePermissionStore.close} waits for requests still in flight (default 5 000 ms). */
  closeTimeoutMs?: number;
}

/** Base names of the collections, before the prefix. */
export const FIRESTORE_COLLECTIONS = {
  grants: 'grants',
  accessRequests: 'accessRequests',
  checkpoints: 'checkpoints',
  notifications: 'notifications',
  webhooks: 'webhooks',
  webhookDeliveries: 'webhookDeliveries',
} as const;

/** Each recipient's notifications live under `notifications/<recipientId>/items/<notificationId>`. */
const NOTIFICATION_ITEMS = 'items';

/** Firestore allows at most 500 writes in one batch. */
const BATCH_LIMIT = 500;
const PREFIX = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/;

/** The stored shape of a checkpoint document. */
interface CheckpointDoc {
  value: string;
}

/** The stored shape of a recipient's document: the last sequence number given. */
interface RecipientDoc {
  last: number;
}

/**
 * The network profile's permission projection: grants and access requests in Firestore, one document per ledger
 * id (`grants/<consentId>`, `accessRequests/<requestId>`), stored exactly as the port's GrantDoc /
 * AccessRequestDoc — the same shape the local store keeps. An upsert replaces the whole document, so replaying
 * it changes nothing. Lists use equality filters only (Firestore serves those from its automatic single-field
 * indexes, so no composite index has to be deployed) and are ordered here by `createdAt`, then id, like the
 * local store's.
 */
export class FirestorePermissionStore implements PermissionStore {
  private readonly firestore: Firestore;
  private readonly grants: CollectionReference;
  private readonly requests: CollectionReference;
  private readonly checkpoints: CollectionReference;
  private readonly notifications: CollectionReference;
  private readonly webhooks: CollectionReference;
  private readonly deliveries: CollectionReference;
  private readonly readyTimeoutMs: number;
  private readonly callTimeoutMs: number;
  private readonly closeTimeoutMs: number;
  private closing: Promise<void> | undefined;
  /** Calls that have not settled yet (each settles within its deadline): closing waits for them. */
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(options: FirestorePermissionStoreOptions) {
    const prefix = options.prefix ?? '';
    if (prefix !== '' && !PREFIX.test(prefix)) {
      throw new TypeError(
        "prefix must be 1-100 letters, digits, '_' or '-', starting with a letter or digit",
      );
    }
    this.readyTimeoutMs = positiveInteger('readyTimeoutMs', options.readyTimeoutMs ?? 10_000);
    this.callTimeoutMs = positiveInteger('callTimeoutMs', options.callTimeoutMs ?? 10_000);
    this.closeTimeoutMs = positiveInteger('closeTimeoutMs', options.closeTimeoutMs ?? 5_000);
    const name = (base: string): string => (prefix === '' ? base : `${prefix}-${base}`);
    this.firestore = options.firestore;
    this.grants = this.firestore.collection(name(FIRESTORE_COLLECTIONS.grants));
    this.requests = this.firestore.collection(name(FIRESTORE_COLLECTIONS.accessRequests));
    this.checkpoints = this.firestore.collection(name(FIRESTORE_COLLECTIONS.checkpoints));
    this.notifications = this.firestore.collection(name(FIRESTORE_COLLECTIONS.notifications));
    this.webhooks = this.firestore.collection(name(FIRESTORE_COLLECTIONS.webhooks));
    this.deliveries = this.firestore.collection(name(FIRESTORE_COLLECTIONS.webhookDeliveries));
  }

  /** One cheap read (at most one checkpoint document); fails when Firestore does not answer in time. */
  async ready(): Promise<void> {
    // Against an unreachable server the client retries for about 45 s (measured): answer sooner.
    await this.bounded(() => this.checkpoints.limit(1).get(), this.readyTimeoutMs);
  }

  /**
   * Refuses new calls at once, lets the calls in flight settle (each within its deadline), then terminates the
   * Firestore instance (its gRPC channels). A call must not meet a terminated client: a query that reaches it
   * after termination never settles, and the client rejects a promise of its own that nobody can handle (an
   * unhandled rejection, which ends a Node process) — and a query asked for just before close reaches it a
   * moment later. Termination itself waits for requests the server has not answered, which against an
   * unreachable server retry for about 45 s: after `closeTimeoutMs` this resolves and lets it finish in the
   * background.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      let timer: NodeJS.Timeout | undefined;
      const gaveUp = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, this.closeTimeoutMs);
      });
      const inFlight = [...this.inFlight];
      const terminated = Promise.allSettled(inFlight).then(() => this.firestore.terminate());
      try {
        await Promise.race([terminated, gaveUp]);
      } finally {
        clearTimeout(timer);
      }
    })();
    return this.closing;
  }

  async upsertGrant(doc: GrantDoc): Promise<void> {
    await this.bounded(() => this.grants.doc(documentId('consentId', doc.consentId)).set(plain(doc)));
  }

  async getGrant(consentId: string): Promise<GrantDoc | undefined> {
    const snapshot = await this.bounded(() => this.grants.doc(documentId('consentId', consentId)).get());
    return snapshot.exists ? (snapshot.data() as GrantDoc) : undefined;
  }

  async listGrants(filter: GrantFilter): Promise<GrantDoc[]> {
    // A grantee is either a user or an org: asking for both can match nothing.
    if (filter.granteeUserId !== undefined && filter.granteeOrg !== undefined) return [];
    let query: Query = this.grants;
    if (filter.patientId !== undefined) query = query.where('patientId', '==', filter.patientId);
    if (filter.status !== undefined) query = query.where('status', '==', filter.status);
    // The kind is part of the filter so that a user id never matches an org of the same name.
    if (filter.granteeUserId !== undefined) {
      query = query.where('grantee.kind', '==', 'user').where('grantee.userId', '==', filter.granteeUserId);
    }
    if (filter.granteeOrg !== undefined) {
      query = query.where('grantee.kind', '==', 'org').where('grantee.org', '==', filter.granteeOrg);
    }
    const snapshot = await this.bounded(() => query.get());
    return sortByCreation(
      snapshot.docs.map((d) => d.data() as GrantDoc),
      (doc) => doc.consentId,
    );
  }

  async upsertAccessRequest(doc: AccessRequestDoc): Promise<void> {
    await this.bounded(() => this.requests.doc(documentId('requestId', doc.requestId)).set(plain(doc)));
  }

  async getAccessRequest(requestId: string): Promise<AccessRequestDoc | undefined> {
    const snapshot = await this.bounded(() => this.requests.doc(documentId('requestId', requestId)).get());
    return snapshot.exists ? (snapshot.data() as AccessRequestDoc) : undefined;
  }

  async listAccessRequests(filter: AccessRequestFilter): Promise<AccessRequestDoc[]> {
    let query: Query = this.requests;
    if (filter.patientId !== undefined) query = query.where('patientId', '==', filter.patientId);
    if (filter.requesterId !== undefined) query = query.where('requesterId', '==', filter.requesterId);
    if (filter.status !== undefined) query = query.where('status', '==', filter.status);
    const snapshot = await this.bounded(() => query.get());
    return sortByCreation(
      snapshot.docs.map((d) => d.data() as AccessRequestDoc),
      (doc) => doc.requestId,
    );
  }

  /**
   * In one transaction: returns the stored notification of that id, or gives the next sequence number of the
   * recipient and stores it.
   */
  async addNotification(doc: NewNotification): Promise<{ doc: NotificationDoc; created: boolean }> {
    const recipient = this.notifications.doc(documentId('recipient id', doc.recipientId));
    const item = recipient.collection(NOTIFICATION_ITEMS).doc(documentId('notification id', doc.notificationId));
    return this.bounded(() =>
      this.firestore.runTransaction(async (tx) => {
        const [existing, counter] = await Promise.all([tx.get(item), tx.get(recipient)]);
        if (existing.exists) return { doc: existing.data() as NotificationDoc, created: false };
        const next = ((counter.data() as RecipientDoc | undefined)?.last ?? 0) + 1;
        const stored: NotificationDoc = { ...doc, seq: String(next).padStart(16, '0') };
        tx.set(recipient, { last: next } satisfies RecipientDoc);
        tx.set(item, plain(stored));
        return { doc: stored, created: true };
      }),
    );
  }

  /** One ordered query on `seq` inside the recipient's own collection (served by the automatic single-field index). */
  async listNotifications(recipientId: string, query: NotificationQuery): Promise<NotificationDoc[]> {
    const items = this.notifications.doc(documentId('recipient id', recipientId)).collection(NOTIFICATION_ITEMS);
    let q: Query;
    if (query.after !== undefined) q = items.where('seq', '>', query.after).orderBy('seq', 'asc');
    else if (query.before !== undefined) q = items.where('seq', '<', query.before).orderBy('seq', 'desc');
    else q = items.orderBy('seq', 'desc');
    const snapshot = await this.bounded(() => q.limit(query.limit).get());
    return snapshot.docs.map((d) => d.data() as NotificationDoc);
  }

  async markNotificationRead(recipientId: string, notificationId: string, at: string): Promise<NotificationDoc | undefined> {
    const item = this.notifications
      .doc(documentId('recipient id', recipientId))
      .collection(NOTIFICATION_ITEMS)
      .doc(documentId('notification id', notificationId));
    return this.bounded(() =>
      this.firestore.runTransaction(async (tx) => {
        const snapshot = await tx.get(item);
        if (!snapshot.exists) return undefined;
        const doc = snapshot.data() as NotificationDoc;
        if (doc.readAt !== undefined) return doc;
        tx.update(item, { readAt: at });
        return { ...doc, readAt: at };
      }),
    );
  }

  /** Deletes the patient's grants and requests in batches of up to 500, and the patient's notifications; checkpoints stay. */
  async deletePatient(patientId: string): Promise<void> {
    for (const collection of [this.grants, this.requests]) {
      await this.deleteMatching(collection.where('patientId', '==', patientId));
    }
    await this.bounded(() => this.firestore.recursiveDelete(this.notifications.doc(documentId('patient id', patientId))));
  }

  async addWebhook(doc: WebhookDoc): Promise<void> {
    await this.bounded(() => this.webhooks.doc(documentId('webhook id', doc.webhookId)).create(plain(doc)));
  }

  async getWebhook(webhookId: string): Promise<WebhookDoc | undefined> {
    const snapshot = await this.bounded(() => this.webhooks.doc(documentId('webhook id', webhookId)).get());
    return snapshot.exists ? (snapshot.data() as WebhookDoc) : undefined;
  }

  async listWebhooks(org?: string): Promise<WebhookDoc[]> {
    const query: Query = org === undefined ? this.webhooks : this.webhooks.where('org', '==', org);
    const snapshot = await this.bounded(() => query.get());
    return sortByCreation(snapshot.docs.map((d) => d.data() as WebhookDoc), (doc) => doc.webhookId);
  }

  /** Deletes the webhook's deliveries in batches of up to 500, then the webhook. */
  async deleteWebhook(webhookId: string): Promise<void> {
    await this.deleteMatching(this.deliveries.where('webhookId', '==', documentId('webhook id', webhookId)));
    await this.bounded(() => this.webhooks.doc(webhookId).delete());
  }

  /** Deletes every document the query matches, in batches of up to 500 (each a bounded read and a bounded commit). */
  private async deleteMatching(where: Query): Promise<void> {
    const query = where.select().limit(BATCH_LIMIT);
    // Each round deletes what the query found, so the next round sees the rest.
    for (;;) {
      const snapshot = await this.bounded(() => query.get());
      if (snapshot.empty) break;
      const batch = this.firestore.batch();
      for (const doc of snapshot.docs) batch.delete(doc.ref);
      await this.bounded(() => batch.commit());
      if (snapshot.size < BATCH_LIMIT) break;
    }
  }

  async addDelivery(doc: DeliveryDoc): Promise<boolean> {
    const ref = this.deliveries.doc(documentId('delivery id', doc.deliveryId));
    try {
      await this.bounded(() => ref.create(plain(doc)));
      return true;
    } catch (error) {
      // gRPC ALREADY_EXISTS: a replayed event's delivery.
      if ((error as { code?: unknown } | undefined)?.code === 6) return false;
      throw error;
    }
  }

  async getDelivery(deliveryId: string): Promise<DeliveryDoc | undefined> {
    const snapshot = await this.bounded(() => this.deliveries.doc(documentId('delivery id', deliveryId)).get());
    return snapshot.exists ? (snapshot.data() as DeliveryDoc) : undefined;
  }

  /** A whole-document set: a delivery that is no longer pending loses its `dueAt`, and with it its place in the due query. */
  async saveDelivery(doc: DeliveryDoc): Promise<void> {
    await this.bounded(() => this.deliveries.doc(documentId('delivery id', doc.deliveryId)).set(plain(doc)));
  }

  /** One range query on `dueAt` alone (automatic single-field index): only pending deliveries have the field. */
  async dueDeliveries(until: string, limit: number): Promise<DeliveryDoc[]> {
    const snapshot = await this.bounded(() => this.deliveries.where('dueAt', '<=', until).orderBy('dueAt', 'asc').limit(limit).get());
    return snapshot.docs.map((d) => d.data() as DeliveryDoc).filter((doc) => doc.status === 'PENDING');
  }

  /** Equality filters only (no composite index); ordered here. */
  async listDeliveries(org: string, status: DeliveryStatus, limit: number): Promise<DeliveryDoc[]> {
    const snapshot = await this.bounded(() => this.deliveries.where('org', '==', org).where('status', '==', status).get());
    return sortByCreation(snapshot.docs.map((d) => d.data() as DeliveryDoc), (doc) => doc.deliveryId).slice(0, limit);
  }

  async getCheckpoint(name: string): Promise<string | undefined> {
    const snapshot = await this.bounded(() => this.checkpoints.doc(documentId('checkpoint name', name)).get());
    return snapshot.exists ? (snapshot.data() as CheckpointDoc).value : undefined;
  }

  async setCheckpoint(name: string, value: string): Promise<void> {
    if (typeof value !== 'string') throw new TypeError('checkpoint value must be a string');
    const doc: CheckpointDoc = { value };
    await this.bounded(() => this.checkpoints.doc(documentId('checkpoint name', name)).set(doc));
  }

  /** One Firestore call within a deadline (the call deadline unless given), refused once the store is closing. */
  private async bounded<T>(call: () => Promise<T>, ms = this.callTimeoutMs): Promise<T> {
    this.refuseWhenClosed();
    const answer = within(call(), ms);
    const forget = (): void => void this.inFlight.delete(settled);
    const settled: Promise<void> = answer.then(forget, forget);
    this.inFlight.add(settled);
    return answer;
  }

  private refuseWhenClosed(): void {
    if (this.closing !== undefined) throw new Error('Firestore permission store is closed');
  }

  /** Drops every grant, request, notification and checkpoint, so that a rebuild replays the ledger from its start. */
  async clear(): Promise<void> {
    for (const collection of [this.grants, this.requests, this.checkpoints, this.notifications]) {
      this.refuseWhenClosed();
      await this.firestore.recursiveDelete(collection);
    }
  }
}

/**
 * Settles like `promise`, or rejects with a {@link DependencyUnavailableError} after `ms` (the promise keeps
 * running, its outcome handled). The client's own "unavailable" and "deadline exceeded" answers are the same.
 */
async function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DependencyUnavailableError('permission-store', 'timeout', { timeoutMs: ms })), ms);
  });
  promise.catch(() => undefined);
  try {
    return await Promise.race([promise, timeout]);
  } catch (error) {
    // gRPC status UNAVAILABLE (14) and DEADLINE_EXCEEDED (4), as Firestore's client reports them.
    const code = (error as { code?: unknown } | undefined)?.code;
    if (code === 14 || code === 4) throw new DependencyUnavailableError('permission-store', code === 4 ? 'timeout' : 'unreachable', { timeoutMs: ms, cause: error });
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value <= 0) throw new RangeError(`${name} must be a positive integer`);
  return value;
}

/**
 * A ledger id as a Firestore document id. Ledger ids are letters, digits, `.`, `_`, `-`; anything Firestore
 * would read as a path or reserve (`/`, `.`, `..`, `__x__`) is refused rather than silently re-keyed.
 */
function documentId(what: string, id: string): string {
  if (
    typeof id !== 'string' ||
    id === '' ||
    id === '.' ||
    id === '..' ||
    id.includes('/') ||
    /^__.*__$/.test(id) ||
    Buffer.byteLength(id) > 1500
  ) {
    throw new TypeError(`${what} is not usable as a Firestore document id`);
  }
  return id;
}

/** The document as plain JSON data: Firestore refuses `undefined`, the port's optional fields are just absent. */
function plain<D extends object>(doc: D): Record<string, unknown> {
  return JSON.parse(JSON.stringify(doc)) as Record<string, unknown>;
}

function sortByCreation<D extends { createdAt: string }>(docs: D[], id: (doc: D) => string): D[] {
  return docs.sort((a, b) => compare(a.createdAt, b.createdAt) || compare(id(a), id(b)));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
