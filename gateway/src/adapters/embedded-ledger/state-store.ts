import { createHash } from 'node:crypto';
import protos from '@hyperledger/fabric-protos';
import { ClassicLevel } from 'classic-level';
import { marshal } from '@careledger/chaincode';
import { compactAll } from '../leveldb/compact-all.js';
import type { Timestamp } from 'google-protobuf/google/protobuf/timestamp_pb.js';

const { ledger } = protos;

/** One buffered write of a transaction to a key; the last one per key wins, like Fabric's write set. */
export type StateWrite = { kind: 'put'; value: Uint8Array } | { kind: 'delete' } | { kind: 'purge' };

/** Everything a successful transaction changes, applied as one LevelDB batch. */
export interface WriteSet {
  txId: string;
  timestamp: Timestamp;
  /** collection ('' = public) -> key -> write */
  writes: Map<string, Map<string, StateWrite>>;
  /** collection -> key -> metakey -> value (an empty value removes the metakey) */
  metadata: Map<string, Map<string, Map<string, Uint8Array>>>;
  event?: { name: string; payload: Uint8Array };
}

/** A committed chaincode event as stored. */
export interface StoredEvent {
  blockNumber: bigint;
  txId: string;
  eventName: string;
  payload: Uint8Array;
}

/** The LevelDB iterator surface {@link Cursor} needs. */
interface EntryIterator {
  nextv(size: number): Promise<Array<[string, Buffer]>>;
  close(): Promise<void>;
}

/**
 * A lazy, forward-only read over LevelDB with one entry of look-ahead, because the shim's iterators
 * trust `hasMore`: a page that says "more" must never be followed by an empty one.
 */
export class Cursor<T> {
  private buffered: T[] = [];
  private exhausted = false;

  constructor(
    private readonly iterator: EntryIterator,
    private readonly decode: (key: string, value: Buffer) => T,
  ) {}

  /** Up to `count` entries, and whether any remain. */
  async take(count: number): Promise<{ items: T[]; hasMore: boolean }> {
    while (!this.exhausted && this.buffered.length <= count) {
      const entries = await this.iterator.nextv(count + 1 - this.buffered.length);
      if (entries.length === 0) {
        this.exhausted = true;
        await this.iterator.close();
      } else {
        this.buffered.push(...entries.map(([key, value]) => this.decode(key, value)));
      }
    }
    const items = this.buffered.splice(0, count);
    return { items, hasMore: this.buffered.length > 0 };
  }

  async close(): Promise<void> {
    this.buffered = [];
    if (!this.exhausted) {
      this.exhausted = true;
      await this.iterator.close();
    }
  }
}

/**
 * The store's layout version. 3: a patient's data lives in the home org's own collection (`org_<MSP>`) and what
 * another org may read of it in the share the home org keeps for that org (`share_<HOME>_<READER>`); the
 * registry in the orgs' directories (`dir_<MSP>`). Older stores are moved over once, when opened: format 1
 * (registry in public state, data keys in `_implicit_org_<MSP>`) to 2, then format 2 (patient data in the
 * collection `patientData` every org received, other orgs' data keys in their own collections) to 3.
 */
const FORMAT = '3';
const SEP = '\x00';
// Collections cannot contain NUL (checked by the simulator), so `<tag>\0<collection>\0` is an unambiguous prefix
// and the key may be anything after it. LevelDB orders by bytes, i.e. by the keys' UTF-8 bytes, as Fabric does.
const stateKey = (collection: string, key: string): string => `s${SEP}${collection}${SEP}${key}`;
const hashKey = (collection: string, key: string): string => `h${SEP}${collection}${SEP}${key}`;
const metadataKey = (collection: string, key: string): string => `m${SEP}${collection}${SEP}${key}`;
// History keys hex-encode the state key: composite keys contain NUL and would otherwise prefix-match others.
const historyPrefix = (key: string): string => `k${SEP}${Buffer.from(key, 'utf8').toString('hex')}${SEP}`;
const blockPart = (block: bigint): string => block.toString().padStart(20, '0');
const eventKey = (block: bigint): string => `e${SEP}${blockPart(block)}`;
const HEIGHT_KEY = `x${SEP}height`;
const FORMAT_KEY = `x${SEP}format`;

