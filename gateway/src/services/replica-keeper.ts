import type { Logger } from '../ports/logger.js';
import type { RecordFact, RecordFactFeed } from '../ports/record-facts.js';
import type { ReplicaStore } from '../ports/replica-store.js';
import { runInBackground } from './ledger-follower.js';

/** How the keeper paces itself. */
export interface ReplicaKeeperOptions {
  /** Time between sweeps that bring the replicas in step with the keys (retrying what failed), ms. */
  sweepMs: number;
  /** First wait after a failure (a peer that does not answer); doubles up to 30 s. */
  retryMs?: number;
  /** Deadline of the garbage collection after replicas were dropped, ms (default 60 000). */
  gcTimeoutMs?: number;
}

/** What the keeper has done since it started (the counts the log reports; no ids). */
export interface ReplicaCounts {
  pinned: number;
  dropped: number;
  /** Pins or unpins that failed (each is tried again by the next sweep). */
  failed: number;
}

interface Known {
  cid?: string;
  homeOrg?: string;
  erased: boolean;
  keyHeld: boolean;
  /** An erased record's blob has been removed from this node. */
  removed?: boolean;
}

type Wanted = 'replica' | 'erased' | 'nothing';

/**
 * Keeps replicas of other hospitals' records on this hospital's own Kubo node exactly while this hospital's own
 * collection holds the record's data key: a consent or a break-glass session that gives the org access writes the
 * key there (the replica is pinned at once, before anyone reads), a revocation or the end of a session deletes
 * it (the replica is unpinned and garbage-collected; a consent that merely expires deletes no key, so its replica
 * stays until one is deleted). An erased record's blob leaves the node
 * whatever pinned it. It follows what the ledger hands this org's own peer (record anchors, CIDs in the metadata
 * it receives, its own data keys), replaying the history at start, then block by block; the state is rebuilt from
 * the ledger at every start, so it keeps no checkpoint. A periodic sweep compares the node's replica pins with the
 * keys held and repairs the difference (a pin or unpin that failed, or a replica a read left behind).
 */
export class ReplicaKeeper {
  private readonly records = new Map<string, Known>();
  private next = 0n;
  private current = false;
  private readonly gcTimeoutMs: number;
  readonly counts: ReplicaCounts = { pinned: 0, dropped: 0, failed: 0 };

  constructor(
    private readonly feed: RecordFactFeed,
    private readonly store: ReplicaStore,
    private readonly ownOrg: string,
    private readonly log: Logger,
    private readonly options: ReplicaKeeperOptions,
  ) {
    this.gcTimeoutMs = options.gcTimeoutMs ?? 60_000;
  }

  /** Whether the keeper has replayed the ledger's history (before that a sweep does nothing). */
  get isCurrent(): boolean {
    return this.current;
  }

  /** The CIDs this node should keep as replicas now. */
  wanted(): Set<string> {
    const out = new Set<string>();
    for (const known of this.records.values()) if (this.wants(known)) out.add(known.cid!);
    return out;
  }

  private want(known: Known): Wanted {
    if (known.erased) return 'erased';
    return this.wants(known) ? 'replica' : 'nothing';
  }

  private wants(known: Known): boolean {
    return known.keyHeld && !known.erased && known.cid !== undefined && known.homeOrg !== undefined && known.homeOrg !== this.ownOrg;
  }

  /**
   * Follows the feed from where it stopped (the start of the chain the first time) until `signal` aborts. Once the
   * history is replayed it sweeps, then brings each record a new block touched in step at once.
   */
  async follow(signal: AbortSignal): Promise<void> {
    const height = this.current ? 0n : await this.feed.height({ signal });
    for await (const block of this.feed.blocks(this.next, { signal })) {
      const touched = this.apply(block.facts);
      this.next = block.blockNumber + 1n;
      if (!this.current) {
        if (this.next < height) continue;
        this.current = true;
        this.log.info({ blocks: Number(this.next), records: this.records.size }, 'replica keeper: ledger history replayed');
        await this.sweep();
        continue;
      }
      if (touched.size > 0) await this.reconcile(touched);
    }
  }

