import type { Ledger, LedgerEvent } from '../ports/ledger.js';
import type { PermissionStore } from '../ports/permission-store.js';
import type { ChaincodeClient } from './chaincode-client.js';
import { PermissionProjector } from './permission-projector.js';
import type { PermissionProjection } from './projection.js';

const silent = { info() {}, warn() {}, error() {} };

/** A ledger whose event stream stays open until its signal aborts (as a real peer's does). */
const quietLedger = {
  async *events(_from: unknown, options: { signal?: AbortSignal } = {}): AsyncGenerator<LedgerEvent> {
    if (options.signal?.aborted) return;
    await new Promise((resolve) => options.signal?.addEventListener('abort', resolve, { once: true }));
    yield* [];
  },
} as unknown as Ledger;

describe('PermissionProjector', () => {
  it('stops when the gateway closes while it is still reading its checkpoint', async () => {
    const closing = new AbortController();
    const store = {
      // The gateway closes before the checkpoint read answers.
      getCheckpoint: async () => {
        closing.abort();
        return undefined;
      },
      setCheckpoint: async () => undefined,
    } as unknown as PermissionStore;
    const projector = new PermissionProjector(quietLedger, {} as ChaincodeClient, store, {} as PermissionProjection, [], silent);
    const outcome = await Promise.race([projector.run(closing.signal), new Promise((resolve) => setTimeout(() => resolve('still running'), 2000))]);
    expect(outcome).toBe(0);
  });
});
