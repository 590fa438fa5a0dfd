import type { AbortOptions } from './abort.js';

/** One chaincode transaction, addressed as `contract:Function` (e.g. `records:CreateRecord`). */
export interface TransactionRequest extends AbortOptions {
  name: string;
  /** Public arguments: they land in blocks, so only opaque ids and codes go here. */
  args?: string[];
  /** Private inputs: never written to blocks. */
  transient?: Record<string, Uint8Array>;
  /**
   * Orgs (MSP ids) whose peers must endorse a submit: the patient's home org plus every org whose own
   * collection is written (docs/DECISIONS.md#endorsing-orgs-are-named-on-every-submit). The embedded ledger
   * has one peer and ignores it.
   */
  endorsingOrgs?: string[];
}

/** What a committed submit returns. The payload is public: it is in every org's blocks. */
export interface SubmitResult {
  txId: string;
  payload: Uint8Array;
}

/** A chaincode event: public (in every org's blocks), carries only opaque ids and a type (docs/DECISIONS.md#events-carry-opaque-ids-only). */
export interface LedgerEvent {
  blockNumber: bigint;
  txId: string;
  eventName: string;
  payload: Uint8Array;
}

/** Where to resume an event replay: after this block and (within it) after this transaction. */
export interface EventCheckpoint {
  blockNumber: bigint;
  txId?: string;
}

/**
 * The Fabric channel as the gateway sees it. `mspId` names the org that speaks: the network profile
 * has one identity per gateway and refuses any other; the embedded ledger signs as any seeded org.
 */
export interface Ledger {
  /** Endorses, orders and waits for the commit; throws {@link LedgerError} when the chaincode refuses. */
  submit(mspId: string, request: TransactionRequest): Promise<SubmitResult>;
  /** Runs a query on the org's own peer; never written to the ledger. */
  evaluate(mspId: string, request: TransactionRequest): Promise<Uint8Array>;
  /** Chaincode events in commit order, from a checkpoint (exclusive) or from the start; ends when aborted. */
  events(from: EventCheckpoint | undefined, options?: AbortOptions): AsyncIterable<LedgerEvent>;
  /** Resolves when the ledger answers; rejects with the reason otherwise. */
  ready(): Promise<void>;
  close(): Promise<void>;
}
