import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import contractApi, { type Contract } from 'fabric-contract-api';
import ChaincodeFromContract from 'fabric-shim/lib/contract-spi/chaincodefromcontract.js';
import ChaincodeStub from 'fabric-shim/lib/stub.js';
import { simulateEndorserClock } from '@careledger/chaincode';
import type { AbortOptions } from '../../ports/abort.js';
import { LedgerError } from '../../ports/ledger-error.js';
import type { EventCheckpoint, Ledger, LedgerEvent, SubmitResult, TransactionRequest } from '../../ports/ledger.js';
import { loadOrCreateOrgIdentity, type OrgIdentity } from './org-identity.js';
import { buildProposal } from './proposal-builder.js';
import { SerialQueue } from './serial-queue.js';
import { StateStore } from './state-store.js';
import { TransactionSimulator } from './transaction-simulator.js';

/** A contract class as the chaincode package exports it in its `contracts` array. */
export type ContractClass = new () => Contract;

/** Options of {@link EmbeddedLedger.open}. */
export interface EmbeddedLedgerOptions {
  /** Directory for the LevelDB ledger (`ledger/`) and the orgs' identities (`msp/`); created if missing. */
  dataDir: string;
  /** The chaincode's contract classes, as the chaincode package exports them. */
  contracts: readonly ContractClass[];
  /** Channel id the chaincode sees; default `careledger`. */
  channel?: string;
  /** Chaincode name (the namespace of query results); default `careledger`. */
  chaincodeName?: string;
  /** MSP ids this ledger can sign as; one X.509 identity each, created on first open. */
  orgs: readonly string[];
  /** Clock for transaction timestamps; default the system clock. */
  now?: () => Date;
  /**
   * Put the raw message of chaincode failures that carry no CareLedger code into LedgerError.detail.
   * For chaincode development only: such messages can quote private input.
   */
  revealUnknownErrors?: boolean;
}

const EVENT_BATCH = 100;

/**
 * The `embedded` profile's Ledger: the real chaincode contracts run in process through fabric-shim's
 * ChaincodeFromContract and a real ChaincodeStub, against a persistent LevelDB world state. Fabric
 * semantics: reads never see the transaction's own writes; a submit commits its writes atomically as
 * the next block only when the chaincode answers 200; evaluate never writes; one transaction at a time.
 */
export class EmbeddedLedger implements Ledger {
  private readonly queue = new SerialQueue();
  private readonly waiters = new Set<() => void>();
  private commits = 0;
  private closed = false;
  private closing?: Promise<void>;

  private constructor(
    private readonly store: StateStore,
    private readonly chaincode: ChaincodeFromContract,
    private readonly identities: ReadonlyMap<string, OrgIdentity>,
    private readonly channel: string,
    private readonly chaincodeName: string,
    private readonly now: () => Date,
    private readonly revealUnknownErrors: boolean,
  ) {}

  /** Opens (or creates) the ledger in `options.dataDir` and loads the contracts. */
  static async open(options: EmbeddedLedgerOptions): Promise<EmbeddedLedger> {
    if (options.orgs.length === 0) throw new Error('EmbeddedLedger needs at least one org to sign as');
    await mkdir(options.dataDir, { recursive: true });
    const identities = new Map<string, OrgIdentity>();
    for (const mspId of options.orgs) identities.set(mspId, await loadOrCreateOrgIdentity(join(options.dataDir, 'msp'), mspId));
    const serializers = { transaction: 'jsonSerializer', serializers: { jsonSerializer: contractApi.JSONSerializer } };
    const chaincodeName = options.chaincodeName ?? 'careledger';
    // A copy: the constructor appends the system contract to the array it is given.
    const chaincode = new ChaincodeFromContract([...options.contracts], serializers, {}, chaincodeName, '');
    const store = await StateStore.open(join(options.dataDir, 'ledger'));
    return new EmbeddedLedger(
      store,
      chaincode,
      identities,
      options.channel ?? 'careledger',
      chaincodeName,
      options.now ?? (() => new Date()),
      options.revealUnknownErrors ?? false,
    );
  }

  /** Number of the last committed block (0 before the first submit). */
  get height(): bigint {
    return this.store.height;
  }

