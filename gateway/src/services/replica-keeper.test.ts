import type { AbortOptions } from '../ports/abort.js';
import type { RecordFact, RecordFactBlock, RecordFactFeed } from '../ports/record-facts.js';
import type { ReplicaStore } from '../ports/replica-store.js';
import { ReplicaKeeper } from './replica-keeper.js';

const silent = { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} } as never;

/** A ledger whose blocks the test appends; `blocks` waits for the next one until aborted. */
class FakeFeed implements RecordFactFeed {
  readonly chain: RecordFact[][] = [];
  private wake: (() => void) | undefined;

  append(...facts: RecordFact[]): void {
    this.chain.push(facts);
    this.wake?.();
  }

  async height(): Promise<bigint> {
    return BigInt(this.chain.length);
  }

  async *blocks(from: bigint, options: AbortOptions = {}): AsyncIterable<RecordFactBlock> {
    for (let n = Number(from); !options.signal?.aborted; n++) {
      while (n >= this.chain.length) {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          options.signal?.addEventListener('abort', () => resolve(), { once: true });
        });
        if (options.signal?.aborted) return;
      }
      yield { blockNumber: BigInt(n), facts: this.chain[n]! };
    }
  }
}

/** A node: own pins (from adds) and replica pins; `failing` makes every replicate fail. */
class FakeNode implements ReplicaStore {
  readonly own = new Set<string>();
  readonly replicaPins = new Set<string>();
  failing = false;
  gcs = 0;

  async replicate(cid: string): Promise<'pinned' | 'own'> {
    if (this.own.has(cid)) return 'own';
    if (this.failing) throw new Error('kubo did not answer');
    this.replicaPins.add(cid);
    return 'pinned';
  }
  async dropReplica(cid: string): Promise<void> {
    this.replicaPins.delete(cid);
  }
  async replicas(): Promise<string[]> {
    return [...this.replicaPins];
  }
  async remove(cid: string): Promise<void> {
    this.own.delete(cid);
    this.replicaPins.delete(cid);
  }
  async reclaim(): Promise<void> {
    this.gcs++;
  }
}

const B = 'HospitalBMSP';
const anchor = (recordId: string, homeOrg = 'HospitalAMSP', erased = false): RecordFact => ({ kind: 'anchor', recordId, homeOrg, erased });
const cid = (recordId: string): RecordFact => ({ kind: 'cid', recordId, cid: `cid-${recordId}` });
const key = (recordId: string, held = true): RecordFact => ({ kind: 'key', recordId, held });

async function until(check: () => boolean, ms = 2_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('ReplicaKeeper', () => {
  let feed: FakeFeed;
  let node: FakeNode;
  let keeper: ReplicaKeeper;
  let running: { stop(): Promise<void> } | undefined;

  beforeEach(() => {
    feed = new FakeFeed();
    node = new FakeNode();
    keeper = new ReplicaKeeper(feed, node, B, silent, { sweepMs: 3_600_000, retryMs: 10 });
  });
  afterEach(async () => {
    await running?.stop();
    running = undefined;
  });

  it('pins a record of another org when its data key reaches this org, and unpins and collects when the key goes', async () => {
    feed.append(anchor('r1'), cid('r1'));
    running = keeper.start();
    await until(() => keeper.isCurrent);
    expect(node.replicaPins.size).toBe(0);

    feed.append(key('r1'));
    await until(() => node.replicaPins.has('cid-r1'));

    feed.append(key('r1', false));
    await until(() => !node.replicaPins.has('cid-r1'));
    await until(() => node.gcs === 1);
    expect(keeper.counts).toEqual({ pinned: 1, dropped: 1, failed: 0 });
  });

  it("never replicates the org's own records, and leaves a blob held as the node's own alone", async () => {
    node.own.add('cid-mine');
    feed.append(anchor('mine', B), { kind: 'cid', recordId: 'mine', cid: 'cid-mine' }, key('mine'));
    feed.append(anchor('contributed'), { kind: 'cid', recordId: 'contributed', cid: 'cid-mine' }, key('contributed'));
    running = keeper.start();
    await until(() => keeper.isCurrent);
    expect(node.replicaPins.size).toBe(0);
    expect(node.own.has('cid-mine')).toBe(true);
  });

  it('replays the history at start: only what the org still holds a key of is pinned', async () => {
    feed.append(anchor('r1'), cid('r1'), anchor('r2'), cid('r2'));
    feed.append(key('r1'), key('r2'));
    feed.append(key('r2', false));
    running = keeper.start();
    await until(() => keeper.isCurrent);
    await until(() => node.replicaPins.size === 1);
    expect([...node.replicaPins]).toEqual(['cid-r1']);
  });

  it('the sweep drops a replica no key justifies (one a read left) and retries a pin that failed', async () => {
    node.replicaPins.add('cid-stale');
    feed.append(anchor('r1'), cid('r1'));
    running = keeper.start();
    await until(() => keeper.isCurrent);
    await until(() => !node.replicaPins.has('cid-stale'));

    node.failing = true;
    feed.append(key('r1'));
    await until(() => keeper.counts.failed === 1);
    expect(node.replicaPins.has('cid-r1')).toBe(false);

    node.failing = false;
    await keeper.sweep();
    expect(node.replicaPins.has('cid-r1')).toBe(true);
  });

  it('does not sweep before the history is replayed (it would drop every replica)', async () => {
    node.replicaPins.add('cid-r1');
    expect(await keeper.sweep()).toBe(0);
    expect(node.replicaPins.has('cid-r1')).toBe(true);
  });

  it("an erased record's blob leaves the node whatever pinned it", async () => {
    node.own.add('cid-contributed');
    feed.append(anchor('r1'), cid('r1'), key('r1'), anchor('contributed'), { kind: 'cid', recordId: 'contributed', cid: 'cid-contributed' }, key('contributed'));
    running = keeper.start();
    await until(() => node.replicaPins.has('cid-r1'));

    feed.append(anchor('r1', 'HospitalAMSP', true), anchor('contributed', 'HospitalAMSP', true));
    await until(() => node.replicaPins.size === 0 && node.own.size === 0);
  });
});
