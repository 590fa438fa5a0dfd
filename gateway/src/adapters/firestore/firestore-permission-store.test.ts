import type { Firestore } from 'firebase-admin/firestore';
import { aGrant } from '../../ports/permission-store.contract.js';
import { FirestorePermissionStore } from './firestore-permission-store.js';

const never = <T>(): Promise<T> => new Promise<T>(() => undefined);

/** A Firestore stand-in whose reads and termination never finish: what an unreachable server looks like. */
function anUnansweringFirestore(): {
  firestore: Firestore;
  collections: string[];
  terminations: () => number;
} {
  const collections: string[] = [];
  let terminations = 0;
  const firestore = {
    collection: (name: string) => {
      collections.push(name);
      const query: Record<string, unknown> = { get: never };
      query.where = query.select = query.limit = () => query;
      return { limit: () => ({ get: never }), doc: () => ({ get: never, set: never }), where: () => query };
    },
    terminate: () => {
      terminations += 1;
      return never();
    },
  };
  return { firestore: firestore as unknown as Firestore, collections, terminations: () => terminations };
}

describe('FirestorePermissionStore (no server)', () => {
  it('names its collections grants, accessRequests, checkpoints and notifications', () => {
    const { firestore, collections } = anUnansweringFirestore();
    new FirestorePermissionStore({ firestore });
    expect(collections).toEqual(['grants', 'accessRequests', 'checkpoints', 'notifications']);
  });

  it('puts its prefix before every collection name', () => {
    const { firestore, collections } = anUnansweringFirestore();
    new FirestorePermissionStore({ firestore, prefix: 'hospital-a' });
    expect(collections).toEqual(['hospital-a-grants', 'hospital-a-accessRequests', 'hospital-a-checkpoints', 'hospital-a-notifications']);
  });

  it.each(['a/b', '-a', 'a.b', 'x'.repeat(101)])('refuses the prefix %p', (prefix) => {
    expect(
      () => new FirestorePermissionStore({ firestore: anUnansweringFirestore().firestore, prefix }),
    ).toThrow(TypeError);
  });

  it.each([{ readyTimeoutMs: 0 }, { closeTimeoutMs: 1.5 }, { callTimeoutMs: -1 }])('refuses the timeout %o', (timeouts) => {
    expect(
      () => new FirestorePermissionStore({ firestore: anUnansweringFirestore().firestore, ...timeouts }),
    ).toThrow(RangeError);
  });

  it('is not ready when Firestore does not answer in time', async () => {
    const store = new FirestorePermissionStore({
      firestore: anUnansweringFirestore().firestore,
      readyTimeoutMs: 50,
    });
    await expect(store.ready()).rejects.toMatchObject({ name: 'DependencyUnavailableError', dependency: 'permission-store', reason: 'timeout' });
  });

  it.each<[string, (store: FirestorePermissionStore) => Promise<unknown>]>([
    ['upsertGrant', (store) => store.upsertGrant(aGrant())],
    ['getGrant', (store) => store.getGrant('c1')],
    ['listGrants', (store) => store.listGrants({ patientId: 'p1' })],
    ['getAccessRequest', (store) => store.getAccessRequest('r1')],
    ['listAccessRequests', (store) => store.listAccessRequests({ status: 'PENDING' })],
    ['getCheckpoint', (store) => store.getCheckpoint('projector')],
    ['setCheckpoint', (store) => store.setCheckpoint('projector', '1')],
    ['deletePatient', (store) => store.deletePatient('p1')],
  ])('fails %s with the permission store named when Firestore does not answer within the call deadline', async (_name, call) => {
    const store = new FirestorePermissionStore({ firestore: anUnansweringFirestore().firestore, callTimeoutMs: 60 });
    const started = Date.now();
    await expect(call(store)).rejects.toMatchObject({ name: 'DependencyUnavailableError', dependency: 'permission-store', reason: 'timeout' });
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('stops waiting for a hanging termination after its close timeout', async () => {
    const store = new FirestorePermissionStore({
      firestore: anUnansweringFirestore().firestore,
      closeTimeoutMs: 50,
    });
    await expect(store.close()).resolves.toBeUndefined();
  });

  it('terminates Firestore once however often it is closed', async () => {
    const { firestore, terminations } = anUnansweringFirestore();
    const store = new FirestorePermissionStore({ firestore, closeTimeoutMs: 10 });
    await Promise.all([store.close(), store.close()]);
    expect(terminations()).toBe(1);
  });

  it('is not ready once closed', async () => {
    const store = new FirestorePermissionStore({
      firestore: anUnansweringFirestore().firestore,
      closeTimeoutMs: 10,
    });
    await store.close();
    await expect(store.ready()).rejects.toThrow('closed');
  });

  it.each(['a/b', '.', '..', '__reserved__', ''])(
    'refuses the id %p, which Firestore would not key by',
    async (id) => {
      const store = new FirestorePermissionStore({ firestore: anUnansweringFirestore().firestore });
      await expect(store.upsertGrant(aGrant({ consentId: id }))).rejects.toThrow(TypeError);
      await expect(store.getAccessRequest(id)).rejects.toThrow(TypeError);
      await expect(store.setCheckpoint(id, '1')).rejects.toThrow(TypeError);
    },
  );
});