/**
 * The embedded ledger's persistent state in LevelDB: world state per collection, private data hashes,
 * key metadata, history of public keys, chaincode events and the block height.
 */
export class StateStore {
  private constructor(
    private readonly db: ClassicLevel<string, Buffer>,
    private blockHeight: bigint,
  ) {}

  /** Opens (or creates) the store in `location`. */
  static async open(location: string): Promise<StateStore> {
    const db = new ClassicLevel<string, Buffer>(location, { keyEncoding: 'utf8', valueEncoding: 'buffer' });
    await db.open();
    try {
      const format = await db.get(FORMAT_KEY);
      if (format === undefined) await db.put(FORMAT_KEY, Buffer.from(FORMAT));
      else if (format.toString() === '1' || format.toString() === '2') {
        if (format.toString() === '1') await migrateFormat1(db);
        await migrateFormat2(db);
      }
      else if (format.toString() !== FORMAT) throw new Error(`${location} holds ledger format ${format.toString()}, expected ${FORMAT}`);
      const height = await db.get(HEIGHT_KEY);
      return new StateStore(db, height === undefined ? 0n : BigInt(height.toString()));
    } catch (err) {
      await db.close();
      throw err;
    }
  }

  get isOpen(): boolean {
    return this.db.status === 'open';
  }

  /** Number of the last committed block; 0 before the first. */
  get height(): bigint {
    return this.blockHeight;
  }

  async close(): Promise<void> {
    await this.db.close();
  }

  /**
   * Compacts the whole key range: LevelDB rewrites its log and tables without the values that were deleted,
   * purged or overwritten, and deletes the old files (until then those values are still in them).
   */
  async compact(): Promise<void> {
    await compactAll(this.db);
  }

  async getValue(collection: string, key: string): Promise<Buffer | undefined> {
    return this.db.get(stateKey(collection, key));
  }

  async getHash(collection: string, key: string): Promise<Buffer | undefined> {
    return this.db.get(hashKey(collection, key));
  }

  async getMetadata(collection: string, key: string): Promise<Record<string, Buffer>> {
    const stored = await this.db.get(metadataKey(collection, key));
    if (stored === undefined) return {};
    const entries = Object.entries(JSON.parse(stored.toString('utf8')) as Record<string, string>);
    return Object.fromEntries(entries.map(([metakey, value]) => [metakey, Buffer.from(value, 'base64')]));
  }

  /** Keys in [start, end) of one collection; an empty `end` means to the end of the collection. */
  range(collection: string, start: string, end: string): Cursor<{ key: string; value: Buffer }> {
    const prefix = stateKey(collection, '');
    const upper = end === '' ? `s${SEP}${collection}\x01` : prefix + end;
    const iterator = this.db.iterator({ gte: prefix + start, lt: upper });
    return new Cursor(iterator, (key, value) => ({ key: key.slice(prefix.length), value }));
  }

  /** History of a public key, newest first (as Fabric 2.x returns it), as KeyModification bytes. */
  history(key: string): Cursor<Buffer> {
    const prefix = historyPrefix(key);
    const iterator = this.db.iterator({ gte: prefix, lt: prefix.slice(0, -1) + '\x01', reverse: true });
    return new Cursor(iterator, (_key, value) => value);
  }

  /** Events of blocks after `block`, oldest first. */
  async eventsAfter(block: bigint, limit: number): Promise<StoredEvent[]> {
    const entries = await this.db.iterator({ gt: eventKey(block), lt: `e${SEP}\x7f`, limit }).all();
    return entries.map(([key, value]) => {
      const stored = JSON.parse(value.toString('utf8')) as { txId: string; eventName: string; payload: string };
      return {
        blockNumber: BigInt(key.slice(2)),
        txId: stored.txId,
        eventName: stored.eventName,
        payload: new Uint8Array(Buffer.from(stored.payload, 'base64')),
      };
    });
  }

