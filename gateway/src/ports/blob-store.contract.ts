import { createHash } from 'node:crypto';
import { BlobNotFoundError, type BlobStore } from './blob-store.js';

/** A store under test and how to dispose of it (close it and delete its data). */
export interface BlobStoreSubject {
  store: BlobStore;
  cleanup: () => Promise<void>;
}

/** Byte `i` of every test blob is `i % 251`, so that no two 256 KiB chunks of a blob are equal. */
export function patternBytes(offset: number, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (offset + i) % 251;
  return bytes;
}

/** Streams `size` pattern bytes in pieces of `piece` bytes, never holding the whole blob. */
export async function* patternStream(size: number, piece = 65_536): AsyncIterable<Uint8Array> {
  for (let offset = 0; offset < size; offset += piece)
    yield patternBytes(offset, Math.min(piece, size - offset));
}

/**
 * Known answers: CIDv1 of the pattern blobs under the port's options (raw leaves, 262144-byte chunks, balanced
 * DAG of 174 links). The single-block ones are sha256 raw CIDs; all of them were derived independently from
 * the UnixFS/dag-pb specs in unixfs-blob-store.test.ts; the importer under these options was measured equal to
 * Kubo 0.42 (docs/DECISIONS.md#both-blob-stores-give-the-same-cids), and kubo-blob-store.network.test.ts checks it.
 */
export const KNOWN_BLOBS: readonly { name: string; size: number; cid: string }[] = [
  { name: '0 B', size: 0, cid: 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku' },
  { name: '1 B', size: 1, cid: 'bafkreidogqfzz75tpkmjzjke425xqcrmpcib2p5tg44hnbirumdbpl5adu' },
  { name: '64 KiB', size: 65_536, cid: 'bafkreiclmqgylkz3umh5ale7zhnuvcji6qldekwsoarouwfglkxoncsn6i' },
  {
    name: '256 KiB + 1 B',
    size: 262_145,
    cid: 'bafybeiexg2oqkfnj56l7fcmawswqbijt5shq4b5rg6a546uwpkqqzwjioi',
  },
  { name: '3 MiB', size: 3_145_728, cid: 'bafybeidci4gr2nydwtknrbh5u4piscvvpwbwzy6cog5ihoupkl4bsbbcni' },
  // The smallest two-level DAG: 174 full leaves under one node, the 175th under a second.
  {
    name: '174 chunks + 1 B',
    size: 174 * 262_144 + 1,
    cid: 'bafybeib4y7ghw2rq7bracc4xwtxrbzo7cfvagdpte2tmrkgwl6dyard3cm',
  },
];

/** A valid CID (raw, of the text "CareLedger: never stored") that no test adds. */
export const ABSENT_CID = 'bafkreiaqb7cvoaajof37y3z3ejfgcqy4oypkns5ps2lb44pznj5uu5i4fa';

const MIB = 1_048_576;
const CHUNK = 262_144;

/** Digest and length of a stream, so large blobs are compared without keeping them. */
export async function digestOf(source: AsyncIterable<Uint8Array>): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of source) {
    hash.update(chunk);
    size += chunk.byteLength;
  }
  return { size, sha256: hash.digest('hex') };
}

async function expectNotFound(source: AsyncIterable<Uint8Array>): Promise<void> {
  await expect(digestOf(source)).rejects.toBeInstanceOf(BlobNotFoundError);
}

/**
 * The BlobStore port's contract. Every adapter's test calls it:
 * `describeBlobStoreContract('UnixfsBlobStore', async () => ({ store, cleanup }))`.
 */
