import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalPermissionStore } from '../adapters/local-permissions/local-permission-store.js';
import { AppError } from '../domain/app-error.js';
import type { Ledger, LedgerEvent } from '../ports/ledger.js';
import { aGrant } from '../ports/permission-store.contract.js';
import type { NotificationDoc } from '../ports/permission-store.js';
import type { ChaincodeClient } from '../ledger-client/chaincode-client.js';
import { NOTIFICATION_CHECKPOINT, NotificationFollower } from './notification-follower.js';

const silent = { info() {}, warn() {}, error() {} };
const ORGS = [
  { mspId: 'HospitalAMSP', name: 'hospital-a' },
  { mspId: 'HospitalBMSP', name: 'hospital-b' },
];

function anEvent(blockNumber: bigint, eventName: string, ids: Record<string, string>): LedgerEvent {
  return { blockNumber, txId: `tx-${blockNumber}`, eventName, payload: Buffer.from(JSON.stringify(ids)) };
}

/** A ledger that replays `events` after the checkpoint's block, then ends. */
function ledgerOf(events: LedgerEvent[]): Ledger {
  return {
    async *events(from: { blockNumber: bigint } | undefined): AsyncGenerator<LedgerEvent> {
      yield* events.filter((e) => e.blockNumber > (from?.blockNumber ?? 0n));
    },
  } as unknown as Ledger;
}

