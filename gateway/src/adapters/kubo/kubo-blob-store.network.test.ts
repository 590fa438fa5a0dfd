import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describeBlobStoreContract, patternStream } from '../../ports/blob-store.contract.js';
import { UnixfsBlobStore } from '../unixfs/unixfs-blob-store.js';
import { startKubo, type KuboDaemon } from '../../../../test/support/kubo-daemon.js';
import { KuboBlobStore } from './kubo-blob-store.js';

let kubo: KuboDaemon;
beforeAll(async () => {
  kubo = await startKubo();
}, 60_000);
afterAll(async () => {
  await kubo?.stop();
});

describeBlobStoreContract('KuboBlobStore', async () => {
  const store = new KuboBlobStore({ url: kubo.apiUrl });
  // Each subject starts from an empty pin set.
  for await (const pin of (await import('kubo-rpc-client')).create({ url: kubo.apiUrl }).pin.ls({ type: 'recursive' })) {
    await store.remove(pin.cid.toString());
  }
  return { store, cleanup: async () => store.close() };
});

describe('Kubo and the embedded store', () => {
  it.each([
    ['64 KiB', 65_536],
    ['3 MiB', 3 * 1024 * 1024],
    ['100 MiB', 100 * 1024 * 1024],
  ])('give the same CID for the same %s', async (_name, size) => {
    const dir = await mkdtemp(path.join(tmpdir(), 'careledger-cid-'));
    const embedded = new UnixfsBlobStore({ dir });
    try {
      const kuboStore = new KuboBlobStore({ url: kubo.apiUrl });
      const [a, b] = [await embedded.add(patternStream(size)), await kuboStore.add(patternStream(size))];
      expect(b.cid).toBe(a.cid);
      await kuboStore.remove(b.cid);
    } finally {
      await embedded.close();
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('KuboBlobStore configuration', () => {
  it('accepts the API URL with or without /api/v0 (connection.json gives the bare host)', async () => {
    const bare = new KuboBlobStore({ url: kubo.apiUrl.replace(/\/api\/v0$/, '') });
    const { cid } = await bare.add(patternStream(70_000));
    await expect(bare.has(cid)).resolves.toBe(true);
    await bare.remove(cid);
  });
});

describe('KuboBlobStore garbage collection', () => {
  it("keeps a removed blob's blocks until reclaim() runs Kubo's garbage collector (gcOnRemove off)", async () => {
    const { create } = await import('kubo-rpc-client');
    const { CID } = await import('multiformats/cid');
    const client = create({ url: kubo.apiUrl });
    const hash = (ref: string) => Buffer.from(CID.parse(ref).multihash.bytes).toString('hex');
    const local = async () => {
      const out = new Set<string>();
      for await (const r of client.refs.local()) out.add(hash(r.ref));
      return out;
    };
    const store = new KuboBlobStore({ url: kubo.apiUrl, gcOnRemove: false });
    const { cid } = await store.add(patternStream(700_000));
    const blocks = [hash(cid)];
    for await (const r of client.refs(CID.parse(cid), { recursive: true })) blocks.push(hash(r.ref));
    expect(blocks.length).toBeGreaterThan(3);

    await store.remove(cid);
    const unpinned = await local();
    for (const block of blocks) expect(unpinned.has(block)).toBe(true);

    await store.reclaim({ signal: AbortSignal.timeout(30_000) });
    const collected = await local();
    for (const block of blocks) expect(collected.has(block)).toBe(false);
  }, 60_000);
});