export function describeBlobStoreContract(name: string, makeStore: () => Promise<BlobStoreSubject>): void {
  describe(`${name} (BlobStore contract)`, () => {
    let subject: BlobStoreSubject;
    let store: BlobStore;

    beforeEach(async () => {
      subject = await makeStore();
      store = subject.store;
      await store.ready();
    });

    afterEach(async () => {
      await subject.cleanup();
    });

    it.each(KNOWN_BLOBS)(
      'gives the Kubo-compatible CID for the $name pattern blob',
      async ({ size, cid }) => {
        await expect(store.add(patternStream(size))).resolves.toEqual({ cid, size });
      },
      30_000,
    );

    it.each([0, 1, CHUNK, MIB + 3])('streams back the %d bytes it stored', async (size) => {
      const { cid } = await store.add(patternStream(size));
      expect(await digestOf(store.cat(cid))).toEqual(await digestOf(patternStream(size)));
    });

    it('gives the same CID however the input is split', async () => {
      const whole = await store.add(patternStream(MIB + 3, MIB + 3));
      const pieces = await store.add(patternStream(MIB + 3, 1_000));
      expect(pieces.cid).toBe(whole.cid);
    });

    it('knows what it holds and what it does not', async () => {
      const { cid } = await store.add(patternStream(10));
      expect(await store.has(cid)).toBe(true);
      expect(await store.has(ABSENT_CID)).toBe(false);
    });

    it('refuses to stream a CID it does not hold', async () => {
      await expectNotFound(store.cat(ABSENT_CID));
    });

    it('forgets a removed blob', async () => {
      const { cid } = await store.add(patternStream(MIB + 3));
      await store.remove(cid);
      expect(await store.has(cid)).toBe(false);
      await expectNotFound(store.cat(cid));
    });

    it('removes idempotently, including CIDs it never held', async () => {
      const { cid } = await store.add(patternStream(100));
      await store.remove(cid);
      await expect(store.remove(cid)).resolves.toBeUndefined();
      await expect(store.remove(ABSENT_CID)).resolves.toBeUndefined();
    });

    it('pins the same bytes once: one remove unpins them', async () => {
      const first = await store.add(patternStream(CHUNK + 1));
      const second = await store.add(patternStream(CHUNK + 1));
      expect(second.cid).toBe(first.cid);
      await store.remove(first.cid);
      expect(await store.has(first.cid)).toBe(false);
    });

    it('keeps a blob whose blocks another removed blob shared', async () => {
      // A blob of exactly one chunk is the first leaf of the longer blob.
      const big = await store.add(patternStream(MIB + 3));
      const leaf = await store.add(patternStream(CHUNK));
      await store.remove(big.cid);
      expect(await digestOf(store.cat(leaf.cid))).toEqual(await digestOf(patternStream(CHUNK)));
    });

    it('keeps a blob when a blob made of one of its blocks is removed', async () => {
      const big = await store.add(patternStream(MIB + 3));
      const leaf = await store.add(patternStream(CHUNK));
      await store.remove(leaf.cid);
      expect(await digestOf(store.cat(big.cid))).toEqual(await digestOf(patternStream(MIB + 3)));
    });

    it('keeps a blob added while a blob sharing its blocks is removed', async () => {
      const leaf = await store.add(patternStream(CHUNK));
      const [big] = await Promise.all([store.add(patternStream(MIB + 3, 4_096)), store.remove(leaf.cid)]);
      expect(await digestOf(store.cat(big.cid))).toEqual(await digestOf(patternStream(MIB + 3)));
    });

    it('adds the same bytes concurrently', async () => {
      const results = await Promise.all([1, 2, 3].map(() => store.add(patternStream(MIB + 3, 10_000))));
      expect(new Set(results.map((r) => r.cid)).size).toBe(1);
      expect(await digestOf(store.cat(results[0].cid))).toEqual(await digestOf(patternStream(MIB + 3)));
    });

    it('refuses to start an add whose signal is already aborted', async () => {
      await expect(store.add(patternStream(10), { signal: AbortSignal.abort() })).rejects.toThrow();
    });

    it('stops an add aborted mid-stream', async () => {
      const controller = new AbortController();
      async function* source(): AsyncIterable<Uint8Array> {
        let sent = 0;
        for await (const chunk of patternStream(4 * MIB)) {
          if ((sent += chunk.byteLength) > MIB) controller.abort();
          yield chunk;
        }
      }
      await expect(store.add(source(), { signal: controller.signal })).rejects.toThrow();
    });

    it('stops a cat whose signal is aborted', async () => {
      const { cid } = await store.add(patternStream(MIB + 3));
      await expect(digestOf(store.cat(cid, { signal: AbortSignal.abort() }))).rejects.toThrow();
    });

    it('passes a failing source on as the failure of add', async () => {
      async function* source(): AsyncIterable<Uint8Array> {
        yield patternBytes(0, 1_000);
        throw new Error('upload interrupted');
      }
      await expect(store.add(source())).rejects.toThrow('upload interrupted');
    });
  });
}
