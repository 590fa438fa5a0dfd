import { ClassicLevel } from 'classic-level';
import { compactAll } from '../leveldb/compact-all.js';
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

/** Where {@link LocalPermissionStore} keeps its LevelDB. */
export interface LocalPermissionStoreOptions {
  dir: string;
}

/** Secondary keys of a document: index name -> value (undefined: not indexed under that name). */
type IndexValues = Record<string, string | undefined>;

function docLevel<D>(db: ClassicLevel<string, string>, name: string) {
  return db.sublevel<string, D>(name, { valueEncoding: 'json' });
}

/** One kind of document: where it lives, its ledger id and its secondary keys. */
interface Kind<D extends GrantDoc | AccessRequestDoc> {
  name: string;
  docs: ReturnType<typeof docLevel<D>>;
  id: (doc: D) => string;
  indexNames: readonly string[];
  indexes: (doc: D) => IndexValues;
}

/** Index keys are `kind/name/value/id` with the parts URI-encoded, so a value can never run into the next part. */
const indexPrefix = (kind: string, name: string, value: string): string =>
  `${kind}/${name}/${encodeURIComponent(value)}/`;

/**
 * The embedded profile's permission projection: grants and access requests as JSON in a LevelDB directory,
 * stored exactly as the port's GrantDoc / AccessRequestDoc (the document shape the Firestore adapter writes),
 * keyed by their ledger ids, with secondary keys for the patient, grantee and requester filters. An index only
 * narrows the scan; every listed document is checked against the whole filter, so lists are exact.
 * Lists are ordered by `createdAt`, then id. Notifications are kept per recipient under their sequence number
 * (`<recipient>/<seq>`), so a page or a resumed stream is one range read. Writes are serialised so that a document and its index keys
 * change together in one batch.
 */
export class LocalPermissionStore implements PermissionStore {
  private readonly db: ClassicLevel<string, string>;
  private readonly grants: Kind<GrantDoc>;
  private readonly requests: Kind<AccessRequestDoc>;
  private readonly index;
  private readonly checkpoints;
  /** `<recipient>/<seq>` -> notification; `<recipient>/<id>` -> seq; `<recipient>` -> last seq given. */
  private readonly notifications;
  private readonly notificationIds;
  private readonly notificationSeqs;
  /** Webhooks by id; deliveries by id, `<dueAt>/<deliveryId>` of the pending ones, `<webhookId>/<deliveryId>` of all. */
  private readonly webhooks;
  private readonly deliveries;
  private readonly deliveriesDue;
  private readonly deliveriesByWebhook;
  private opening: Promise<void> | undefined;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(options: LocalPermissionStoreOptions) {
    this.db = new ClassicLevel<string, string>(options.dir);
    this.index = this.db.sublevel('index');
    this.checkpoints = this.db.sublevel('checkpoint');
    this.notifications = this.db.sublevel<string, NotificationDoc>('notification', { valueEncoding: 'json' });
    this.notificationIds = this.db.sublevel('notification-id');
    this.notificationSeqs = this.db.sublevel('notification-seq');
    this.webhooks = this.db.sublevel<string, WebhookDoc>('webhook', { valueEncoding: 'json' });
    this.deliveries = this.db.sublevel<string, DeliveryDoc>('delivery', { valueEncoding: 'json' });
    this.deliveriesDue = this.db.sublevel('delivery-due');
    this.deliveriesByWebhook = this.db.sublevel('delivery-by-webhook');
    this.grants = {
      name: 'grant',
      docs: docLevel<GrantDoc>(this.db, 'grant'),
      id: (doc) => doc.consentId,
      indexNames: ['patientId', 'granteeUserId', 'granteeOrg'],
      indexes: (doc) => ({
        patientId: doc.patientId,
        granteeUserId: doc.grantee.kind === 'user' ? doc.grantee.userId : undefined,
        granteeOrg: doc.grantee.kind === 'org' ? doc.grantee.org : undefined,
      }),
    };
    this.requests = {
      name: 'request',
      docs: docLevel<AccessRequestDoc>(this.db, 'request'),
      id: (doc) => doc.requestId,
      indexNames: ['patientId', 'requesterId'],
      indexes: (doc) => ({ patientId: doc.patientId, requesterId: doc.requesterId }),
    };
  }

  /** Opens the database on first call; afterwards checks that it is still open. */
  async ready(): Promise<void> {
    this.opening ??= this.db.open();
    await this.opening;
    if (this.db.status !== 'open') throw new Error('local permission store is closed');
  }

  /**
   * Compacts the LevelDB so that deleted documents leave its files (LevelDB keeps them in its log and
   * tables until it compacts them).
   */
  async reclaim(): Promise<void> {
    await this.ready();
    await compactAll(this.db);
  }