  /** Applies a transaction's writes as the next block, atomically; returns the block number. */
  async commit(writeSet: WriteSet): Promise<bigint> {
    const block = this.blockHeight + 1n;
    type Op = { type: 'put'; key: string; value: Buffer } | { type: 'del'; key: string };
    const ops: Op[] = [];
    for (const [collection, writes] of writeSet.writes) {
      for (const [key, write] of writes) {
        if (write.kind === 'put') {
          const value = Buffer.from(write.value);
          ops.push({ type: 'put', key: stateKey(collection, key), value });
          if (collection !== '') {
            ops.push({ type: 'put', key: hashKey(collection, key), value: createHash('sha256').update(value).digest() });
          }
        } else {
          // Delete and purge both end the key's current version, and its metadata with it (as in Fabric);
          // purge differs in Fabric only by also erasing past private versions, which this store never keeps.
          ops.push({ type: 'del', key: stateKey(collection, key) });
          ops.push({ type: 'del', key: hashKey(collection, key) });
          ops.push({ type: 'del', key: metadataKey(collection, key) });
        }
        if (collection === '') {
          const entry = new ledger.queryresult.KeyModification();
          entry.setTxId(writeSet.txId);
          entry.setValue(write.kind === 'put' ? write.value : new Uint8Array());
          entry.setTimestamp(writeSet.timestamp);
          entry.setIsDelete(write.kind !== 'put');
          ops.push({ type: 'put', key: historyPrefix(key) + blockPart(block), value: Buffer.from(entry.serializeBinary()) });
        }
      }
    }
    for (const [collection, keys] of writeSet.metadata) {
      for (const [key, entries] of keys) {
        const write = writeSet.writes.get(collection)?.get(key);
        // Fabric ignores metadata for a key that does not exist once the transaction is applied.
        const exists = write ? write.kind === 'put' : await this.db.has(stateKey(collection, key));
        if (!exists) continue;
        const merged: Record<string, string> = {};
        for (const [metakey, value] of Object.entries(await this.getMetadata(collection, key))) merged[metakey] = value.toString('base64');
        for (const [metakey, value] of entries) {
          if (value.length === 0) delete merged[metakey];
          else merged[metakey] = Buffer.from(value).toString('base64');
        }
        ops.push({ type: 'put', key: metadataKey(collection, key), value: Buffer.from(JSON.stringify(merged)) });
      }
    }
    if (writeSet.event) {
      const stored = { txId: writeSet.txId, eventName: writeSet.event.name, payload: Buffer.from(writeSet.event.payload).toString('base64') };
      ops.push({ type: 'put', key: eventKey(block), value: Buffer.from(JSON.stringify(stored)) });
    }
    ops.push({ type: 'put', key: HEIGHT_KEY, value: Buffer.from(block.toString()) });
    await this.db.batch(ops);
    this.blockHeight = block;
    return block;
  }
}

const PUBLIC_USER = `${SEP}user${SEP}`;
const PUBLIC_ORG = `${SEP}org${SEP}`;
const RECEIPT = `${SEP}erasure${SEP}`;
const IMPLICIT = '_implicit_org_';

type Op = { type: 'put'; key: string; value: Buffer } | { type: 'del'; key: string };

/** Batch operations that move or copy a private value (its hash follows it; key-level metadata is dropped). */
function mover(ops: Op[]) {
  const put = (to: [string, string], value: Buffer) =>
    ops.push({ type: 'put', key: stateKey(...to), value }, { type: 'put', key: hashKey(...to), value: createHash('sha256').update(value).digest() });
  const drop = (from: [string, string]) =>
    ops.push({ type: 'del', key: stateKey(...from) }, { type: 'del', key: hashKey(...from) }, { type: 'del', key: metadataKey(...from) });
  return { put, drop, move: (from: [string, string], to: [string, string], value: Buffer) => (drop(from), put(to, value)) };
}

