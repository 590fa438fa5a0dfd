/**
 * A dependency that stops answering gives a clear 503 naming it, within its deadline, and leaves nothing half
 * written. On the embedded profile the blob store is replaced by a stalled fake that behaves as every adapter
 * does at its deadline (it takes no bytes and fails with DependencyUnavailableError); the real hangs (a stopped
 * Kubo, peer, Firestore) are in test/network/hung-dependencies.network.test.ts.
 */
import request from 'supertest';
import type { AbortOptions } from '../../gateway/src/ports/abort.js';
import type { AddResult, BlobStore } from '../../gateway/src/ports/blob-store.js';
import { DependencyUnavailableError } from '../../gateway/src/ports/dependency.js';
import { GatewayHarness, someBytes } from '../support/gateway-harness.js';
import { TEST_PROFILE, itEmbeddedOnly } from '../support/test-profile.js';

const DEADLINE_MS = 300;

/** Waits like a hung store until the deadline, then fails as the adapters do (or earlier, when aborted). */
function stall(signal?: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    const timer = setTimeout(() => reject(new DependencyUnavailableError('blob-store', 'timeout', { timeoutMs: DEADLINE_MS })), DEADLINE_MS);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason);
    });
  });
}

/** The real store, until `hang()`: then every call stalls; adds read nothing (a stopped process reads nothing). */
function hangable(inner: BlobStore) {
  const state = { hung: false, adds: 0 };
  const store: BlobStore = {
    add: (source: AsyncIterable<Uint8Array>, options?: AbortOptions): Promise<AddResult> => {
      if (!state.hung) return inner.add(source, options);
      state.adds++;
      return stall(options?.signal);
    },
    cat: (cid, options) => {
      if (!state.hung) return inner.cat(cid, options);
      return { [Symbol.asyncIterator]: () => ({ next: () => stall(options?.signal) }) };
    },
    has: (cid, options) => (state.hung ? stall(options?.signal) : inner.has(cid, options)),
    remove: (cid, options) => (state.hung ? stall(options?.signal) : inner.remove(cid, options)),
    ready: () => (state.hung ? new Promise<never>(() => undefined) : inner.ready()),
    close: () => inner.close(),
  };
  return { store, state, hang: () => void (state.hung = true), resume: () => void (state.hung = false) };
}

describe(`hung dependencies on the ${TEST_PROFILE} profile`, () => {
  let h: GatewayHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it("GET /ready answers within 2 s, naming each adapter's state", async () => {
    h = await GatewayHarness.start();
    const started = Date.now();
    const res = await request(h.app).get('/ready');
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(res.status).toBe(200);
    expect(Object.keys(res.body.checks).sort()).toEqual(expect.arrayContaining(['authenticator', 'blobStore', 'keyService', 'ledger', 'permissionStore']));
  });

  itEmbeddedOnly('an upload to a hung blob store answers 503 naming it within the deadline, and keeps no record', 'injects a blob-store failure', async () => {
    let blobs: ReturnType<typeof hangable> | undefined;
    h = await GatewayHarness.start({ wrapBlobs: (inner) => (blobs = hangable(inner)).store });
    const { patient, doctor } = await h.aCareTeam();
    blobs!.hang();
    const started = Date.now();
    // Larger than every buffer between the request and the store: the pipeline must be released by the failure.
    const res = await doctor.upload('pat-1', someBytes(3_000_000));
    const ms = Date.now() - started;
    expect({ status: res.status, code: res.body.code, type: res.body.type, dependency: res.body.dependency }).toEqual({
      status: 503,
      code: 'UNAVAILABLE',
      type: 'https://careledger.dev/problems/blob-store-unavailable',
      dependency: 'blob-store',
    });
    expect(ms).toBeLessThan(DEADLINE_MS + 3_000);
    expect(blobs!.state.adds).toBe(1);
    blobs!.resume();
    expect((await patient.get('/v1/patients/pat-1/records').expect(200)).body.records).toEqual([]);
  });

  itEmbeddedOnly('a download from a hung blob store answers 503 before the first byte, and the access log says FAILED UNAVAILABLE', 'injects a blob-store failure', async () => {
    let blobs: ReturnType<typeof hangable> | undefined;
    h = await GatewayHarness.start({ env: { CARELEDGER_CACHE_BYTES: '0' }, wrapBlobs: (inner) => (blobs = hangable(inner)).store });
    const { patient, doctor } = await h.aCareTeam();
    const { body: rec } = await doctor.upload('pat-1', someBytes(100_000)).expect(201);
    blobs!.hang();
    const started = Date.now();
    const res = await patient.get(`/v1/records/${rec.recordId}/content?purpose=PATRQT`);
    expect(Date.now() - started).toBeLessThan(DEADLINE_MS + 3_000);
    expect({ status: res.status, type: res.body.type }).toEqual({ status: 503, type: 'https://careledger.dev/problems/blob-store-unavailable' });
    blobs!.resume();
    const log = await patient.get('/v1/patients/pat-1/access-log').expect(200);
    const events = log.body.events as { outcome: string; reason?: string; decisionEventId?: string }[];
    expect(events).toEqual(expect.arrayContaining([expect.objectContaining({ outcome: 'FAILED', reason: 'UNAVAILABLE' })]));
  });

  itEmbeddedOnly('GET /ready answers within 2 s with the hung blob store unavailable and the others ok', 'injects a blob-store failure', async () => {
    let blobs: ReturnType<typeof hangable> | undefined;
    h = await GatewayHarness.start({ wrapBlobs: (inner) => (blobs = hangable(inner)).store });
    blobs!.hang();
    const started = Date.now();
    const res = await request(h.app).get('/ready');
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(res.status).toBe(503);
    expect(res.body.checks).toMatchObject({ blobStore: 'unavailable', ledger: 'ok', permissionStore: 'ok', keyService: 'ok', authenticator: 'ok' });
  });
});