  async close(): Promise<void> {
    if (this.opening === undefined) return;
    await this.opening.catch(() => undefined);
    await this.db.close();
  }

  upsertGrant(doc: GrantDoc): Promise<void> {
    return this.upsert(this.grants, doc);
  }

  getGrant(consentId: string): Promise<GrantDoc | undefined> {
    return this.get(this.grants, consentId);
  }

  listGrants(filter: GrantFilter): Promise<GrantDoc[]> {
    return this.list(
      this.grants,
      filter,
      (doc) =>
        matches(filter.patientId, doc.patientId) &&
        matches(filter.status, doc.status) &&
        matches(filter.granteeUserId, doc.grantee.kind === 'user' ? doc.grantee.userId : undefined) &&
        matches(filter.granteeOrg, doc.grantee.kind === 'org' ? doc.grantee.org : undefined),
    );
  }

  upsertAccessRequest(doc: AccessRequestDoc): Promise<void> {
    return this.upsert(this.requests, doc);
  }

  getAccessRequest(requestId: string): Promise<AccessRequestDoc | undefined> {
    return this.get(this.requests, requestId);
  }

  listAccessRequests(filter: AccessRequestFilter): Promise<AccessRequestDoc[]> {
    return this.list(
      this.requests,
      filter,
      (doc) =>
        matches(filter.patientId, doc.patientId) &&
        matches(filter.requesterId, doc.requesterId) &&
        matches(filter.status, doc.status),
    );
  }

  async deletePatient(patientId: string): Promise<void> {
    await this.ready();
    await this.exclusive(async () => {
      const batch = this.db.batch();
      const remove = async <D extends GrantDoc | AccessRequestDoc>(kind: Kind<D>): Promise<void> => {
        for (const doc of await this.lookup(kind, 'patientId', patientId)) {
          if (doc.patientId !== patientId) continue;
          batch.del(kind.id(doc), { sublevel: kind.docs });
          for (const key of this.indexKeys(kind, doc)) batch.del(key, { sublevel: this.index });
        }
      };
      await remove(this.grants);
      await remove(this.requests);
      const prefix = `${encodeURIComponent(patientId)}/`;
      const range = { gte: prefix, lt: `${prefix}\x7f` };
      for (const key of await this.notifications.keys(range).all()) batch.del(key, { sublevel: this.notifications });
      for (const key of await this.notificationIds.keys(range).all()) batch.del(key, { sublevel: this.notificationIds });
      batch.del(encodeURIComponent(patientId), { sublevel: this.notificationSeqs });
      await batch.write();
    });
  }

  async addNotification(doc: NewNotification): Promise<{ doc: NotificationDoc; created: boolean }> {
    if (typeof doc.notificationId !== 'string' || doc.notificationId === '') throw new TypeError('notification id must be a non-empty string');
    await this.ready();
    return this.exclusive(async () => {
      const recipient = encodeURIComponent(doc.recipientId);
      const existing = await this.notificationIds.get(`${recipient}/${encodeURIComponent(doc.notificationId)}`);
      if (existing !== undefined) {
        const stored = await this.notifications.get(`${recipient}/${existing}`);
        if (stored !== undefined) return { doc: stored, created: false };
      }
      const last = await this.notificationSeqs.get(recipient);
      const seq = toSeq((last === undefined ? 0 : Number(last)) + 1);
      const stored: NotificationDoc = { ...doc, seq };
      await this.db
        .batch()
        .put(`${recipient}/${seq}`, stored, { sublevel: this.notifications })
        .put(`${recipient}/${encodeURIComponent(doc.notificationId)}`, seq, { sublevel: this.notificationIds })
        .put(recipient, seq, { sublevel: this.notificationSeqs })
        .write();
      return { doc: stored, created: true };
    });
  }

  async listNotifications(recipientId: string, query: NotificationQuery): Promise<NotificationDoc[]> {
    await this.ready();
    const prefix = `${encodeURIComponent(recipientId)}/`;
    if (query.after !== undefined) {
      return this.notifications.values({ gt: prefix + query.after, lt: `${prefix}\x7f`, limit: query.limit }).all();
    }
    const upper = query.before === undefined ? `${prefix}\x7f` : prefix + query.before;
    return this.notifications.values({ gte: prefix, lt: upper, reverse: true, limit: query.limit }).all();
  }