/** Moves a format 1 store to format 2 in one batch (see FORMAT); values keep their bytes, hashes follow them. */
async function migrateFormat1(db: ClassicLevel<string, Buffer>): Promise<void> {
  const ops: Op[] = [];
  const { move } = mover(ops);
  const homeOf = new Map<string, string>();
  for await (const [key, value] of db.iterator({ gte: stateKey('', PUBLIC_USER), lt: stateKey('', `${SEP}user${String.fromCharCode(1)}`) })) {
    const user = JSON.parse(value.toString('utf8')) as { userId: string; homeOrg: string };
    homeOf.set(user.userId, user.homeOrg);
    move(['', key.slice(stateKey('', '').length)], [`dir_${user.homeOrg}`, key.slice(stateKey('', '').length)], value);
  }
  for await (const [key, value] of db.iterator({ gte: stateKey('', PUBLIC_ORG), lt: stateKey('', `${SEP}org${String.fromCharCode(1)}`) })) {
    const org = JSON.parse(value.toString('utf8')) as { mspId: string };
    const marker = Buffer.from(JSON.stringify({ mspId: org.mspId }));
    ops.push({ type: 'put', key: stateKey(`dir_${org.mspId}`, `${SEP}org${SEP}`), value });
    ops.push({ type: 'put', key: hashKey(`dir_${org.mspId}`, `${SEP}org${SEP}`), value: createHash('sha256').update(value).digest() });
    ops.push({ type: 'put', key, value: marker });
  }
  for await (const [key, value] of db.iterator({ gte: `s${SEP}${IMPLICIT}`, lt: `s${SEP}${IMPLICIT.slice(0, -1)}${String.fromCharCode('_'.charCodeAt(0) + 1)}` })) {
    const rest = key.slice(2);
    const collection = rest.slice(0, rest.indexOf(SEP));
    const inner = rest.slice(collection.length + 1);
    move([collection, inner], [`org_${collection.slice(IMPLICIT.length)}`, inner], value);
  }
  for await (const [key, value] of db.iterator({ gte: stateKey('patientData', RECEIPT), lt: stateKey('patientData', `${SEP}erasure${String.fromCharCode(1)}`) })) {
    const receipt = JSON.parse(value.toString('utf8')) as { patientId: string };
    const home = homeOf.get(receipt.patientId);
    const inner = key.slice(stateKey('patientData', '').length);
    if (home) move(['patientData', inner], [`org_${home}`, inner], value);
  }
  await db.batch(ops);
}

const SHARED = 'patientData';
/** Item types whose first key attribute is the patient; the `*Ref` types name it in their value. */
const REF_TYPES = new Set(['recordRef', 'consentRef', 'requestRef', 'emergencyRef', 'eventRef', 'deviceRef']);
/** For an item shared with another org: the field naming that org. */
const READER_FIELD: Record<string, string> = { consent: 'granteeOrg', request: 'requesterOrg', emergency: 'actorOrg', event: 'actorOrg' };
const REF_OF_TYPE: Record<string, string> = { consentRef: 'consent', requestRef: 'request', emergencyRef: 'emergency', eventRef: 'event' };

/**
 * Moves a format 2 store to format 3 in one batch (see FORMAT): every value of `patientData` goes to its patient's
 * home org's own collection, and a copy of what another org may read goes to the share the home org keeps for it —
 * the consents naming it, its requests, sessions and access events, the records it holds a data key for (that key
 * moves from its own collection into the share too) and its view of the working set. Values keep their bytes.
 */