describe('NotificationFollower', () => {
  let dir: string;
  let store: LocalPermissionStore;
  let announced: NotificationDoc[];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'careledger-notify-'));
    store = new LocalPermissionStore({ dir });
    announced = [];
  });

  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  const follower = (ledger: Ledger, chaincode: Partial<ChaincodeClient>, now = new Date('2030-06-01T12:00:00.000Z')) =>
    new NotificationFollower(ledger, chaincode as ChaincodeClient, store, ORGS, (doc) => announced.push(doc), silent, { sweepMs: 60_000, now: () => now });

  it('reads the request as the first admin who may, tells the patient, and stores its checkpoint', async () => {
    const asked: string[] = [];
    const chaincode = {
      getRequest: async (admin: { org: string }, requestId: string) => {
        asked.push(admin.org);
        // Hospital A's admin may not read B's patient's request; B's may.
        if (admin.org === 'HospitalAMSP') throw new AppError('NOT_FOUND', 'no such request');
        return { requestId, patientId: 'pat-b', requesterId: 'doc-a', status: 'PENDING', createdAt: '2030-01-01T00:00:00.000Z' };
      },
    } as unknown as Partial<ChaincodeClient>;
    const handled = await follower(ledgerOf([anEvent(3n, 'AccessRequested', { requestId: 'req_1' })]), chaincode).follow(new AbortController().signal);
    expect(handled).toBe(1);
    expect(asked).toEqual(['HospitalAMSP', 'HospitalBMSP']);
    expect(announced.map((n) => [n.recipientId, n.kind, n.requestId])).toEqual([['pat-b', 'ACCESS_REQUEST_RECEIVED', 'req_1']]);
    expect(JSON.parse((await store.getCheckpoint(NOTIFICATION_CHECKPOINT))!)).toEqual({ blockNumber: '3', txId: 'tx-3' });
  });

  it('reads nothing for events that notify nobody', async () => {
    const chaincode = {
      getRequest: async () => {
        throw new Error('not expected');
      },
    } as unknown as Partial<ChaincodeClient>;
    const events = [anEvent(1n, 'ConsentGranted', { consentId: 'con_1' }), anEvent(2n, 'AccessRecorded', { eventId: 'evt_1' })];
    expect(await follower(ledgerOf(events), chaincode).follow(new AbortController().signal)).toBe(2);
    expect(announced).toEqual([]);
  });

  it("asks for a new record's contribution facts and tells the patient only of a contributed one", async () => {
    const asked: string[] = [];
    const chaincode = {
      getContribution: async (_admin: unknown, recordId: string) => {
        asked.push(recordId);
        return { recordId, patientId: 'pat-1', contributed: recordId === 'rec_2', createdAt: '2026-01-01T10:00:00.000Z' };
      },
    } as unknown as Partial<ChaincodeClient>;
    const events = [anEvent(1n, 'RecordCreated', { recordId: 'rec_1' }), anEvent(2n, 'RecordCreated', { recordId: 'rec_2' })];
    expect(await follower(ledgerOf(events), chaincode).follow(new AbortController().signal)).toBe(2);
    expect(asked).toEqual(['rec_1', 'rec_2']);
    expect(announced).toEqual([expect.objectContaining({ recipientId: 'pat-1', kind: 'CONTRIBUTION_ADDED', recordId: 'rec_2' })]);
  });

  it('stops at a ledger error without moving its checkpoint, so the event is handled again', async () => {
    const chaincode = {
      getEmergency: async () => {
        throw AppError.unavailable('ledger', 'the ledger did not answer');
      },
    } as unknown as Partial<ChaincodeClient>;
    const run = follower(ledgerOf([anEvent(5n, 'EmergencyAccessOpened', { sessionId: 'emg_1' })]), chaincode).follow(new AbortController().signal);
    await expect(run).rejects.toThrow('the ledger did not answer');
    expect(await store.getCheckpoint(NOTIFICATION_CHECKPOINT)).toBeUndefined();
  });

  it('in the background, retries after a failure from its checkpoint and loses nothing', async () => {
    let attempts = 0;
    const chaincode = {
      getEmergency: async (_admin: unknown, sessionId: string) => {
        attempts++;
        if (attempts === 1) throw AppError.unavailable('ledger', 'the ledger did not answer');
        return { sessionId, patientId: 'pat-1', openedAt: '2030-01-01T00:00:00.000Z' };
      },
    } as unknown as Partial<ChaincodeClient>;
    const events = [anEvent(1n, 'EmergencyAccessOpened', { sessionId: 'emg_1' })];
    const f = new NotificationFollower(ledgerOf(events), chaincode as ChaincodeClient, store, ORGS, (doc) => announced.push(doc), silent, { sweepMs: 60_000, retryMs: 10 });
    const running = f.start();
    for (let i = 0; i < 100 && announced.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    await running.stop();
    expect(announced.map((n) => [n.recipientId, n.kind, n.sessionId])).toEqual([['pat-1', 'BREAK_GLASS_OPENED', 'emg_1']]);
    expect(attempts).toBe(2);
  });

  it('sweeps active consents that expire within 24 h once, however often it runs', async () => {
    await store.upsertGrant(aGrant({ consentId: 'c-soon', expiresAt: '2030-06-02T06:00:00.000Z' }));
    await store.upsertGrant(aGrant({ consentId: 'c-later', expiresAt: '2030-06-09T00:00:00.000Z' }));
    const f = follower(ledgerOf([]), {});
    expect(await f.sweep()).toBe(2);
    expect(await f.sweep()).toBe(0);
    expect(announced.map((n) => [n.recipientId, n.kind, n.consentId])).toEqual([
      ['p-1', 'CONSENT_EXPIRING', 'c-soon'],
      ['u-1', 'CONSENT_EXPIRING', 'c-soon'],
    ]);
  });

  it('stops at once when asked while a sweep is still reading the store (not after the next sweep interval)', async () => {
    let release!: () => void;
    const slowList = new Promise<void>((resolve) => (release = resolve));
    const listGrants = store.listGrants.bind(store);
    store.listGrants = async (filter) => {
      await slowList;
      return listGrants(filter);
    };
    const f = new NotificationFollower(ledgerOf([]), {} as ChaincodeClient, store, ORGS, (doc) => announced.push(doc), silent, { sweepMs: 60_000, retryMs: 10 });
    const running = f.start();
    await new Promise((r) => setTimeout(r, 20));
    const stopped = running.stop();
    release();
    const started = Date.now();
    await stopped;
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
