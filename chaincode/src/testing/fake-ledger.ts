/**
 * An in-memory model of what the chaincode sees of a peer, for unit tests: world state, private data
 * per collection with hashes, key history, validation parameters, the transient map, the tx timestamp
 * and the client's MSP. Like Fabric, reads do not see the transaction's own writes, a transaction
 * that throws writes nothing, and a transaction that ran a range query on private data may not write
 * (nor query private ranges after writing). (The embedded ledger in the gateway runs the same contracts through
 * fabric-shim's real stub; this model keeps the chaincode's own tests fast and dependency-free.)
 */
import { createHash } from 'node:crypto';
import { simulateEndorserClock } from '../ledger/endorser-clock.js';
import type { Context, Contract } from 'fabric-contract-api';
import { contracts } from '../index.js';
import { memberAccess } from '../ledger/collections.js';

const SEP = '\u0000';

/** The collections' member-only rules as the network's collection config sets them (`memberAccess`). */
function mayRead(collection: string, msp: string): void {
  if (!memberAccess(collection, msp, 'read')) {
    throw new Error(`tx creator does not have read access permission on privatedata in chaincodeName:careledger collectionName: ${collection}`);
  }
}

function mayWrite(collection: string, msp: string): void {
  if (!memberAccess(collection, msp, 'write')) {
    throw new Error(`tx creator does not have write access permission on privatedata in chaincodeName:careledger collectionName: ${collection}`);
  }
}
type Store = Map<string, Uint8Array>;

interface Write {
  collection: string;
  key: string;
  value?: Uint8Array;
  purge?: boolean;
}

/** Identity and inputs of one call. */
export interface CallOptions {
  msp: string;
  transient?: Record<string, unknown>;
  /** The timestamp the client puts in the proposal (default: the ledger's clock, which the endorser reads). */
  clientTime?: Date;
}

export class FakeLedger {
  readonly state = new Map<string, Store>([['', new Map()]]);
  readonly hashes = new Map<string, Store>();
  readonly validation = new Map<string, Uint8Array>();
  readonly history = new Map<string, { txId: string; at: Date; value: Uint8Array; isDelete: boolean }[]>();
  readonly events: { name: string; payload: unknown; txId: string }[] = [];
  /** What each committed transaction answered (a submit's response is written into the block). */
  readonly responses: { name: string; payload: unknown }[] = [];
  now = new Date('2026-01-01T00:00:00.000Z');
  private txCount = 0;
  private readonly instances = new Map<string, Contract>();

  /** Runs the CareLedger contracts, or the ones given (the peer-rules suite installs its probe). */
  constructor(contractClasses: readonly (new () => Contract)[] = contracts) {
    for (const C of contractClasses) {
      const instance = new C();
      this.instances.set(instance.getName(), instance);
    }
  }

  /** Runs `contract:Function` and commits its writes when it returns. */
  submit<T = unknown>(name: string, args: string[], options: CallOptions): Promise<T> {
    return this.run<T>(name, args, options, true);
  }

  /** Runs `contract:Function` and discards its writes. */
  evaluate<T = unknown>(name: string, args: string[], options: CallOptions): Promise<T> {
    return this.run<T>(name, args, options, false);
  }

  /** The committed value of a key in a collection ('' = world state). */
  read(collection: string, key: string): unknown {
    const bytes = this.state.get(collection)?.get(key);
    return bytes ? JSON.parse(Buffer.from(bytes).toString()) : undefined;
  }

  /** Every committed key of a collection. */
  keys(collection: string): string[] {
    return [...(this.state.get(collection)?.keys() ?? [])];
  }

  advance(ms: number): void {
    this.now = new Date(this.now.getTime() + ms);
  }

  private async run<T>(name: string, args: string[], options: CallOptions, commit: boolean): Promise<T> {
    const [contractName, fn] = name.split(':');
    const contract = this.instances.get(contractName) as unknown as Record<string, (...a: unknown[]) => Promise<T>>;
    if (!contract || typeof contract[fn] !== 'function') throw new Error(`no transaction ${name}`);
    const txId = createHash('sha256').update(`tx${++this.txCount}`).digest('hex');
    const writes: Write[] = [];
    const policies = new Map<string, Uint8Array>();
    let event: { name: string; payload: Uint8Array } | undefined;
    const stub = this.stub(txId, options, writes, policies, (e) => (event = e));
    simulateEndorserClock(stub, () => new Date(this.now));
    const ctx = { stub, clientIdentity: { getMSPID: () => options.msp } };
    const result = await contract[fn].call(contract, ctx as unknown as Context, ...args);
    if (commit) {
      this.apply(txId, writes);
      for (const [key, ep] of policies) this.validation.set(key, ep);
      if (event) this.events.push({ name: event.name, payload: JSON.parse(Buffer.from(event.payload).toString()), txId });
      this.responses.push({ name, payload: JSON.parse(JSON.stringify(result ?? null)) });
    }
    return JSON.parse(JSON.stringify(result ?? null)) as T;
  }

  private apply(txId: string, writes: Write[]): void {
    for (const w of writes) {
      const store = this.collection(w.collection);
      const hashes = this.hashStore(w.collection);
      if (w.value) {
        store.set(w.key, w.value);
        hashes.set(w.key, createHash('sha256').update(w.value).digest());
      } else {
        store.delete(w.key);
        hashes.delete(w.key);
      }
      // Like a peer, a deleted key loses its validation parameter with it.
      if (!w.value) this.validation.delete(w.collection + SEP + w.key);
      if (w.collection === '') {
        const list = this.history.get(w.key) ?? [];
        list.push({ txId, at: this.now, value: w.value ?? new Uint8Array(), isDelete: !w.value });
        this.history.set(w.key, list);
      }
    }
  }

