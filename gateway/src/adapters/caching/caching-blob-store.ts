import type { AbortOptions } from '../../ports/abort.js';
import type { AddResult, BlobStore } from '../../ports/blob-store.js';

/** Bounds of a {@link CachingBlobStore}. */
export interface CachingBlobStoreOptions {
  /** Total bytes the cache may hold. */
  maxBytes: number;
  /** Largest blob that is cached; larger blobs always stream from the inner store. At most `maxBytes`. */
  maxEntryBytes: number;
}

/** Counters of a {@link CachingBlobStore}. */
export interface CacheStats {
  hits: number;
  misses: number;
  /** Bytes of blob content held now. */
  bytes: number;
  entries: number;
}

interface Entry {
  chunks: Uint8Array[];
  size: number;
}

/** A fill in progress; a removal of its CID cancels it so the removed blob cannot come back into the cache. */
interface Fill {
  cancelled: boolean;
}

/**
 * A BlobStore decorator that keeps whole blobs in a byte-bounded LRU memory cache. The blobs are ciphertext,
 * so the cache holds nothing readable. A miss streams from the inner store and fills the cache on the way,
 * copying chunks only while the blob stays within `maxEntryBytes`; a read that stops early caches nothing.
 * Cached bytes are handed out as copies, so a consumer that mutates its chunks cannot corrupt the cache.
 * `has` and `add` go to the inner store, which stays the authority on what is stored.
 */
export class CachingBlobStore implements BlobStore {
  /** Map order is recency order: the first key is the least recently used. */
  private readonly entries = new Map<string, Entry>();
  private readonly fills = new Map<string, Set<Fill>>();
  private bytes = 0;
  private hits = 0;
  private misses = 0;

  constructor(
    private readonly inner: BlobStore,
    private readonly options: CachingBlobStoreOptions,
  ) {
    const { maxBytes, maxEntryBytes } = options;
    if (!Number.isSafeInteger(maxBytes) || maxBytes < 0)
      throw new RangeError('maxBytes must be a non-negative integer');
    if (!Number.isSafeInteger(maxEntryBytes) || maxEntryBytes < 0 || maxEntryBytes > maxBytes) {
      throw new RangeError('maxEntryBytes must be a non-negative integer no larger than maxBytes');
    }
  }

  /** Current counters. */
  stats(): CacheStats {
    return { hits: this.hits, misses: this.misses, bytes: this.bytes, entries: this.entries.size };
  }

  add(source: AsyncIterable<Uint8Array>, options?: AbortOptions): Promise<AddResult> {
    return this.inner.add(source, options);
  }

  async *cat(cid: string, options: AbortOptions = {}): AsyncIterable<Uint8Array> {
    const entry = this.entries.get(cid);
    if (entry !== undefined) {
      this.hits++;
      this.touch(cid, entry);
      for (const chunk of entry.chunks) {
        options.signal?.throwIfAborted();
        yield new Uint8Array(chunk);
      }
      return;
    }
    this.misses++;
    yield* this.fill(cid, options);
  }

  has(cid: string, options?: AbortOptions): Promise<boolean> {
    return this.inner.has(cid, options);
  }

  async remove(cid: string, options?: AbortOptions): Promise<void> {
    this.invalidate(cid);
    try {
      await this.inner.remove(cid, options);
    } finally {
      // Again: a read that started while the inner store was removing may have filled the cache meanwhile.
      this.invalidate(cid);
    }
  }

  ready(): Promise<void> {
    return this.inner.ready();
  }

  async close(): Promise<void> {
    for (const fills of this.fills.values()) for (const fill of fills) fill.cancelled = true;
    this.entries.clear();
    this.bytes = 0;
    await this.inner.close();
  }

  private async *fill(cid: string, options: AbortOptions): AsyncIterable<Uint8Array> {
    const fill: Fill = { cancelled: false };
    const fills = this.fills.get(cid) ?? new Set<Fill>();
    fills.add(fill);
    this.fills.set(cid, fills);
    let kept: Uint8Array[] | undefined = this.options.maxEntryBytes > 0 ? [] : undefined;
    let size = 0;
    try {
      for await (const chunk of this.inner.cat(cid, options)) {
        size += chunk.byteLength;
        if (kept !== undefined) {
          // Copy before yielding: the consumer may reuse or mutate its chunk. (Not slice(): on a Buffer it is a view.)
          if (size <= this.options.maxEntryBytes) kept.push(new Uint8Array(chunk));
          else kept = undefined;
        }
        yield chunk;
      }
      if (kept !== undefined && !fill.cancelled) this.insert(cid, { chunks: kept, size });
    } finally {
      fills.delete(fill);
      if (fills.size === 0 && this.fills.get(cid) === fills) this.fills.delete(cid);
    }
  }

  private insert(cid: string, entry: Entry): void {
    this.drop(cid);
    this.entries.set(cid, entry);
    this.bytes += entry.size;
    for (const [oldest, old] of this.entries) {
      if (this.bytes <= this.options.maxBytes) break;
      this.entries.delete(oldest);
      this.bytes -= old.size;
    }
  }

  private invalidate(cid: string): void {
    this.drop(cid);
    for (const fill of this.fills.get(cid) ?? []) fill.cancelled = true;
  }

  private touch(cid: string, entry: Entry): void {
    this.entries.delete(cid);
    this.entries.set(cid, entry);
  }

  private drop(cid: string): void {
    const entry = this.entries.get(cid);
    if (entry === undefined) return;
    this.entries.delete(cid);
    this.bytes -= entry.size;
  }
}