  async markNotificationRead(recipientId: string, notificationId: string, at: string): Promise<NotificationDoc | undefined> {
    await this.ready();
    return this.exclusive(async () => {
      const recipient = encodeURIComponent(recipientId);
      const seq = await this.notificationIds.get(`${recipient}/${encodeURIComponent(notificationId)}`);
      if (seq === undefined) return undefined;
      const doc = await this.notifications.get(`${recipient}/${seq}`);
      if (doc === undefined || doc.readAt !== undefined) return doc;
      const read = { ...doc, readAt: at };
      await this.notifications.put(`${recipient}/${seq}`, read);
      return read;
    });
  }

  async getCheckpoint(name: string): Promise<string | undefined> {
    await this.ready();
    return this.checkpoints.get(name);
  }

  async setCheckpoint(name: string, value: string): Promise<void> {
    await this.ready();
    await this.checkpoints.put(name, value);
  }

  /**
   * Drops every document, index key and checkpoint, so that a rebuild replays the ledger from its start; the
   * webhooks and their deliveries stay (the orgs' settings; a replayed event finds its delivery by id).
   */
  async clear(): Promise<void> {
    await this.ready();
    await this.exclusive(async () => {
      for (const level of [this.grants.docs, this.requests.docs, this.index, this.checkpoints, this.notifications, this.notificationIds, this.notificationSeqs]) {
        await level.clear();
      }
    });
  }

  async addWebhook(doc: WebhookDoc): Promise<void> {
    if (typeof doc.webhookId !== 'string' || doc.webhookId === '') throw new TypeError('webhook id must be a non-empty string');
    await this.ready();
    await this.exclusive(() => this.webhooks.put(doc.webhookId, doc));
  }

  async getWebhook(webhookId: string): Promise<WebhookDoc | undefined> {
    await this.ready();
    return this.webhooks.get(webhookId);
  }

  async listWebhooks(org?: string): Promise<WebhookDoc[]> {
    await this.ready();
    const all = await this.webhooks.values().all();
    return all.filter((w) => matches(org, w.org)).sort((a, b) => compare(a.createdAt, b.createdAt) || compare(a.webhookId, b.webhookId));
  }

  async deleteWebhook(webhookId: string): Promise<void> {
    await this.ready();
    await this.exclusive(async () => {
      const prefix = `${encodeURIComponent(webhookId)}/`;
      const keys = await this.deliveriesByWebhook.keys({ gte: prefix, lt: `${prefix}\x7f` }).all();
      const ids = keys.map((key) => key.slice(prefix.length));
      const docs = ids.length === 0 ? [] : await this.deliveries.getMany(ids);
      const batch = this.db.batch().del(webhookId, { sublevel: this.webhooks });
      for (const doc of docs) {
        if (doc === undefined) continue;
        batch.del(doc.deliveryId, { sublevel: this.deliveries });
        if (doc.dueAt !== undefined) batch.del(dueKey(doc), { sublevel: this.deliveriesDue });
      }
      for (const key of keys) batch.del(key, { sublevel: this.deliveriesByWebhook });
      await batch.write();
    });
  }

  async addDelivery(doc: DeliveryDoc): Promise<boolean> {
    if (typeof doc.deliveryId !== 'string' || doc.deliveryId === '') throw new TypeError('delivery id must be a non-empty string');
    await this.ready();
    return this.exclusive(async () => {
      if ((await this.deliveries.get(doc.deliveryId)) !== undefined) return false;
      const batch = this.db
        .batch()
        .put(doc.deliveryId, doc, { sublevel: this.deliveries })
        .put(`${encodeURIComponent(doc.webhookId)}/${doc.deliveryId}`, '', { sublevel: this.deliveriesByWebhook });
      if (doc.dueAt !== undefined) batch.put(dueKey(doc), '', { sublevel: this.deliveriesDue });
      await batch.write();
      return true;
    });
  }

  async getDelivery(deliveryId: string): Promise<DeliveryDoc | undefined> {
    await this.ready();
    return this.deliveries.get(deliveryId);
  }

  async saveDelivery(doc: DeliveryDoc): Promise<void> {
    await this.ready();
    await this.exclusive(async () => {
      const old = await this.deliveries.get(doc.deliveryId);
      const batch = this.db.batch().put(doc.deliveryId, doc, { sublevel: this.deliveries });
      if (old === undefined) batch.put(`${encodeURIComponent(doc.webhookId)}/${doc.deliveryId}`, '', { sublevel: this.deliveriesByWebhook });
      if (old?.dueAt !== undefined) batch.del(dueKey(old), { sublevel: this.deliveriesDue });
      if (doc.dueAt !== undefined) batch.put(dueKey(doc), '', { sublevel: this.deliveriesDue });
      await batch.write();
    });
  }

