import { randomUUID } from 'node:crypto';
import type { Firestore } from 'firebase-admin/firestore';
import {
  startFirestoreEmulator,
  type FirestoreEmulator,
} from '../../../../test/support/firestore-emulator.js';
import {
  aGrant,
  anAccessRequest,
  describePermissionStoreContract,
} from '../../ports/permission-store.contract.js';
import { createFirestore } from './create-firestore.js';
import { FirestorePermissionStore } from './firestore-permission-store.js';

const PROJECT_ID = 'demo-careledger';

let emulator: FirestoreEmulator;
const previousHost = process.env.FIRESTORE_EMULATOR_HOST;

beforeAll(async () => {
  emulator = await startFirestoreEmulator();
  process.env.FIRESTORE_EMULATOR_HOST = emulator.host;
  console.info(`Firestore emulator answered after ${emulator.startupMs} ms`);
}, 90_000);

afterAll(async () => {
  if (previousHost === undefined) delete process.env.FIRESTORE_EMULATOR_HOST;
  else process.env.FIRESTORE_EMULATOR_HOST = previousHost;
  await emulator?.stop();
}, 30_000);

/** A store on the emulator in collections of its own, so that tests never see each other's documents. */
function aStore(prefix = `t-${randomUUID()}`): {
  store: FirestorePermissionStore;
  firestore: Firestore;
  prefix: string;
} {
  const firestore = createFirestore({ projectId: PROJECT_ID, emulatorHost: emulator.host });
  return { store: new FirestorePermissionStore({ firestore, prefix }), firestore, prefix };
}

describePermissionStoreContract('FirestorePermissionStore', async () => {
  const { store } = aStore();
  return {
    store,
    cleanup: async () => {
      await store.clear();
      await store.close();
    },
  };
});

describe('FirestorePermissionStore on the emulator', () => {
  let store: FirestorePermissionStore;
  let firestore: Firestore;
  let prefix: string;
  let raw: Firestore;

  beforeEach(async () => {
    ({ store, firestore, prefix } = aStore());
    raw = createFirestore({ projectId: PROJECT_ID, emulatorHost: emulator.host });
    await store.ready();
  });

  afterEach(async () => {
    await store.clear();
    await store.close();
    await raw.terminate();
  });

  it('keeps a grant at grants/<consentId> under its prefix, in the port’s document shape', async () => {
    await store.upsertGrant(aGrant({ requestId: 'r-9' }));
    const snapshot = await raw.collection(`${prefix}-grants`).doc('c-1').get();
    expect(snapshot.data()).toStrictEqual(aGrant({ requestId: 'r-9' }));
  });

  it('keeps an access request at accessRequests/<requestId> and a checkpoint at checkpoints/<name>', async () => {
    await store.upsertAccessRequest(anAccessRequest());
    await store.setCheckpoint('projector', '12:3');
    expect((await raw.collection(`${prefix}-accessRequests`).doc('r-1').get()).exists).toBe(true);
    expect((await raw.collection(`${prefix}-checkpoints`).doc('projector').get()).data()).toEqual({
      value: '12:3',
    });
  });

  it('lists grants oldest first, then by consent id', async () => {
    await store.upsertGrant(aGrant({ consentId: 'c-b', createdAt: '2030-01-02T00:00:00.000Z' }));
    await store.upsertGrant(aGrant({ consentId: 'c-c', createdAt: '2030-01-01T00:00:00.000Z' }));
    await store.upsertGrant(aGrant({ consentId: 'c-a', createdAt: '2030-01-02T00:00:00.000Z' }));
    const listed = await store.listGrants({ patientId: 'p-1' });
    expect(listed.map((g) => g.consentId)).toEqual(['c-c', 'c-a', 'c-b']);
  });

  it('lists access requests oldest first, then by request id', async () => {
    await store.upsertAccessRequest(
      anAccessRequest({ requestId: 'r-b', createdAt: '2030-01-02T00:00:00.000Z' }),
    );
    await store.upsertAccessRequest(
      anAccessRequest({ requestId: 'r-a', createdAt: '2030-01-02T00:00:00.000Z' }),
    );
    await store.upsertAccessRequest(
      anAccessRequest({ requestId: 'r-c', createdAt: '2030-01-01T00:00:00.000Z' }),
    );
    const listed = await store.listAccessRequests({});
    expect(listed.map((r) => r.requestId)).toEqual(['r-c', 'r-a', 'r-b']);
  });

  it('finds nothing when asked for a user grantee and an org grantee at once', async () => {
    await store.upsertGrant(aGrant());
    expect(await store.listGrants({ granteeUserId: 'u-1', granteeOrg: 'hospital-b' })).toEqual([]);
  });

  it('erases a patient with more grants than one write batch holds', async () => {
    const grants = Array.from({ length: 520 }, (_, i) =>
      aGrant({ consentId: `c-${String(i).padStart(4, '0')}` }),
    );
    const writer = firestore.bulkWriter();
    for (const grant of grants)
      void writer.set(firestore.collection(`${prefix}-grants`).doc(grant.consentId), grant);
    await writer.close();
    await store.upsertGrant(aGrant({ consentId: 'c-other', patientId: 'p-2' }));
    await store.deletePatient('p-1');
    expect((await store.listGrants({})).map((g) => g.consentId)).toEqual(['c-other']);
  }, 30_000);

  it('clears only its own prefix', async () => {
    const other = aStore();
    try {
      await other.store.upsertGrant(aGrant());
      await store.upsertGrant(aGrant());
      await store.clear();
      expect(await store.getGrant('c-1')).toBeUndefined();
      expect(await other.store.getGrant('c-1')).toStrictEqual(aGrant());
    } finally {
      await other.store.clear();
      await other.store.close();
    }
  });

  it('is not ready once closed', async () => {
    const other = aStore();
    await other.store.close();
    await expect(other.store.ready()).rejects.toThrow('closed');
  });
});
