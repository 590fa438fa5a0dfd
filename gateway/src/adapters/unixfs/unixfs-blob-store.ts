import { access, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { FsBlockstore } from 'blockstore-fs';
import { exporter, type UnixFSEntry } from 'ipfs-unixfs-exporter';
import { importByteStream, type ImporterOptions } from 'ipfs-unixfs-importer';
import { fixedSize } from 'ipfs-unixfs-importer/chunker';
import { balanced } from 'ipfs-unixfs-importer/layout';
import type { AbortOptions } from '../../ports/abort.js';
import { BlobNotFoundError, type AddResult, type BlobStore } from '../../ports/blob-store.js';
import { PinIndex } from './pin-index.js';
import { readDagFile } from './dag-file-reader.js';
import { CID } from 'multiformats/cid';

/** The CID class of the unixfs packages, named through their types so that we need no direct multiformats import. */
type Cid = UnixFSEntry['cid'];

/** Multicodec code of raw blocks (the leaves, with `rawLeaves`). */
const RAW_CODEC = 0x55;

/**
 * The options that make the importer produce Kubo 0.42's CIDs for
 * `ipfs add --cid-version=1 --raw-leaves --chunker=size-262144` (docs/DECISIONS.md#both-blob-stores-give-the-same-cids).
 * blockWriteConcurrency does not change CIDs; a small value bounds memory per upload (chunks in flight).
 */
export const KUBO_COMPATIBLE_IMPORT: Readonly<ImporterOptions> = Object.freeze({
  cidVersion: 1,
  rawLeaves: true,
  reduceSingleLeafToSelf: true,
  chunker: fixedSize({ chunkSize: 262_144 }),
  layout: balanced({ maxChildrenPerNode: 174 }),
  blockWriteConcurrency: 8,
});

/** Where {@link UnixfsBlobStore} keeps its data. */
export interface UnixfsBlobStoreOptions {
  /** Data directory; blocks go to `dir/blocks`, the pin index to `dir/pins`. */
  dir: string;
}

/**
 * Embedded IPFS blob store: UnixFS DAGs in a blockstore-fs directory, with a persistent pin set and block
 * reference counts. Pins are a set, as in Kubo: adding bytes that are already pinned changes nothing, and one
 * `remove` unpins them. Blocks written by an upload that fails or is aborted are deleted unless a pin uses them.
 * Crashes can leave unreferenced block files (garbage), never a pin with missing blocks.
 */
export class UnixfsBlobStore implements BlobStore {
  private readonly blocksDir: string;
  private readonly blocks: FsBlockstore;
  private readonly pins: PinIndex;
  private opening: Promise<void> | undefined;
  /** Blocks written by uploads that have not committed their pin yet, with how many uploads wrote each. */
  private readonly inFlight = new Map<string, number>();
  /** Block writes under way, shared by uploads that write the same block at once. */
  private readonly writing = new Map<string, Promise<void>>();
  /** Block deletions under way; a write of the same block waits for it so the deletion cannot undo the write. */
  private readonly deleting = new Map<string, Promise<void>>();
  /** Serialises pin commits, removals and cleanups, which read and then change the reference counts. */
  private tail: Promise<unknown> = Promise.resolve();

  constructor(options: UnixfsBlobStoreOptions) {
    this.blocksDir = join(options.dir, 'blocks');
    this.blocks = new FsBlockstore(this.blocksDir);
    this.pins = new PinIndex(join(options.dir, 'pins'));
  }

  /** Opens the store on first call; afterwards checks that the pin index is open and the block directory there. */
  async ready(): Promise<void> {
    this.opening ??= (async () => {
      await mkdir(this.blocksDir, { recursive: true });
      await this.blocks.open();
      await this.pins.open();
    })();
    await this.opening;
    if (!this.pins.isOpen) throw new Error('unixfs blob store is closed');
    await access(this.blocksDir);
  }

  /**
   * Compacts the pin index, so that the CIDs of removed blobs leave its LevelDB files. (Removed blocks are
   * files that were deleted already.)
   */
  async reclaim(): Promise<void> {
    await this.ready();
    await this.exclusive(() => this.pins.compact());
  }

  async close(): Promise<void> {
    if (this.opening === undefined) return;
    await this.opening.catch(() => undefined);
    await this.pins.close();
    await this.blocks.close();
  }

  async add(source: AsyncIterable<Uint8Array>, options: AbortOptions = {}): Promise<AddResult> {
    await this.ready();
    const { signal } = options;
    signal?.throwIfAborted();
    const written = new Map<string, Cid>();
    const counter = { size: 0 };
    // The importer may leave writes running when it fails; cleanup waits for them.
    const writes = new Set<Promise<unknown>>();
    const put = async (cid: Cid, bytes: Uint8Array): Promise<Cid> => {
      signal?.throwIfAborted();
      await this.writeBlock(cid, bytes);
      return cid;
    };
    const recorder = {
      put: (cid: Cid, bytes: Uint8Array): Promise<Cid> => {
        const key = cid.toString();
        // Registered synchronously, so a concurrent removal already sees this block as in use.
        if (!written.has(key)) {
          written.set(key, cid);
          this.inFlight.set(key, (this.inFlight.get(key) ?? 0) + 1);
        }
        const write = put(cid, bytes);
        writes.add(write);
        void write.finally(() => writes.delete(write)).catch(() => undefined);
        return write;
      },
    };
    try {
      const result = await importByteStream(
        counted(source, counter, signal),
        recorder,
        KUBO_COMPATIBLE_IMPORT,
      );
      const cid = result.cid.toString();
      await this.exclusive(async () => {
        const dag = await this.dagBlocks(result.cid, signal);
        await this.pins.addPin(cid, { size: counter.size }, [...dag.keys()]);
      });
      return { cid, size: counter.size };
    } finally {
      await Promise.allSettled(writes);
      for (const key of written.keys()) {
        const n = (this.inFlight.get(key) ?? 1) - 1;
        if (n > 0) this.inFlight.set(key, n);
        else this.inFlight.delete(key);
      }
      // After a failure this removes what the upload left behind; after success nothing is unreferenced.
      await this.exclusive(async () => {
        await this.deleteBlocks(written, await this.pins.unreferenced([...written.keys()]));
      });
    }
  }

  async *cat(cid: string, options: AbortOptions = {}): AsyncIterable<Uint8Array> {
    await this.ready();
    const { signal } = options;
    signal?.throwIfAborted();
    if ((await this.pins.getPin(cid)) === undefined) throw new BlobNotFoundError();
    try {
      yield* readDagFile(this.blocks, CID.parse(cid), { signal });
    } catch (err) {
      // A block deleted under a running read (concurrent remove) means the blob is gone.
      if (err instanceof Error && err.name === 'NotFoundError') throw new BlobNotFoundError();
      throw err;
    }
  }

  async has(cid: string, options: AbortOptions = {}): Promise<boolean> {
    await this.ready();
    options.signal?.throwIfAborted();
    return (await this.pins.getPin(cid)) !== undefined;
  }

  async remove(cid: string, options: AbortOptions = {}): Promise<void> {
    await this.ready();
    options.signal?.throwIfAborted();
    // Not abortable once started: a half-done removal would only leave garbage behind.
    await this.exclusive(async () => {
      if ((await this.pins.getPin(cid)) === undefined) return;
      const dag = await this.dagBlocks(cid);
      await this.deleteBlocks(dag, await this.pins.removePin(cid, [...dag.keys()]));
    });
  }

  /**
   * Writes a block once. blockstore-fs writes through one temp file per block, so two concurrent writes of the
   * same block race on it (rename retries, or a file truncated under the other writer): the first write is
   * shared instead, and a block already on disk (files appear only by rename, so whole) is not rewritten.
   */
  private async writeBlock(cid: Cid, bytes: Uint8Array): Promise<void> {
    const key = cid.toString();
    await this.deleting.get(key)?.catch(() => undefined);
    let write = this.writing.get(key);
    if (write === undefined) {
      write = (async () => {
        if (!(await this.blocks.has(cid))) await this.blocks.put(cid, bytes);
      })().finally(() => this.writing.delete(key));
      this.writing.set(key, write);
    }
    await write;
  }

  /** The distinct blocks of a file DAG. Raw leaves are known from their parent's link and are not read. */
  private async dagBlocks(root: Cid | string, signal?: AbortSignal): Promise<Map<string, Cid>> {
    const found = new Map<string, Cid>();
    const visit = async (cid: Cid | string): Promise<void> => {
      let entry: UnixFSEntry;
      try {
        entry = await exporter(cid, this.blocks, { signal });
      } catch (err) {
        // A block lost from disk must not block an unpin (erasure); its children stay as garbage.
        if (err instanceof Error && err.name === 'NotFoundError') return;
        throw err;
      }
      found.set(entry.cid.toString(), entry.cid);
      if (entry.type !== 'file') return;
      for (const link of entry.node.Links) {
        const key = link.Hash.toString();
        if (found.has(key)) continue;
        if (link.Hash.code === RAW_CODEC) found.set(key, link.Hash);
        else await visit(link.Hash);
      }
    };
    await visit(root);
    return found;
  }

  /** Deletes the listed blocks unless an upload in progress has written them. */
  private async deleteBlocks(known: Map<string, Cid>, keys: readonly string[]): Promise<void> {
    for (const key of keys) {
      const cid = known.get(key);
      if (cid === undefined || this.inFlight.has(key)) continue;
      const deletion = this.blocks.delete(cid).finally(() => this.deleting.delete(key));
      this.deleting.set(key, deletion);
      await deletion;
    }
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn);
    this.tail = run.catch(() => undefined);
    return run;
  }
}

/** Passes the source through, counting bytes and stopping at the first abort between chunks. */
async function* counted(
  source: AsyncIterable<Uint8Array>,
  counter: { size: number },
  signal: AbortSignal | undefined,
): AsyncIterable<Uint8Array> {
  for await (const chunk of source) {
    signal?.throwIfAborted();
    counter.size += chunk.byteLength;
    yield chunk;
  }
  signal?.throwIfAborted();
}
