import { REGISTRY_CHANGING_EVENTS, type UserCache } from '../ledger-client/user-cache.js';
import type { Ledger } from '../ports/ledger.js';
import type { Logger } from '../ports/logger.js';
import type { PermissionStore } from '../ports/permission-store.js';
import { keepFollowing } from './ledger-follower.js';
import { PROJECTOR_CHECKPOINT } from './permission-projector.js';

/**
 * Keeps the {@link UserCache} honest: follows the ledger's events and clears the cache on every registry change
 * (a role change, an erasure), and lets it serve only while it follows. It starts at the permission projector's
 * checkpoint, which is at or before the ledger's height now, so every change committed after a user was cached
 * is among the events it sees (a replayed older one only clears the cache once more). No checkpoint of its own:
 * after a restart the cache starts empty.
 */
export class RegistryWatch {
  constructor(
    private readonly ledger: Ledger,
    private readonly store: PermissionStore,
    private readonly cache: UserCache,
    private readonly log: Logger,
    private readonly retryMs = 1_000,
  ) {}

  /** Whether the cache serves now (false before the watch started, after it failed and while it resumes). */
  get serving(): boolean {
    return this.cache.serving;
  }

  /** Follows until `signal` aborts or the event stream ends; the cache serves meanwhile and is cleared after. */
  async follow(signal: AbortSignal): Promise<void> {
    const saved = await this.store.getCheckpoint(PROJECTOR_CHECKPOINT);
    const parsed = saved === undefined ? undefined : (JSON.parse(saved) as { blockNumber: string; txId: string });
    const from = parsed && { blockNumber: BigInt(parsed.blockNumber), txId: parsed.txId };
    this.cache.setLive(true);
    try {
      for await (const event of this.ledger.events(from, { signal })) {
        if (REGISTRY_CHANGING_EVENTS.has(event.eventName)) this.cache.clear();
      }
    } finally {
      this.cache.setLive(false);
    }
  }

  /** Runs {@link follow} in the background (a failure: the cache is bypassed, then it follows again) until `stop()`. */
  start(): { stop(): Promise<void> } {
    const running = new AbortController();
    const following = keepFollowing({ name: 'the registry watch', follow: (signal) => this.follow(signal) }, this.log, running.signal, this.retryMs);
    return {
      async stop() {
        running.abort();
        await following;
      },
    };
  }
}
