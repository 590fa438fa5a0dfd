/**
 * Runs tasks strictly one at a time, in call order: the embedded ledger's stand-in for the peer's
 * state lock, so no two simulations interleave and commits happen in a single order.
 */
export class SerialQueue {
  private tail: Promise<void> = Promise.resolve();

  /**
   * Queues `task`. An abort rejects the call only while the task is still waiting; once it runs, the
   * caller gets its real outcome, because a submit that has started may already have committed.
   */
  run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    let started = false;
    const result = this.tail.then(() => {
      if (signal?.aborted) throw signal.reason;
      started = true;
      return task();
    });
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    if (!signal) return result;
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => {
        if (!started) reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      void result.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  /** Resolves once every task queued so far has settled. */
  idle(): Promise<void> {
    return this.tail;
  }
}
