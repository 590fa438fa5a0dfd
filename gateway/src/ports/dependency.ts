/** The kinds of service the gateway depends on; a problem type names the one that failed. */
export const DEPENDENCY_KINDS = ['ledger', 'blob-store', 'permission-store', 'auth', 'key-service'] as const;

export type DependencyKind = (typeof DEPENDENCY_KINDS)[number];

/** Why a dependency gave no answer: it did not answer within its deadline, or it refused the connection. */
export type UnavailableReason = 'timeout' | 'unreachable';

/**
 * A dependency (ledger, blob store, permission store, Auth, key service) did not answer in time or could not be
 * reached. Every adapter throws this for its own service; the HTTP edge answers 503 with a problem type naming the
 * kind. The message names the kind and the bound only, never a request's data.
 */
export class DependencyUnavailableError extends Error {
  override readonly name = 'DependencyUnavailableError';

  constructor(
    readonly dependency: DependencyKind,
    readonly reason: UnavailableReason,
    options: { timeoutMs?: number; cause?: unknown } = {},
  ) {
    super(
      reason === 'timeout' ? `the ${dependency} did not answer within ${options.timeoutMs ?? '?'} ms` : `the ${dependency} could not be reached`,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
  }
}

/**
 * Runs `call` with a deadline of `timeoutMs`: the call gets a signal that aborts at the deadline (or when `signal`
 * aborts) and should pass it on to its client; whether it does or not, the answer is a
 * {@link DependencyUnavailableError} at the deadline. An abort by the caller's `signal` rejects with its reason.
 * A call that ends later is left to settle on its own (its outcome is handled, never unhandled).
 */
export async function withDeadline<T>(
  dependency: DependencyKind,
  timeoutMs: number,
  call: (signal: AbortSignal) => Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(new DependencyUnavailableError(dependency, 'timeout', { timeoutMs })), timeoutMs);
  const combined = signal ? AbortSignal.any([deadline.signal, signal]) : deadline.signal;
  let stop: (() => void) | undefined;
  const stopped = new Promise<never>((_, reject) => {
    stop = () => reject(combined.reason);
    if (combined.aborted) stop();
    else combined.addEventListener('abort', stop, { once: true });
  });
  const running = Promise.resolve().then(() => call(combined));
  running.catch(() => undefined);
  stopped.catch(() => undefined);
  try {
    return await Promise.race([running, stopped]);
  } catch (error) {
    // A client that gives up on our signal throws its own AbortError: the deadline is the reason.
    if (deadline.signal.aborted && !signal?.aborted) throw deadline.signal.reason as DependencyUnavailableError;
    throw error;
  } finally {
    clearTimeout(timer);
    if (stop) combined.removeEventListener('abort', stop);
  }
}

/**
 * Wraps a stream from a dependency so that each chunk (and the end) must arrive within `timeoutMs` of asking for
 * it; otherwise the stream fails with a {@link DependencyUnavailableError} and `abort` is called so that the
 * client stops the underlying request. The consumer's own pace does not count.
 */
export async function* withIdleDeadline<T>(
  dependency: DependencyKind,
  timeoutMs: number,
  source: AsyncIterable<T>,
  abort: (reason: DependencyUnavailableError) => void,
): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  try {
    for (;;) {
      const next = await withDeadline(dependency, timeoutMs, () => iterator.next()).catch((error: unknown) => {
        if (error instanceof DependencyUnavailableError && error.reason === 'timeout') abort(error);
        throw error;
      });
      if (next.done) return;
      yield next.value;
    }
  } finally {
    // Closing an iterator stuck on a hung call would wait for it: do not wait.
    void Promise.resolve(iterator.return?.()).catch(() => undefined);
  }
}
