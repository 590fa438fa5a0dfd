import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AbortOptions } from '../../ports/abort.js';
import { BlobNotFoundError, type AddResult, type BlobStore } from '../../ports/blob-store.js';
import { describeBlobStoreContract, patternBytes } from '../../ports/blob-store.contract.js';
import { UnixfsBlobStore } from '../unixfs/unixfs-blob-store.js';
import { CachingBlobStore } from './caching-blob-store.js';

/** In-memory inner store that counts reads and yields Buffers in small pieces, as fs streams do. */
class CountingBlobStore implements BlobStore {
  readonly blobs = new Map<string, Uint8Array>();
  cats = 0;

  async add(source: AsyncIterable<Uint8Array>): Promise<AddResult> {
    const chunks: Uint8Array[] = [];
    for await (const chunk of source) chunks.push(chunk);
    const bytes = Buffer.concat(chunks);
    const cid = `mem-${createHash('sha256').update(bytes).digest('hex')}`;
    this.blobs.set(cid, bytes);
    return { cid, size: bytes.length };
  }

  async *cat(cid: string, options: AbortOptions = {}): AsyncIterable<Uint8Array> {
    this.cats++;
    const bytes = this.blobs.get(cid);
    if (bytes === undefined) throw new BlobNotFoundError();
    for (let offset = 0; offset < bytes.length; offset += 40) {
      options.signal?.throwIfAborted();
      yield Buffer.from(bytes.subarray(offset, offset + 40));
    }
  }

  async has(cid: string): Promise<boolean> {
    return this.blobs.has(cid);
  }

  async remove(cid: string): Promise<void> {
    this.blobs.delete(cid);
  }

  async ready(): Promise<void> {}
  async close(): Promise<void> {}
}

async function* once(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
}

async function read(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of source) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** A blob of `size` bytes, different for each `seed`. */
const aBlob = (size: number, seed = 0): Uint8Array => patternBytes(seed * 7, size);

describeBlobStoreContract('CachingBlobStore over UnixfsBlobStore', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'careledger-caching-'));
  const store = new CachingBlobStore(new UnixfsBlobStore({ dir }), {
    maxBytes: 4 << 20,
    maxEntryBytes: 2 << 20,
  });
  return {
    store,
    cleanup: async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

describe('CachingBlobStore', () => {
  let inner: CountingBlobStore;
  let cache: CachingBlobStore;

  beforeEach(() => {
    inner = new CountingBlobStore();
    cache = new CachingBlobStore(inner, { maxBytes: 300, maxEntryBytes: 150 });
  });

  it('serves a second read from memory', async () => {
    const { cid } = await cache.add(once(aBlob(100)));
    await read(cache.cat(cid));
    expect(await read(cache.cat(cid))).toEqual(Buffer.from(aBlob(100)));
    expect(inner.cats).toBe(1);
  });

  it('counts hits, misses, bytes and entries', async () => {
    const { cid } = await cache.add(once(aBlob(100)));
    await read(cache.cat(cid));
    await read(cache.cat(cid));
    expect(cache.stats()).toEqual({ hits: 1, misses: 1, bytes: 100, entries: 1 });
  });

  it('does not cache a blob larger than maxEntryBytes', async () => {
    const { cid } = await cache.add(once(aBlob(151)));
    expect(await read(cache.cat(cid))).toEqual(Buffer.from(aBlob(151)));
    await read(cache.cat(cid));
    expect(inner.cats).toBe(2);
    expect(cache.stats().entries).toBe(0);
  });

  it('evicts the least recently used blob when full', async () => {
    const [a, b, c, d] = await Promise.all([0, 1, 2, 3].map((seed) => cache.add(once(aBlob(100, seed)))));
    for (const { cid } of [a, b, c, a, d]) await read(cache.cat(cid));
    inner.cats = 0;
    await read(cache.cat(a.cid));
    await read(cache.cat(b.cid));
    expect(inner.cats).toBe(1);
    expect(cache.stats().bytes).toBeLessThanOrEqual(300);
  });

  it('drops the cached copy of a removed blob', async () => {
    const { cid } = await cache.add(once(aBlob(100)));
    await read(cache.cat(cid));
    await cache.remove(cid);
    expect(cache.stats()).toMatchObject({ bytes: 0, entries: 0 });
    await expect(read(cache.cat(cid))).rejects.toBeInstanceOf(BlobNotFoundError);
  });

  it('does not cache a blob removed while it was being read', async () => {
    const { cid } = await cache.add(once(aBlob(100)));
    const reader = cache.cat(cid)[Symbol.asyncIterator]();
    await reader.next();
    await cache.remove(cid);
    while (!(await reader.next()).done);
    expect(cache.stats().entries).toBe(0);
  });

  it('caches nothing when the reader stops early', async () => {
    const { cid } = await cache.add(once(aBlob(100)));
    for await (const _chunk of cache.cat(cid)) break;
    expect(cache.stats().entries).toBe(0);
  });

  it('caches nothing when the inner read fails', async () => {
    await expect(read(cache.cat('mem-absent'))).rejects.toBeInstanceOf(BlobNotFoundError);
    expect(cache.stats()).toEqual({ hits: 0, misses: 1, bytes: 0, entries: 0 });
  });

  it('keeps its copy intact when readers mutate their chunks', async () => {
    const { cid } = await cache.add(once(aBlob(100)));
    for (let i = 0; i < 2; i++) for await (const chunk of cache.cat(cid)) chunk.fill(0xff);
    expect(await read(cache.cat(cid))).toEqual(Buffer.from(aBlob(100)));
  });

  it('refuses maxEntryBytes above maxBytes', () => {
    expect(() => new CachingBlobStore(inner, { maxBytes: 10, maxEntryBytes: 11 })).toThrow(RangeError);
  });

  it('asks the inner store what it holds', async () => {
    const { cid } = await cache.add(once(aBlob(10)));
    expect(await cache.has(cid)).toBe(true);
    expect(await cache.has('mem-absent')).toBe(false);
  });
});