  private collection(name: string): Store {
    if (!this.state.has(name)) this.state.set(name, new Map());
    return this.state.get(name)!;
  }

  private hashStore(name: string): Store {
    if (!this.hashes.has(name)) this.hashes.set(name, new Map());
    return this.hashes.get(name)!;
  }

  private stub(txId: string, options: CallOptions, writes: Write[], policies: Map<string, Uint8Array>, setEvent: (e: { name: string; payload: Uint8Array }) => void) {
    // JSON values, as the gateway sends them; bytes as they are.
    const transient = new Map(Object.entries(options.transient ?? {}).map(([k, v]) => [k, v instanceof Uint8Array ? Buffer.from(v) : Buffer.from(JSON.stringify(v))]));
    const scan = (collection: string, prefix: string) =>
      (async function* (store: Store) {
        for (const key of [...store.keys()].filter((k) => k.startsWith(prefix)).sort()) {
          yield { namespace: 'careledger', key, value: store.get(key)! };
        }
      })(this.collection(collection));
    const composite = (type: string, attrs: string[]) => SEP + type + SEP + attrs.map((a) => a + SEP).join('');
    // Fabric's rule (lockbased_txmgr): private range queries are for read-only transactions only.
    let privateQueried = false;
    const write = <T>(w: T): T => {
      if (privateQueried) throw new Error('Transaction has already performed queries on pvt data. Writes are not allowed');
      return w;
    };
    const privateScan = (c: string, type: string, attrs: string[]) => {
      if (writes.length > 0 || policies.size > 0) throw new Error('Queries on pvt data is supported only in a read-only transaction');
      privateQueried = true;
      return scan(c, composite(type, attrs));
    };
    // A private [start, end) range read in UTF-8 byte order.
    const privateRange = (c: string, start: string, end: string) => {
      if (writes.length > 0 || policies.size > 0) throw new Error('Queries on pvt data is supported only in a read-only transaction');
      privateQueried = true;
      const bytes = (k: string) => Buffer.from(k, 'utf8');
      const store = this.collection(c);
      const keys = [...store.keys()]
        .filter((k) => Buffer.compare(bytes(k), bytes(start)) >= 0 && Buffer.compare(bytes(k), bytes(end)) < 0)
        .sort((a, b) => Buffer.compare(bytes(a), bytes(b)));
      return (async function* () {
        for (const key of keys) yield { namespace: 'careledger', key, value: store.get(key)! };
      })();
    };
    return {
      getTxID: () => txId,
      getDateTimestamp: () => new Date(options.clientTime ?? this.now),
      getTransient: () => transient,
      createCompositeKey: composite,
      splitCompositeKey: (key: string) => {
        const parts = key.split(SEP);
        return { objectType: parts[1], attributes: parts.slice(2, -1) };
      },
      getState: async (key: string) => this.collection('').get(key) ?? new Uint8Array(),
      putState: async (key: string, value: Uint8Array) => void writes.push(write({ collection: '', key, value })),
      deleteState: async (key: string) => void writes.push(write({ collection: '', key })),
      getStateByPartialCompositeKey: (type: string, attrs: string[]) => scan('', composite(type, attrs)),
      // Newest first, as Fabric 2 answers.
      getHistoryForKey: (key: string) =>
        (async function* (list) {
          for (const m of [...list].reverse()) {
            yield { txId: m.txId, value: m.value, isDelete: m.isDelete, timestamp: { seconds: Math.floor(m.at.getTime() / 1000), nanos: (m.at.getTime() % 1000) * 1e6 } };
          }
        })(this.history.get(key) ?? []),
      getPrivateData: async (c: string, key: string) => (mayRead(c, options.msp), this.collection(c).get(key) ?? new Uint8Array()),
      getPrivateDataHash: async (c: string, key: string) => this.hashStore(c).get(key) ?? new Uint8Array(),
      putPrivateData: async (c: string, key: string, value: Uint8Array) => (mayWrite(c, options.msp), void writes.push(write({ collection: c, key, value }))),
      deletePrivateData: async (c: string, key: string) => (mayWrite(c, options.msp), void writes.push(write({ collection: c, key }))),
      purgePrivateData: async (c: string, key: string) => (mayWrite(c, options.msp), void writes.push(write({ collection: c, key, purge: true }))),
      getPrivateDataByPartialCompositeKey: (c: string, type: string, attrs: string[]) => (mayRead(c, options.msp), privateScan(c, type, attrs)),
      getStateValidationParameter: async (key: string) => this.validation.get(SEP + key),
      getPrivateDataValidationParameter: async (c: string, key: string) => this.validation.get(c + SEP + key),
      getPrivateDataByRange: privateRange,
      setStateValidationParameter: async (key: string, ep: Uint8Array) => void policies.set(SEP + key, write(ep)),
      setPrivateDataValidationParameter: async (c: string, key: string, ep: Uint8Array) => void policies.set(c + SEP + key, write(ep)),
      setEvent: (name: string, payload: Uint8Array) => setEvent({ name, payload }),
    };
  }
}
