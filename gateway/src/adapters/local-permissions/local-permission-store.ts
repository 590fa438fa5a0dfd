import { ClassicLevel } from 'classic-level';
import { compactAll } from '../leveldb/compact-all.js';
import type {
  AccessRequestDoc,
  AccessRequestFilter,
  GrantDoc,
  GrantFilter,
  PermissionStore,
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
 * Lists are ordered by `createdAt`, then id. Writes are serialised so that a document and its index keys
 * change together in one batch.
 */
export class LocalPermissionStore implements PermissionStore {
  private readonly db: ClassicLevel<string, string>;
  private readonly grants: Kind<GrantDoc>;
  private readonly requests: Kind<AccessRequestDoc>;
  private readonly index;
  private readonly checkpoints;
  private opening: Promise<void> | undefined;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(options: LocalPermissionStoreOptions) {
    this.db = new ClassicLevel<string, string>(options.dir);
    this.index = this.db.sublevel('index');
    this.checkpoints = this.db.sublevel('checkpoint');
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
      await batch.write();
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

  /** Drops every document, index key and checkpoint, so that a rebuild replays the ledger from its start. */
  async clear(): Promise<void> {
    await this.ready();
    await this.exclusive(() => this.db.clear());
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

function matches(wanted: string | undefined, actual: string | undefined): boolean {
  return wanted === undefined || wanted === actual;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
