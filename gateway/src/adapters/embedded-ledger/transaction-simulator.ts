import protos from '@hyperledger/fabric-protos';
import iterators from 'fabric-shim/lib/iterators.js';
import type { Timestamp } from 'google-protobuf/google/protobuf/timestamp_pb.js';
import { memberAccess } from '@careledger/chaincode';
import type { Cursor, StateStore, StateWrite, WriteSet } from './state-store.js';

const { peer, ledger } = protos;
const { StateQueryIterator, HistoryQueryIterator } = iterators;
type QueryResponse = InstanceType<typeof peer.QueryResponse>;

/** Results per QueryResponse; the peer's internalQueryLimit plays this role (1000 there). */
const BATCH = 100;

/** Where and as whom a simulation runs. */
export interface SimulationContext {
  store: StateStore;
  channelId: string;
  chaincodeName: string;
  txId: string;
  timestamp: Timestamp;
  /** The MSP id of the client that signed the proposal (collection access rules depend on it). */
  creatorMsp?: string;
}

/**
 * The member-only rules of the network's collection config (`memberAccess`: own collections, shares,
 * directories). Fabric answers with these messages.
 */
function checkCollectionAccess(collection: string, creatorMsp: string | undefined, access: 'read' | 'write'): void {
  if (creatorMsp === undefined) return;
  if (!memberAccess(collection, creatorMsp, access)) throw new Error(`tx creator does not have ${access} access permission on privatedata in collectionName: ${collection}`);
}

type OpenQuery = { kind: 'state'; cursor: Cursor<{ key: string; value: Buffer }> } | { kind: 'history'; cursor: Cursor<Buffer> };

/**
 * Thrown for stub calls this ledger cannot serve. The message is a CareLedger error body, so the
 * failure surfaces as a LedgerError with code NOT_IMPLEMENTED instead of a generic INTERNAL.
 */
function notImplemented(detail: string): Error {
  return new Error(JSON.stringify({ code: 'NOT_IMPLEMENTED', detail }));
}

/**
 * The peer side of one transaction: the `handler` a real ChaincodeStub talks to. Reads see committed
 * state only (Fabric does not read a transaction's own writes); writes are buffered into a write set
 * that the ledger commits, or drops, once the chaincode has answered.
 */
export class TransactionSimulator {
  private readonly writes = new Map<string, Map<string, StateWrite>>();
  private readonly metadata = new Map<string, Map<string, Map<string, Uint8Array>>>();
  private readonly queries = new Map<string, OpenQuery>();
  private queryCount = 0;
  private paginated = false;
  /** A range query on private data ran: like Fabric, the transaction may no longer write. */
  private privateQueried = false;
  private finished = false;

  constructor(private readonly context: SimulationContext) {}

  async handleGetState(collection: string, key: string, channelId: string, txId: string): Promise<Buffer> {
    this.check(channelId, txId, collection, key);
    if (collection !== '') checkCollectionAccess(collection, this.context.creatorMsp, 'read');
    return (await this.context.store.getValue(collection, key)) ?? Buffer.alloc(0);
  }

  async handleGetPrivateDataHash(collection: string, key: string, channelId: string, txId: string): Promise<Buffer> {
    this.check(channelId, txId, collection, key);
    if (collection === '') throw new Error('getPrivateDataHash needs a collection');
    return (await this.context.store.getHash(collection, key)) ?? Buffer.alloc(0);
  }

  async handleGetStateMetadata(collection: string, key: string, channelId: string, txId: string): Promise<Record<string, Buffer>> {
    this.check(channelId, txId, collection, key);
    return this.context.store.getMetadata(collection, key);
  }

  async handlePutState(collection: string, key: string, value: Uint8Array, channelId: string, txId: string): Promise<void> {
    this.checkWrite(channelId, txId, collection, key);
    if (collection !== '') checkCollectionAccess(collection, this.context.creatorMsp, 'write');
    // An empty value reads back exactly like a missing key, so record it as the delete it amounts to.
    this.record(collection, key, value.length === 0 ? { kind: 'delete' } : { kind: 'put', value: Uint8Array.from(value) });
  }