  async dueDeliveries(until: string, limit: number): Promise<DeliveryDoc[]> {
    await this.ready();
    // Keys sort by due time; `until/\x7f` takes in every id due exactly at `until`.
    const keys = await this.deliveriesDue.keys({ lte: `${until}/\x7f`, limit }).all();
    const ids = keys.map((key) => key.slice(key.indexOf('/') + 1));
    const docs = ids.length === 0 ? [] : await this.deliveries.getMany(ids);
    return docs.filter((doc): doc is DeliveryDoc => doc !== undefined && doc.status === 'PENDING');
  }

  async listDeliveries(org: string, status: DeliveryStatus, limit: number): Promise<DeliveryDoc[]> {
    await this.ready();
    const found: DeliveryDoc[] = [];
    for (const webhook of await this.listWebhooks(org)) {
      const prefix = `${encodeURIComponent(webhook.webhookId)}/`;
      const ids = (await this.deliveriesByWebhook.keys({ gte: prefix, lt: `${prefix}\x7f` }).all()).map((key) => key.slice(prefix.length));
      const docs = ids.length === 0 ? [] : await this.deliveries.getMany(ids);
      for (const doc of docs) if (doc !== undefined && doc.status === status && doc.org === org) found.push(doc);
    }
    return found.sort((a, b) => compare(a.createdAt, b.createdAt) || compare(a.deliveryId, b.deliveryId)).slice(0, limit);
  }

  private async upsert<D extends GrantDoc | AccessRequestDoc>(kind: Kind<D>, doc: D): Promise<void> {
    const id = kind.id(doc);
    if (typeof id !== 'string' || id === '')
      throw new TypeError(`${kind.name} id must be a non-empty string`);
    await this.ready();
    await this.exclusive(async () => {
      const old = await kind.docs.get(id);
      const next = new Set(this.indexKeys(kind, doc));
      const batch = this.db.batch().put(id, doc, { sublevel: kind.docs });
      for (const key of old === undefined ? [] : this.indexKeys(kind, old)) {
        if (!next.has(key)) batch.del(key, { sublevel: this.index });
      }
      for (const key of next) batch.put(key, '', { sublevel: this.index });
      await batch.write();
    });
  }

  private async get<D extends GrantDoc | AccessRequestDoc>(
    kind: Kind<D>,
    id: string,
  ): Promise<D | undefined> {
    await this.ready();
    return kind.docs.get(id);
  }

  private async list<D extends GrantDoc | AccessRequestDoc>(
    kind: Kind<D>,
    filter: object,
    accept: (doc: D) => boolean,
  ): Promise<D[]> {
    await this.ready();
    // The first indexed field of the filter narrows the scan; `accept` then checks the whole filter.
    const probe = Object.entries(filter).find(
      (entry): entry is [string, string] =>
        typeof entry[1] === 'string' && kind.indexNames.includes(entry[0]),
    );
    const candidates =
      probe === undefined ? await this.scan(kind) : await this.lookup(kind, probe[0], probe[1]);
    return candidates
      .filter(accept)
      .sort((a, b) => compare(a.createdAt, b.createdAt) || compare(kind.id(a), kind.id(b)));
  }

  private async scan<D extends GrantDoc | AccessRequestDoc>(kind: Kind<D>): Promise<D[]> {
    return kind.docs.values().all();
  }

  /** Documents listed under index `name` = `value`. */
  private async lookup<D extends GrantDoc | AccessRequestDoc>(
    kind: Kind<D>,
    name: string,
    value: string,
  ): Promise<D[]> {
    const prefix = indexPrefix(kind.name, name, value);
    const keys = await this.index.keys({ gte: prefix, lt: `${prefix}\x7f` }).all();
    const ids = keys.map((key) => decodeURIComponent(key.slice(prefix.length)));
    const docs = ids.length === 0 ? [] : await kind.docs.getMany(ids);
    return docs.filter((doc): doc is D => doc !== undefined);
  }

  private indexKeys<D extends GrantDoc | AccessRequestDoc>(kind: Kind<D>, doc: D): string[] {
    const id = encodeURIComponent(kind.id(doc));
    return Object.entries(kind.indexes(doc))
      .filter((entry): entry is [string, string] => entry[1] !== undefined)
      .map(([name, value]) => indexPrefix(kind.name, name, value) + id);
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn);
    this.tail = run.catch(() => undefined);
    return run;
  }
}

/** A pending delivery's key in the due index: its due time, then its id. */
function dueKey(doc: DeliveryDoc): string {
  return `${doc.dueAt}/${doc.deliveryId}`;
}

/** A sequence number as the port's fixed-width string, so that key order is number order. */
function toSeq(n: number): string {
  return String(n).padStart(16, '0');
}

function matches(wanted: string | undefined, actual: string | undefined): boolean {
  return wanted === undefined || wanted === actual;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
