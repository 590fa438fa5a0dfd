import { StorageReclaim } from './storage-reclaim.js';

const silent = { info() {}, warn() {}, error() {} };

describe('StorageReclaim', () => {
  it('runs every store and answers none unfinished', async () => {
    const ran: string[] = [];
    const reclaim = new StorageReclaim(
      ['ledger', 'blob store'].map((name) => ({ name, reclaim: async () => void ran.push(name) })),
      1_000,
      silent,
    );

    expect(await reclaim.run()).toEqual([]);
    expect(ran).toEqual(['ledger', 'blob store']);
  });

  it('stops waiting for a store at the deadline, passes it the abort, and goes on with the others', async () => {
    let aborted = false;
    const hung = {
      name: 'blob store',
      reclaim: ({ signal }: { signal?: AbortSignal } = {}) =>
        new Promise<void>(() => signal?.addEventListener('abort', () => (aborted = true))),
    };
    const ran: string[] = [];
    const reclaim = new StorageReclaim([hung, { name: 'ledger', reclaim: async () => void ran.push('ledger') }], 100, silent);
    const started = Date.now();

    expect(await reclaim.run()).toEqual(['blob store']);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(aborted).toBe(true);
    expect(ran).toEqual(['ledger']);
  });

  it('answers a store that failed as unfinished', async () => {
    const reclaim = new StorageReclaim([{ name: 'permission store', reclaim: async () => Promise.reject(new Error('closed')) }], 1_000, silent);

    expect(await reclaim.run()).toEqual(['permission store']);
  });
});
