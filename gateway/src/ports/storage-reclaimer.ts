import type { AbortOptions } from './abort.js';

/**
 * Makes a store's deletions physical. Stores keep deleted values in their files until they compact (LevelDB
 * keeps them in its log and tables) or collect garbage (Kubo keeps unpinned blocks until `repo gc`); after an
 * erasure the gateway asks every store it runs itself to reclaim, so that what was erased leaves the disk.
 * Stores the gateway does not run (Fabric peers, Firestore) manage their own storage.
 */
export interface StorageReclaimer {
  /** What it reclaims, for logs: `ledger`, `permission store`, `blob store`. */
  readonly name: string;
  /** Compacts or collects garbage now; may take a while on a large store (an abort stops waiting for it). */
  reclaim(options?: AbortOptions): Promise<void>;
}