  async handleDeleteState(collection: string, key: string, channelId: string, txId: string): Promise<void> {
    this.checkWrite(channelId, txId, collection, key);
    if (collection !== '') checkCollectionAccess(collection, this.context.creatorMsp, 'write');
    this.record(collection, key, { kind: 'delete' });
  }

  async handlePurgeState(collection: string, key: string, channelId: string, txId: string): Promise<void> {
    this.checkWrite(channelId, txId, collection, key);
    if (collection !== '') checkCollectionAccess(collection, this.context.creatorMsp, 'write');
    if (collection === '') throw new Error('purgePrivateData needs a collection: public state cannot be purged');
    this.record(collection, key, { kind: 'purge' });
  }

  async handlePutStateMetadata(
    collection: string,
    key: string,
    metakey: string,
    value: Uint8Array,
    channelId: string,
    txId: string,
  ): Promise<void> {
    this.checkWrite(channelId, txId, collection, key);
    let keys = this.metadata.get(collection);
    if (!keys) this.metadata.set(collection, (keys = new Map()));
    let entries = keys.get(key);
    if (!entries) keys.set(key, (entries = new Map()));
    entries.set(metakey, Uint8Array.from(value ?? []));
  }

  async handleGetStateByRange(
    collection: string,
    startKey: string,
    endKey: string,
    channelId: string,
    txId: string,
    metadata?: Uint8Array | null,
  ): Promise<{ iterator: object; metadata?: { bookmark: string; fetchedRecordsCount: number } }> {
    this.check(channelId, txId, collection, startKey);
    checkKeyText(endKey);
    if (collection !== '') {
      checkCollectionAccess(collection, this.context.creatorMsp, 'read');
      // Fabric does not re-check private range queries at validation, so it allows them only in read-only
      // transactions (lockbased_txmgr's checkBeforePvtdataQueries / checkWritePrecondition).
      if (this.hasWrites()) throw new Error(`txid [${txId}]: Queries on pvt data is supported only in a read-only transaction (as in Fabric)`);
      this.privateQueried = true;
    }
    if (metadata && metadata.length > 0) return this.pagedRange(collection, startKey, endKey, metadata);
    const cursor = this.context.store.range(collection, startKey, endKey);
    const response = await this.respond({ kind: 'state', cursor });
    return { iterator: new StateQueryIterator(this, channelId, txId, response) };
  }

  async handleGetHistoryForKey(key: string, channelId: string, txId: string): Promise<object> {
    this.check(channelId, txId, '', key);
    const response = await this.respond({ kind: 'history', cursor: this.context.store.history(key) });
    return new HistoryQueryIterator(this, channelId, txId, response);
  }

  async handleQueryStateNext(id: string, channelId: string, txId: string): Promise<QueryResponse> {
    this.check(channelId, txId);
    const query = this.queries.get(id);
    if (!query) throw new Error(`no open query with id ${id}`);
    this.queries.delete(id);
    return this.respond(query, id);
  }

  async handleQueryStateClose(id: string, channelId: string, txId: string): Promise<QueryResponse> {
    this.check(channelId, txId);
    await this.queries.get(id)?.cursor.close();
    this.queries.delete(id);
    const response = new peer.QueryResponse();
    response.setId(id);
    response.setHasMore(false);
    return response;
  }

  async handleGetQueryResult(): Promise<never> {
    throw notImplemented(
      'Rich queries (getQueryResult, getPrivateDataQueryResult) need CouchDB; the embedded ledger is LevelDB: use keys, ranges or composite keys',
    );
  }

  async handleInvokeChaincode(): Promise<never> {
    throw notImplemented('invokeChaincode is not supported by the embedded ledger: it runs a single chaincode');
  }

  /** Ends the simulation: closes queries the chaincode left open and returns what it wrote. */
  async finish(): Promise<WriteSet> {
    this.finished = true;
    await Promise.all([...this.queries.values()].map((query) => query.cursor.close()));
    this.queries.clear();
    return { txId: this.context.txId, timestamp: this.context.timestamp, writes: this.writes, metadata: this.metadata };
  }