async function migrateFormat2(db: ClassicLevel<string, Buffer>): Promise<void> {
  const ops: Op[] = [];
  const { put, drop, move } = mover(ops);
  const parts = (compositeKey: string) => compositeKey.split(SEP).slice(1, -1);
  const homeOf = new Map<string, string>();
  for await (const [key, value] of db.iterator({ gte: 's\u0000dir_', lt: 's\u0000dir`' })) {
    const rest = key.slice(2);
    const inner = rest.slice(rest.indexOf(SEP) + 1);
    if (parts(inner)[0] !== 'user') continue;
    const user = JSON.parse(value.toString('utf8')) as { userId: string; homeOrg: string };
    homeOf.set(user.userId, user.homeOrg);
  }
  const items: { inner: string; type: string; attrs: string[]; value: Buffer }[] = [];
  for await (const [key, value] of db.iterator({ gte: stateKey(SHARED, ''), lt: `s${SEP}${SHARED}${String.fromCharCode(1)}` })) {
    const inner = key.slice(stateKey(SHARED, '').length);
    const [type, ...attrs] = parts(inner);
    items.push({ inner, type, attrs, value });
  }
  const json = (value: Buffer) => JSON.parse(value.toString('utf8')) as Record<string, unknown>;
  // Which other org each id'd item is shared with, and which orgs hold a data key of each record.
  const readerOf = new Map<string, string>();
  for (const item of items) {
    const field = READER_FIELD[item.type];
    if (field) readerOf.set(`${item.type}/${item.attrs[item.attrs.length - 1]}`, String(json(item.value)[field]));
  }
  const keyHolders = new Map<string, string[]>();
  for await (const [key, value] of db.iterator({ gte: 's\u0000org_', lt: 's\u0000org`' })) {
    const rest = key.slice(2);
    const collection = rest.slice(0, rest.indexOf(SEP));
    const inner = rest.slice(collection.length + 1);
    const [type, recordId] = parts(inner);
    if (type !== 'wrappedKey') continue;
    const home = homeOf.get(String(json(value).patientId));
    const org = collection.slice('org_'.length);
    if (!home || home === org) continue;
    keyHolders.set(recordId, [...(keyHolders.get(recordId) ?? []), org]);
    move([collection, inner], [`share_${home}_${org}`, inner], value);
  }
  type WorkingSetValue = { consents?: { granteeOrg: string }[]; sessions?: { actorOrg: string; endedAt?: string }[]; authorAccess?: string };
  const views = new Map<string, { home: string; set?: WorkingSetValue; items: { consents: object[]; sessions: object[] } }>();
  for (const { inner, type, attrs, value } of items) {
    const patientId = REF_TYPES.has(type) ? String(json(value).patientId) : attrs[0];
    const home = homeOf.get(patientId);
    drop([SHARED, inner]);
    if (!home) continue;
    put([`org_${home}`, inner], value);
    const readers = new Set<string>();
    const id = attrs[attrs.length - 1];
    const ofType = REF_OF_TYPE[type] ?? type;
    const reader = readerOf.get(`${ofType}/${id}`);
    if (reader) readers.add(reader);
    if (type === 'record' || type === 'recordRef') for (const org of keyHolders.get(id) ?? []) readers.add(org);
    if (type === 'batchByTime') for (const org of keyHolders.get(attrs[2]) ?? []) readers.add(org);
    if (type === 'workingSet' || type === 'consent' || type === 'emergency') {
      const entry = views.get(patientId) ?? { home, items: { consents: [], sessions: [] } };
      if (type === 'workingSet') entry.set = json(value) as WorkingSetValue;
      else (type === 'consent' ? entry.items.consents : entry.items.sessions).push(json(value));
      views.set(patientId, entry);
    }
    for (const org of readers) if (org !== home) put([`share_${home}_${org}`, inner], value);
  }
  // Each other org's view of a patient's working set: from the working set, or, for a patient whose data predates
  // it (the home org reads its per-patient index then), from the consents and sessions themselves.
  for (const [patientId, { home, set, items }] of views) {
    const source: WorkingSetValue = set ?? (items as WorkingSetValue);
    const orgs = new Set([...(source.consents ?? []).map((c) => c.granteeOrg), ...(source.sessions ?? []).map((s) => s.actorOrg)]);
    for (const org of orgs) {
      if (org === home) continue;
      const view = {
        ...(source.authorAccess ? { authorAccess: source.authorAccess } : {}),
        consents: (source.consents ?? []).filter((c) => c.granteeOrg === org),
        sessions: (source.sessions ?? []).filter((s) => s.actorOrg === org && !s.endedAt),
      };
      put([`share_${home}_${org}`, `${SEP}workingSet${SEP}${patientId}${SEP}`], Buffer.from(marshal(view)));
    }
  }
  ops.push({ type: 'put', key: FORMAT_KEY, value: Buffer.from(FORMAT) });
  await db.batch(ops);
}
