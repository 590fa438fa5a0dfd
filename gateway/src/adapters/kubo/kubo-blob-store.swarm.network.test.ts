/**
 * The KuboBlobStore on a two-node private swarm, as each hospital's node runs in the consortium topology (swarm
 * key, no DHT, each node peering with the other): the BlobStore contract on a node that reads from its swarm
 * peer, and the replicas one node keeps of the other's blobs. The test starts the two nodes itself from the Kubo
 * binary `npm run network:install` builds; it needs no running network.
 */
import { create } from 'kubo-rpc-client';
import { CID } from 'multiformats/cid';
import { ABSENT_CID, describeBlobStoreContract, digestOf, patternStream } from '../../ports/blob-store.contract.js';
import { BlobNotFoundError } from '../../ports/blob-store.js';
import { startKuboSwarm, type SwarmNode } from '../../../../test/support/kubo-daemon.js';
import { KuboBlobStore } from './kubo-blob-store.js';

let swarm: Awaited<ReturnType<typeof startKuboSwarm>>;
let a: SwarmNode;
let b: SwarmNode;
beforeAll(async () => {
  swarm = await startKuboSwarm(2);
  [a, b] = swarm.nodes as [SwarmNode, SwarmNode];
}, 90_000);
afterAll(async () => {
  await swarm?.stop();
});

/** Unpins everything on a node and collects the garbage: each case starts from empty nodes. */
async function empty(node: SwarmNode): Promise<void> {
  const client = create({ url: node.apiUrl });
  for await (const pin of client.pin.ls({ type: 'recursive' })) await client.pin.rm(pin.cid);
  for await (const _ of client.repo.gc()) {
    // drain
  }
}

/** The hashes of the blocks a node holds in its repo (pinned or not). */
async function localBlocks(node: SwarmNode): Promise<Set<string>> {
  const out = new Set<string>();
  for await (const r of create({ url: node.apiUrl }).refs.local()) out.add(Buffer.from(CID.parse(r.ref).multihash.bytes).toString('hex'));
  return out;
}

/** The hashes of a blob's blocks (root and every descendant), read on `node`. */
async function blocksOf(node: SwarmNode, cid: string): Promise<string[]> {
  const hash = (ref: string) => Buffer.from(CID.parse(ref).multihash.bytes).toString('hex');
  const out = [hash(cid)];
  for await (const r of create({ url: node.apiUrl }).refs(CID.parse(cid), { recursive: true })) out.push(hash(r.ref));
  return out;
}

describeBlobStoreContract('KuboBlobStore on a two-node private swarm', async () => {
  await Promise.all([empty(a), empty(b)]);
  const store = new KuboBlobStore({ url: a.apiUrl, readFromSwarm: true });
  return { store, cleanup: async () => store.close() };
});

describe('replicas on a two-node private swarm', () => {
  const nodeA = () => new KuboBlobStore({ url: a.apiUrl, readFromSwarm: true });
  const nodeB = () => new KuboBlobStore({ url: b.apiUrl, readFromSwarm: true });
  beforeEach(async () => {
    await Promise.all([empty(a), empty(b)]);
  }, 30_000);

  it("B reads a blob only A holds (bitswap) and keeps it as a replica, which dropReplica unpins and gc removes; A's stays", async () => {
    const { cid } = await nodeA().add(patternStream(700_000));
    expect(await nodeB().has(cid)).toBe(false);
    expect(await digestOf(nodeB().cat(cid))).toEqual(await digestOf(patternStream(700_000)));
    expect(await nodeB().has(cid)).toBe(true);
    expect(await nodeB().replicas()).toEqual([cid]);

    const blocks = await blocksOf(a, cid);
    await nodeB().dropReplica(cid);
    await nodeB().reclaim();
    expect(await nodeB().has(cid)).toBe(false);
    const left = await localBlocks(b);
    for (const block of blocks) expect(left.has(block)).toBe(false);
    expect(await nodeA().has(cid)).toBe(true);
  }, 60_000);

  it('replicate pins every block of the blob on B before anyone reads it, and B serves it without A', async () => {
    const { cid } = await nodeA().add(patternStream(3 * 1024 * 1024));
    await expect(nodeB().replicate(cid)).resolves.toBe('pinned');
    const held = await localBlocks(b);
    for (const block of await blocksOf(a, cid)) expect(held.has(block)).toBe(true);
    // Offline read on B: every block is local.
    const res = await fetch(`${b.apiUrl}/cat?${new URLSearchParams([['arg', cid], ['offline', 'true']])}`, { method: 'POST' });
    expect(res.status).toBe(200);
    expect((await res.arrayBuffer()).byteLength).toBe(3 * 1024 * 1024);
  }, 60_000);

  it("never takes a blob the node holds as its own for a replica: replicate answers 'own', dropReplica leaves it", async () => {
    const { cid } = await nodeB().add(patternStream(70_000));
    await expect(nodeB().replicate(cid)).resolves.toBe('own');
    await nodeB().dropReplica(cid);
    expect(await nodeB().has(cid)).toBe(true);
    expect(await nodeB().replicas()).toEqual([]);
  });

  it('a blob neither node holds is not found on B within the probe deadline (every kept peer connected)', async () => {
    const started = Date.now();
    const error = await digestOf(new KuboBlobStore({ url: b.apiUrl, readFromSwarm: true, swarmProbeMs: 1_000 }).cat(ABSENT_CID)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BlobNotFoundError);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  // Last: it stops node A.
  it('with A stopped, a blob B does not hold is unavailable (A may hold it), not "not found"; a replica B holds is served', async () => {
    const { cid: replicated } = await nodeA().add(patternStream(300_000));
    const { cid: onlyA } = await nodeA().add(patternStream(400_000));
    await nodeB().replicate(replicated);
    await a.stop();
    const store = new KuboBlobStore({ url: b.apiUrl, readFromSwarm: true, timeoutMs: 2_000 });
    // B notices the closed connection at once (the peer's TCP connection ends).
    const deadline = Date.now() + 10_000;
    while ((await create({ url: b.apiUrl }).swarm.peers()).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(await digestOf(store.cat(replicated))).toEqual(await digestOf(patternStream(300_000)));
    await expect(digestOf(store.cat(onlyA))).rejects.toMatchObject({ name: 'DependencyUnavailableError', dependency: 'blob-store' });
  }, 60_000);
});