  /** Updates what is known; answers the records whose replica may have to change. */
  private apply(facts: RecordFact[]): Set<string> {
    const touched = new Set<string>();
    for (const fact of facts) {
      const known = this.records.get(fact.recordId) ?? { erased: false, keyHeld: false };
      const before = this.want(known);
      if (fact.kind === 'anchor') {
        known.homeOrg = fact.homeOrg;
        known.erased ||= fact.erased;
      } else if (fact.kind === 'cid') {
        known.cid = fact.cid;
      } else {
        known.keyHeld = fact.held;
      }
      this.records.set(fact.recordId, known);
      if (this.want(known) !== before) touched.add(fact.recordId);
    }
    return touched;
  }

  /** Pins or unpins the replicas of the records named; a failure is counted, logged and left to the sweep. */
  private async reconcile(recordIds: Iterable<string>): Promise<void> {
    let dropped = 0;
    for (const recordId of recordIds) {
      const known = this.records.get(recordId);
      if (!known?.cid) continue;
      try {
        if (known.erased) {
          await this.store.remove(known.cid);
          known.removed = true;
          dropped++;
        } else if (this.wants(known)) {
          if ((await this.store.replicate(known.cid)) === 'pinned') this.counts.pinned++;
        } else {
          await this.store.dropReplica(known.cid);
          dropped++;
        }
      } catch (err) {
        this.counts.failed++;
        this.log.warn({ err, failed: this.counts.failed }, 'replica keeper: a pin or unpin failed; the next sweep retries it');
      }
    }
    if (dropped > 0) await this.collect(dropped);
  }

  /**
   * Compares the node's replica pins with the keys held: drops the replicas no key justifies, pins the missing
   * ones, removes erased records' blobs. Answers how many pins it changed (nothing before the history is replayed).
   */
  async sweep(): Promise<number> {
    if (!this.current) return 0;
    const wanted = this.wanted();
    const pinned = new Set(await this.store.replicas());
    const erased = [...this.records.values()].filter((k) => k.erased && !k.removed && k.cid !== undefined);
    let changed = 0;
    let dropped = 0;
    const attempt = async (work: () => Promise<unknown>): Promise<void> => {
      try {
        await work();
        changed++;
      } catch (err) {
        this.counts.failed++;
        this.log.warn({ err, failed: this.counts.failed }, 'replica keeper: a pin or unpin failed; the next sweep retries it');
      }
    };
    for (const cid of pinned) {
      if (!wanted.has(cid)) await attempt(async () => (await this.store.dropReplica(cid), dropped++));
    }
    for (const cid of wanted) {
      if (!pinned.has(cid)) await attempt(async () => ((await this.store.replicate(cid)) === 'pinned' ? this.counts.pinned++ : undefined));
    }
    for (const known of erased) await attempt(async () => (await this.store.remove(known.cid!), (known.removed = true), dropped++));
    if (dropped > 0) await this.collect(dropped);
    if (changed > 0) this.log.info({ changed, ...this.counts }, 'replica keeper: sweep brought the replicas in step with the keys');
    return changed;
  }

  /** Garbage-collects after unpins (within a deadline: a gc that does not finish is left to the next one). */
  private async collect(dropped: number): Promise<void> {
    this.counts.dropped += dropped;
    try {
      await this.store.reclaim({ signal: AbortSignal.timeout(this.gcTimeoutMs) });
    } catch (err) {
      this.log.warn({ err }, 'replica keeper: garbage collection after unpinning did not finish; the blocks go with the next one');
    }
    this.log.info({ ...this.counts }, 'replica keeper: replicas unpinned');
  }

  /** Runs the follower and the sweep in the background until `stop()` (failures are logged and retried). */
  start(): { stop(): Promise<void> } {
    const work = { name: 'the replica keeper', follow: (signal: AbortSignal) => this.follow(signal), sweep: () => this.sweep() };
    return runInBackground(work, this.log, { sweepMs: this.options.sweepMs, retryMs: this.options.retryMs, sweepAtStart: false });
  }
}
