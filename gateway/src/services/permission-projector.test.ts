import type { OrgConfig } from '../config.js';
import type { Ledger, LedgerEvent } from '../ports/ledger.js';
import type { PermissionStore } from '../ports/permission-store.js';
import type { ChaincodeClient } from '../ledger-client/chaincode-client.js';
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

describe('PermissionProjector replaying an erasure', () => {
  it("turns the event's receipt id into the patient through the home admin and drops the patient's grants", async () => {
    const event: LedgerEvent = { blockNumber: 7n, txId: 'tx-7', eventName: 'PatientErased', payload: Buffer.from(JSON.stringify({ erasureId: 'era_1' })) };
    const ledger = {
      async *events(): AsyncGenerator<LedgerEvent> {
        yield event;
      },
    } as unknown as Ledger;
    const asked: unknown[] = [];
    const chaincode = {
      erasureReceipt: async (admin: unknown, erasureId: string) => {
        asked.push([admin, erasureId]);
        return { erasureId, patientId: 'pat-1', at: '2026-01-01T00:00:00.000Z' };
      },
    } as unknown as ChaincodeClient;
    const deleted: string[] = [];
    const store = {
      getCheckpoint: async () => undefined,
      setCheckpoint: async () => undefined,
      deletePatient: async (patientId: string) => void deleted.push(patientId),
    } as unknown as PermissionStore;
    const orgs: OrgConfig[] = [{ mspId: 'HospitalAMSP', name: 'hospital-a' }];
    const applied = await new PermissionProjector(ledger, chaincode, store, {} as PermissionProjection, orgs, silent).run(new AbortController().signal);
    expect(applied).toBe(1);
    expect(asked).toEqual([[{ userId: 'hospital-a-admin', org: 'HospitalAMSP', role: 'admin' }, 'era_1']]);
    expect(deleted).toEqual(['pat-1']);
  });
});
