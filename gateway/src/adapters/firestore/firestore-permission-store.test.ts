import type { Firestore } from 'firebase-admin/firestore';
import { aGrant } from '../../ports/permission-store.contract.js';
import { FirestorePermissionStore } from './firestore-permission-store.js';

const never = <T>(): Promise<T> => new Promise<T>(() => undefined);

/** A Firestore stand-in whose reads and termination never finish: what an unreachable server looks like. */
function anUnansweringFirestore(): {
  firestore: Firestore;
  collections: string[];
  terminations: () => number;
  /** How many reads and writes were sent. */
  calls: () => number;
} {
  const collections: string[] = [];
  let terminations = 0;
  let calls = 0;
  const call = <T>(): Promise<T> => {
    calls += 1;
    return never<T>();
  };
  const firestore = {
    collection: (name: string) => {
      collections.push(name);
      const query: Record<string, unknown> = { get: call };
      query.where = query.select = query.limit = query.orderBy = () => query;
      const doc = (): Record<string, unknown> => ({ get: call, set: call, collection: () => ({ doc, where: () => query, orderBy: () => query }) });
      return { limit: () => ({ get: call }), doc, where: () => query };
    },
    runTransaction: call,
    terminate: () => {
      terminations += 1;
      return never();
    },
  };
  return { firestore: firestore as unknown as Firestore, collections, terminations: () => terminations, calls: () => calls };
}

describe('FirestorePermissionStore (no server)', () => {
  it('names its collections grants, accessRequests, checkpoints, notifications, webhooks and webhookDeliveries', () => {
    const { firestore, collections } = anUnansweringFirestore();
    new FirestorePermissionStore({ firestore });
    expect(collections).toEqual(['grants', 'accessRequests', 'checkpoints', 'notifications', 'webhooks', 'webhookDeliveries']);
  });

  it('puts its prefix before every collection name', () => {
    const { firestore, collections } = anUnansweringFirestore();
    new FirestorePermissionStore({ firestore, prefix: 'hospital-a' });
    expect(collections).toEqual(['hospital-a-grants', 'hospital-a-accessRequests', 'hospital-a-checkpoints', 'hospital-a-notifications', 'hospital-a-webhooks', 'hospital-a-webhookDeliveries']);
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

  it('sends nothing to Firestore once closed: every call is refused before it starts', async () => {
    // A query started on a terminated client never settles and leaves an unhandled rejection behind.
    const fake = anUnansweringFirestore();
    const store = new FirestorePermissionStore({ firestore: fake.firestore, closeTimeoutMs: 10 });
    await store.close();
    const calls: [string, () => Promise<unknown>][] = [
      ['listNotifications', () => store.listNotifications('pat-1', { limit: 1 })],
      ['addNotification', () => store.addNotification({ notificationId: 'n1', recipientId: 'pat-1', kind: 'CONSENT_EXPIRING', occurredAt: '2026-01-01T00:00:00.000Z' })],
      ['markNotificationRead', () => store.markNotificationRead('pat-1', 'n1', '2026-01-01T00:00:00.000Z')],
      ['listGrants', () => store.listGrants({ status: 'ACTIVE' })],
      ['getCheckpoint', () => store.getCheckpoint('projector')],
      ['setCheckpoint', () => store.setCheckpoint('projector', '1')],
      ['deletePatient', () => store.deletePatient('p1')],
      ['clear', () => store.clear()],
    ];
    for (const [name, call] of calls) {
      await expect(call().catch((err: Error) => Promise.reject(new Error(`${name}: ${err.message}`)))).rejects.toThrow(`${name}: Firestore permission store is closed`);
    }
    expect(fake.calls()).toBe(0);
  });

  it('terminates Firestore only after the calls in flight have settled', async () => {
    const order: string[] = [];
    let answer: (value: unknown) => void = () => undefined;
    const pending = new Promise((resolve) => (answer = resolve));
    const items = { where: () => items, orderBy: () => items, limit: () => items, get: () => (order.push('query sent'), pending.then(() => (order.push('query answered'), { docs: [] }))) };
    const firestore = {
      collection: () => ({ doc: () => ({ collection: () => items }) }),
      terminate: async () => void order.push('terminated'),
    } as unknown as Firestore;
    const store = new FirestorePermissionStore({ firestore, closeTimeoutMs: 5_000 });
    const listed = store.listNotifications('pat-1', { limit: 1 });
    const closed = store.close();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(order).toEqual(['query sent']);
    answer(undefined);
    await Promise.all([listed, closed]);
    expect(order).toEqual(['query sent', 'query answered', 'terminated']);
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
