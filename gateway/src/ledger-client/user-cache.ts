import type { User } from '@careledger/chaincode';

/** Registry events after which a cached user may be wrong (their payloads name nobody, so everything goes). */
export const REGISTRY_CHANGING_EVENTS: ReadonlySet<string> = new Set(['UserRoleChanged', 'PatientErased']);

/**
 * Users read from the ledger registry (`registry:GetUser`), kept so that a request does not read its actor (and the
 * patient or grantee it names) from the peer again and again. It serves only while something watches the ledger's
 * registry events for it ({@link setLive}): a role change or an erasure clears it as soon as its event arrives, and
 * the gateway's own registry and erasure submits forget their user the moment they commit. An entry also expires
 * after `ttlMs`, which bounds what an unseen change (an erasure begun by another replica: that transaction emits no
 * event) can leave behind; the chaincode checks the actor's role and status again in every transaction anyway.
 */
export class UserCache {
  private readonly entries = new Map<string, { user: User; at: number }>();
  private live = false;
  /** Bumped by every invalidation: a read that started before one does not store what it read. */
  private generation = 0;

  constructor(
    readonly ttlMs = 10_000,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** The user as `asOrg` reads them, from the cache when fresh, else from `read` (stored when nothing changed meanwhile). */
  async get(asOrg: string, userId: string, read: () => Promise<User>): Promise<User> {
    const key = `${asOrg}\u0000${userId}`;
    const hit = this.entries.get(key);
    if (hit !== undefined && this.live && this.now() - hit.at < this.ttlMs) return hit.user;
    const generation = this.generation;
    const at = this.now();
    const user = await read();
    if (this.live && generation === this.generation) {
      this.entries.delete(key);
      // The oldest entry goes first (a Map iterates in insertion order).
      if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
      this.entries.set(key, { user, at });
    }
    return user;
  }

  /** Forgets one user (as every org reads them). */
  forget(userId: string): void {
    this.generation++;
    for (const key of this.entries.keys()) if (key.endsWith(`\u0000${userId}`)) this.entries.delete(key);
  }

  /** Forgets everyone. */
  clear(): void {
    this.generation++;
    this.entries.clear();
  }

  /** Serves from the cache only while the registry's events are watched; not watched: cleared and bypassed. */
  setLive(live: boolean): void {
    if (!live) this.clear();
    this.live = live;
  }

  /** Whether it serves (the registry's events are being watched). */
  get serving(): boolean {
    return this.live;
  }

  get size(): number {
    return this.entries.size;
  }
}
