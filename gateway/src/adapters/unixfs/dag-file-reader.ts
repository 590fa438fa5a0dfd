import * as dagPb from '@ipld/dag-pb';
import { UnixFS } from 'ipfs-unixfs';
import type { CID } from 'multiformats/cid';
import type { AbortOptions } from '../../ports/abort.js';

/** Multicodec code of raw blocks (the leaves, with `rawLeaves`). */
const RAW_CODEC = 0x55;

/** The block source the reader needs (blockstore-fs's `get` streams a block in chunks). */
export interface BlockSource {
  get(cid: CID, options?: AbortOptions): AsyncIterable<Uint8Array>;
}

/**
 * Reads a UnixFS file in order with a bounded read-ahead of `readAhead` blocks, so memory stays flat
 * whatever the file size. (ipfs-unixfs-exporter walks the DAG into an unbounded queue: a slow consumer
 * of a large file made it buffer the whole file — measured +150 MiB RSS for a 256 MiB download.)
 */
export async function* readDagFile(blocks: BlockSource, root: CID, options: AbortOptions & { readAhead?: number } = {}): AsyncGenerator<Uint8Array> {
  const readAhead = options.readAhead ?? 4;
  const pending: Promise<Uint8Array>[] = [];
  try {
    for await (const item of walk(blocks, root, options)) {
      const next = item instanceof Uint8Array ? Promise.resolve(item) : readBlock(blocks, item, options);
      // Errors surface when awaited below; this only keeps an abandoned read from being "unhandled".
      next.catch(() => undefined);
      pending.push(next);
      if (pending.length > readAhead) yield await pending.shift()!;
    }
    while (pending.length > 0) yield await pending.shift()!;
  } finally {
    pending.length = 0;
  }
}

/** Leaf CIDs (and inline data of non-raw leaves) of a file DAG, depth-first, in file order. */
async function* walk(blocks: BlockSource, cid: CID, options: AbortOptions): AsyncGenerator<CID | Uint8Array> {
  if (cid.code === RAW_CODEC) {
    yield cid;
    return;
  }
  if (cid.code !== dagPb.code) throw new Error(`unsupported codec 0x${cid.code.toString(16)} in a file DAG`);
  const node = dagPb.decode(await readBlock(blocks, cid, options));
  if (node.Data) {
    const data = UnixFS.unmarshal(node.Data).data;
    if (data && data.length > 0) yield data;
  }
  for (const link of node.Links) yield* walk(blocks, link.Hash, options);
}

async function readBlock(blocks: BlockSource, cid: CID, options: AbortOptions): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of blocks.get(cid, options)) {
    chunks.push(chunk);
    size += chunk.length;
  }
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