  async submit(mspId: string, request: TransactionRequest): Promise<SubmitResult> {
    return this.execute(mspId, request, true);
  }

  async evaluate(mspId: string, request: TransactionRequest): Promise<Uint8Array> {
    return (await this.execute(mspId, request, false)).payload;
  }

  /**
   * Events of committed submits after `from` (exclusive), then new ones as they commit, until the signal
   * aborts or the ledger closes. Each block holds one transaction here, so a checkpoint's txId adds nothing:
   * replay resumes at block `from.blockNumber + 1`.
   */
  async *events(from: EventCheckpoint | undefined, options: AbortOptions = {}): AsyncGenerator<LedgerEvent> {
    const { signal } = options;
    let after = from?.blockNumber ?? 0n;
    while (!signal?.aborted && !this.closed) {
      // Taken before reading, so a commit landing during the read still wakes us.
      const seen = this.commits;
      let batch;
      try {
        batch = await this.store.eventsAfter(after, EVENT_BATCH);
      } catch (err) {
        if (this.closed) return;
        throw err;
      }
      for (const event of batch) {
        if (signal?.aborted || this.closed) return;
        yield event;
        after = event.blockNumber;
      }
      if (batch.length === 0) await this.nextCommit(seen, signal);
    }
  }

  async ready(): Promise<void> {
    if (this.closed || !this.store.isOpen) throw new LedgerError({ code: 'UNAVAILABLE', detail: 'the embedded ledger is closed' });
  }

  /**
   * Compacts the ledger's LevelDB so that purged private values leave its files (see StateStore.compact).
   * Runs beside transactions (LevelDB compacts concurrently with reads and writes).
   */
  async reclaim(): Promise<void> {
    await this.ready();
    await this.store.compact();
  }

  /** Lets queued transactions finish, ends live event streams, then closes the database. */
  close(): Promise<void> {
    if (!this.closing) {
      this.closed = true;
      this.wake();
      this.closing = this.queue.idle().then(() => this.store.close());
    }
    return this.closing;
  }

  private async execute(mspId: string, request: TransactionRequest, commit: boolean): Promise<SubmitResult> {
    const identity = this.identities.get(mspId);
    if (!identity) throw new LedgerError({ code: 'FORBIDDEN', detail: `this ledger cannot sign as ${mspId}` });
    if (this.closed) throw new LedgerError({ code: 'UNAVAILABLE', detail: 'the embedded ledger is closed' });
    if (!request.name) throw new LedgerError({ code: 'INVALID_ARGUMENT', detail: 'transaction name is empty', field: 'name' });
    return this.queue.run(async () => {
      const encoder = new TextEncoder();
      const { txId, timestamp, input, signedProposal } = buildProposal({
        identity,
        channelId: this.channel,
        chaincodeName: this.chaincodeName,
        args: [request.name, ...(request.args ?? [])].map((arg) => encoder.encode(arg)),
        transient: request.transient,
        timestamp: this.now(),
      });
      const simulator = new TransactionSimulator({ store: this.store, channelId: this.channel, chaincodeName: this.chaincodeName, txId, timestamp, creatorMsp: mspId });
      const stub = new ChaincodeStub(simulator, this.channel, txId, input, signedProposal);
      // The in-process endorser reads the same clock the proposal's timestamp came from.
      simulateEndorserClock(stub, this.now);
      let response;
      let writeSet;
      try {
        response = await this.chaincode.Invoke(stub);
      } finally {
        // Always end the simulation, so a stray un-awaited ledger call cannot act after the transaction.
        writeSet = await simulator.finish();
      }
      if (response.status !== 200) {
        throw LedgerError.fromChaincodeMessage(response.message ?? '', { txId, revealUnknown: this.revealUnknownErrors });
      }
      if (commit) {
        const event = stub.chaincodeEvent;
        await this.store.commit({ ...writeSet, event: event && { name: event.getEventName(), payload: event.getPayload_asU8() } });
        this.commits += 1;
        this.wake();
      }
      return { txId, payload: new Uint8Array(response.payload ?? new Uint8Array()) };
    }, request.signal);
  }

  private nextCommit(seen: number, signal?: AbortSignal): Promise<void> {
    if (this.commits !== seen || this.closed || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        this.waiters.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      this.waiters.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}
