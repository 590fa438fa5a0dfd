/**
 * Remembers the outcome of requests sent with an `Idempotency-Key` so that a retry gets the first answer
 * (and a concurrent duplicate waits for it). Per gateway process, bounded, with a time to live; failures
 * are forgotten so that a retry may succeed.
 */
export class IdempotencyCache<T> {
  private readonly entries = new Map<string, { at: number; result: Promise<T> }>();

  constructor(
    private readonly ttlMs = 24 * 3_600_000,
    private readonly maxEntries = 10_000,
  ) {}

  /** Runs `work` once per key within the TTL; later calls with the key share its result. */
  run(key: string, work: () => Promise<T>, now = Date.now()): Promise<T> {
    const hit = this.entries.get(key);
    if (hit && now - hit.at < this.ttlMs) return hit.result;
    const result = work();
    this.entries.set(key, { at: now, result });
    result.catch(() => this.entries.delete(key));
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    return result;
  }
}
