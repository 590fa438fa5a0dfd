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
