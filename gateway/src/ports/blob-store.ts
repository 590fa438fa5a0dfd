import type { AbortOptions } from './abort.js';

/** Result of adding bytes: the content identifier and the number of bytes stored. */
export interface AddResult {
  cid: string;
  size: number;
}

/**
 * Content-addressed storage for ciphertext (IPFS). Both adapters produce the same CIDs for the same bytes:
 * CIDv1, raw leaves, 262144-byte chunks, balanced DAG of 174 links (docs/DECISIONS.md#both-blob-stores-give-the-same-cids).
 */
export interface BlobStore {
  /** Streams bytes in and pins them. */
  add(source: AsyncIterable<Uint8Array>, options?: AbortOptions): Promise<AddResult>;
  /** Streams the bytes of a CID; throws {@link BlobNotFoundError} when absent. */
  cat(cid: string, options?: AbortOptions): AsyncIterable<Uint8Array>;
  /** Whether the blob is stored here. */
  has(cid: string, options?: AbortOptions): Promise<boolean>;
  /** Unpins and removes the blocks that nothing else pins. Idempotent. */
  remove(cid: string, options?: AbortOptions): Promise<void>;
  ready(): Promise<void>;
  close(): Promise<void>;
}

/** A CID that the store does not hold. */
export class BlobNotFoundError extends Error {
  override readonly name = 'BlobNotFoundError';
  constructor() {
    super('blob not found');
  }
}
