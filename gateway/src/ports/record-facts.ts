import type { AbortOptions } from './abort.js';

/**
 * What one committed transaction told this org's own peer about a record: its public anchor (home org, and
 * whether it was erased), its CID (in record metadata the peer received), or whether the org's own collection
 * now holds the record's data key. Opaque ids and CIDs only.
 */
export type RecordFact =
  | { kind: 'anchor'; recordId: string; homeOrg: string; erased: boolean }
  | { kind: 'cid'; recordId: string; cid: string }
  | { kind: 'key'; recordId: string; held: boolean };

/** The facts of one block's valid transactions, in commit order. */
export interface RecordFactBlock {
  blockNumber: bigint;
  facts: RecordFact[];
}

/** The record facts the ledger hands one org's own peer, block by block (the peer's private-data delivery). */
export interface RecordFactFeed {
  /** The number of blocks the peer has committed: the history to replay before the feed is current. */
  height(options?: AbortOptions): Promise<bigint>;
  /** Every block from `from` on, in order, as it commits; ends when aborted. */
  blocks(from: bigint, options?: AbortOptions): AsyncIterable<RecordFactBlock>;
}