  private async pagedRange(collection: string, startKey: string, endKey: string, metadata: Uint8Array) {
    if (collection !== '') throw new Error('paginated range queries are for public state only (as in Fabric)');
    if (this.hasWrites()) throw new Error('paginated queries are not allowed in a transaction that writes (as in Fabric)');
    this.paginated = true;
    const query = peer.QueryMetadata.deserializeBinary(metadata);
    const pageSize = query.getPagesize();
    if (!Number.isInteger(pageSize) || pageSize <= 0) throw new Error('page size must be a positive integer');
    // Fabric's bookmark is simply the first key of the next page.
    const bookmark = query.getBookmark();
    checkKeyText(bookmark);
    const cursor = this.context.store.range(collection, bookmark === '' ? startKey : bookmark, endKey);
    const { items } = await cursor.take(pageSize + 1);
    await cursor.close();
    const page = items.slice(0, pageSize);
    const response = new peer.QueryResponse();
    response.setId(this.newQueryId());
    response.setHasMore(false);
    response.setResultsList(page.map((item) => this.kvResult(item)));
    const iterator = new StateQueryIterator(this, this.context.channelId, this.context.txId, response);
    return { iterator, metadata: { bookmark: items[pageSize]?.key ?? '', fetchedRecordsCount: page.length } };
  }

  /** Builds the next QueryResponse of a query and keeps the query open while it has more. */
  private async respond(query: OpenQuery, id = this.newQueryId()): Promise<QueryResponse> {
    const response = new peer.QueryResponse();
    response.setId(id);
    // History entries are stored as KeyModification bytes already; state entries become KVs here.
    const { results, hasMore } =
      query.kind === 'state'
        ? await query.cursor.take(BATCH).then(({ items, hasMore }) => ({ results: items.map((item) => this.kvResult(item)), hasMore }))
        : await query.cursor.take(BATCH).then(({ items, hasMore }) => ({ results: items.map(resultBytes), hasMore }));
    response.setResultsList(results);
    response.setHasMore(hasMore);
    if (response.getHasMore()) this.queries.set(id, query);
    return response;
  }

  private kvResult(item: { key: string; value: Buffer }) {
    const kv = new ledger.queryresult.KV();
    kv.setNamespace(this.context.chaincodeName);
    kv.setKey(item.key);
    kv.setValue(item.value);
    return resultBytes(kv.serializeBinary());
  }

  private newQueryId(): string {
    this.queryCount += 1;
    return `${this.context.txId}-${this.queryCount}`;
  }

  private record(collection: string, key: string, write: StateWrite): void {
    let keys = this.writes.get(collection);
    if (!keys) this.writes.set(collection, (keys = new Map()));
    keys.set(key, write);
  }

  private hasWrites(): boolean {
    return this.writes.size > 0 || this.metadata.size > 0;
  }

  private check(channelId: string, txId: string, collection?: string, key?: string): void {
    if (this.finished) throw new Error('the transaction has already ended: a ledger call was not awaited');
    if (channelId !== this.context.channelId || txId !== this.context.txId) {
      throw new Error(`ledger call for ${channelId}/${txId} reached transaction ${this.context.channelId}/${this.context.txId}`);
    }
    if (collection !== undefined && (typeof collection !== 'string' || collection.includes('\x00'))) {
      throw new Error('collection name must be a string without NUL characters');
    }
    if (key !== undefined) checkKeyText(key);
  }

  private checkWrite(channelId: string, txId: string, collection: string, key: string): void {
    this.check(channelId, txId, collection, key);
    if (key === '') throw new Error('key must not be an empty string');
    if (this.paginated) throw new Error('writes are not allowed after a paginated query (as in Fabric)');
    if (this.privateQueried) {
      throw new Error(`txid [${txId}]: unsuppored transaction. Transaction has already performed queries on pvt data. Writes are not allowed (as in Fabric)`);
    }
  }
}

function checkKeyText(key: string): void {
  // LevelDB sees UTF-8: a lone surrogate would be silently replaced and alias another key.
  if (typeof key !== 'string' || Buffer.from(key, 'utf8').toString('utf8') !== key) {
    throw new Error('keys must be valid UTF-8 strings');
  }
}

function resultBytes(bytes: Uint8Array) {
  const result = new peer.QueryResultBytes();
  result.setResultbytes(bytes);
  return result;
}
