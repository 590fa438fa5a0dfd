import type { AbortOptions } from './abort.js';

/**
 * Replicas of other hospitals' blobs on this hospital's own node (a private swarm of one node per hospital):
 * fetched from the swarm and pinned while the hospital may read them, unpinned when it may no longer. Blobs the
 * node holds as its own are never touched through this port.
 */
export interface ReplicaStore {
  /** Fetches the blob from the swarm and pins it as a replica; a blob held as the node's own answers `own`. */
  replicate(cid: string, options?: AbortOptions): Promise<'pinned' | 'own'>;
  /** Unpins a replica (a blob held as the node's own, or not held, is left alone). Idempotent. */
  dropReplica(cid: string, options?: AbortOptions): Promise<void>;
  /** The CIDs pinned as replicas. */
  replicas(options?: AbortOptions): Promise<string[]>;
  /** Unpins the blob whatever holds it (an erased record's blob leaves every node). Idempotent. */
  remove(cid: string, options?: AbortOptions): Promise<void>;
  /** Collects garbage: unpinned blocks leave the node's disk. */
  reclaim(options?: AbortOptions): Promise<void>;
}
