import { DependencyUnavailableError, withDeadline, withIdleDeadline } from './dependency.js';

const never = <T>(): Promise<T> => new Promise<T>(() => undefined);

describe('withDeadline', () => {
  it('answers what the call answers in time', async () => {
    await expect(withDeadline('ledger', 1_000, async () => 42)).resolves.toBe(42);
  });

  it('fails a call that never answers with the dependency named, at the deadline', async () => {
    const started = Date.now();
    const error = await withDeadline('blob-store', 80, never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DependencyUnavailableError);
    expect(error).toMatchObject({ dependency: 'blob-store', reason: 'timeout', message: 'the blob-store did not answer within 80 ms' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(70);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('aborts the signal it hands the call at the deadline, and reports the deadline rather than the abort', async () => {
    let seen: AbortSignal | undefined;
    const error = await withDeadline('permission-store', 50, (signal) => {
      seen = signal;
      return new Promise((_, reject) => signal.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))));
    }).catch((e: unknown) => e);
    expect(seen?.aborted).toBe(true);
    expect(error).toMatchObject({ name: 'DependencyUnavailableError', dependency: 'permission-store' });
  });

  it("passes the call's own failure on", async () => {
    await expect(withDeadline('auth', 1_000, () => Promise.reject(new Error('refused')))).rejects.toThrow('refused');
  });

  it("rejects with the caller's reason when the caller aborts first", async () => {
    const caller = new AbortController();
    const pending = withDeadline('ledger', 5_000, never, caller.signal);
    caller.abort(new Error('client went away'));
    await expect(pending).rejects.toThrow('client went away');
  });
});

describe('withIdleDeadline', () => {
  it('passes every chunk of a stream that keeps coming', async () => {
    async function* steady() {
      for (let i = 0; i < 3; i++) {
        await new Promise((r) => setTimeout(r, 20));
        yield i;
      }
    }
    const out: number[] = [];
    for await (const n of withIdleDeadline('blob-store', 200, steady(), () => undefined)) out.push(n);
    expect(out).toEqual([0, 1, 2]);
  });

  it('fails a stream that stalls, and asks the client to stop its request', async () => {
    async function* stalls() {
      yield 1;
      await never();
    }
    const aborted: unknown[] = [];
    const out: number[] = [];
    const error = await (async () => {
      for await (const n of withIdleDeadline('blob-store', 60, stalls(), (reason) => aborted.push(reason))) out.push(n);
    })().catch((e: unknown) => e);
    expect(out).toEqual([1]);
    expect(error).toMatchObject({ name: 'DependencyUnavailableError', dependency: 'blob-store', reason: 'timeout' });
    expect(aborted).toEqual([error]);
  });

  it("does not count the consumer's own pace", async () => {
    async function* quick() {
      yield 1;
      yield 2;
    }
    const out: number[] = [];
    for await (const n of withIdleDeadline('blob-store', 30, quick(), () => undefined)) {
      out.push(n);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(out).toEqual([1, 2]);
  });
});
