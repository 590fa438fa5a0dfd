import type { StorageReclaimer } from '../ports/storage-reclaimer.js';
import type { Logger } from '../ports/logger.js';

/**
 * Asks every store the gateway runs itself to make its deletions physical (LevelDB compaction, Kubo's
 * garbage collector), each within a deadline. A store that does not finish in time is logged and left to
 * finish on its own: what it still holds of an erased patient is ciphertext and wrapped keys whose patient
 * key is destroyed already.
 */
export class StorageReclaim {
  constructor(
    private readonly reclaimers: readonly StorageReclaimer[],
    private readonly timeoutMs: number,
    private readonly log: Logger,
  ) {}

  /** Runs every reclaimer in turn; resolves with the names of those that failed or missed the deadline. */
  async run(): Promise<string[]> {
    const unfinished: string[] = [];
    for (const reclaimer of this.reclaimers) {
      const signal = AbortSignal.timeout(this.timeoutMs);
      try {
        await untilAborted(reclaimer.reclaim({ signal }), signal);
      } catch (err) {
        unfinished.push(reclaimer.name);
        this.log.warn({ err, store: reclaimer.name }, 'storage reclaim did not finish; deleted data stays in that store until it compacts or collects garbage');
      }
    }
    return unfinished;
  }
}

/** The promise, or a rejection as soon as the signal aborts (for work that cannot be cancelled itself). */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
