import type { AccessRequestDoc, DeliveryDoc, GrantDoc, NewNotification, NotificationDoc, PermissionStore, WebhookDoc } from './permission-store.js';

/** A store under test and how to dispose of it (close it and delete its data). */
export interface PermissionStoreSubject {
  store: PermissionStore;
  cleanup: () => Promise<void>;
}

/** A grant by patient p-1 to user u-1, active; override what a test is about. */
export function aGrant(overrides: Partial<GrantDoc> = {}): GrantDoc {
  return {
    consentId: 'c-1',
    patientId: 'p-1',
    patientOrg: 'hospital-a',
    grantee: { kind: 'user', userId: 'u-1' },
    scope: { categories: ['report'] },
    purposes: ['TREAT'],
    expiresAt: '2031-01-01T00:00:00.000Z',
    status: 'ACTIVE',
    createdAt: '2030-01-01T00:00:00.000Z',
    ...overrides,
  };
}

/** Org A's webhook wh-1; override what a test is about. */
export function aWebhook(overrides: Partial<WebhookDoc> = {}): WebhookDoc {
  return {
    webhookId: 'wh-1',
    org: 'OrgA',
    url: 'https://hooks.example/careledger',
    secret: 's3cret',
    createdAt: '2030-01-01T00:00:00.000Z',
    createdBy: 'admin-a',
    ...overrides,
  };
}

/** A pending delivery dlv-1 to wh-1 of org A, due now; override what a test is about. */
export function aDelivery(overrides: Partial<DeliveryDoc> = {}): DeliveryDoc {
  return {
    deliveryId: 'dlv-1',
    webhookId: 'wh-1',
    org: 'OrgA',
    event: 'AccessRequested',
    ids: { requestId: 'r-1' },
    txId: 'tx-1',
    blockNumber: '7',
    createdAt: '2030-01-01T00:00:00.000Z',
    status: 'PENDING',
    attempts: 0,
    dueAt: '2030-01-01T00:00:00.000Z',
    ...overrides,
  };
}

/** A pending request by practitioner u-1 about patient p-1; override what a test is about. */
export function anAccessRequest(overrides: Partial<AccessRequestDoc> = {}): AccessRequestDoc {
  return {
    requestId: 'r-1',
    patientId: 'p-1',
    patientOrg: 'hospital-a',
    requesterId: 'u-1',
    requesterOrg: 'hospital-b',
    purpose: 'TREAT',
    scope: { recordIds: ['rec-1'] },
    reason: 'follow-up',
    status: 'PENDING',
    createdAt: '2030-01-01T00:00:00.000Z',
    ...overrides,
  };
}

/** A notification to patient p-1 that practitioner u-1 asked for access; override what a test is about. */
export function aNotification(overrides: Partial<NewNotification> = {}): NewNotification {
  return {
    notificationId: 'ntf-1',
    recipientId: 'p-1',
    kind: 'ACCESS_REQUEST_RECEIVED',
    occurredAt: '2030-01-01T00:00:00.000Z',
    requestId: 'r-1',
    ...overrides,
  };
}

const notificationIds = (docs: NotificationDoc[]): string[] => docs.map((d) => d.notificationId);
const grantIds = (docs: GrantDoc[]): string[] => docs.map((d) => d.consentId).sort();
const requestIds = (docs: AccessRequestDoc[]): string[] => docs.map((d) => d.requestId).sort();

/**
 * The PermissionStore port's contract. Every adapter's test calls it:
 * `describePermissionStoreContract('LocalPermissionStore', async () => ({ store, cleanup }))`.
 */
export function describePermissionStoreContract(
  name: string,
  makeStore: () => Promise<PermissionStoreSubject>,
): void {
  describe(`${name} (PermissionStore contract)`, () => {
    let subject: PermissionStoreSubject;
    let store: PermissionStore;

    beforeEach(async () => {
      subject = await makeStore();
      store = subject.store;
      await store.ready();
    });

    afterEach(async () => {
      await subject.cleanup();
    });

    describe('grants', () => {
      it('returns a grant as it was written, optional fields included', async () => {
        const grant = aGrant({ status: 'REVOKED', revokedAt: '2030-02-01T00:00:00.000Z', requestId: 'r-9' });
        await store.upsertGrant(grant);
        expect(await store.getGrant('c-1')).toStrictEqual(grant);
      });

      it('returns a grant without the optional fields it was written without', async () => {
        await store.upsertGrant(aGrant());
        expect(await store.getGrant('c-1')).toStrictEqual(aGrant());
      });

      it('answers undefined for an unknown consent', async () => {
        expect(await store.getGrant('c-unknown')).toBeUndefined();
      });

      it('keeps one grant when the same upsert is replayed', async () => {
        await store.upsertGrant(aGrant());
        await store.upsertGrant(aGrant());
        expect(await store.listGrants({ patientId: 'p-1' })).toHaveLength(1);
      });

      it('replaces a grant with its newer state', async () => {
        await store.upsertGrant(aGrant());
        await store.upsertGrant(aGrant({ status: 'REVOKED', revokedAt: '2030-02-01T00:00:00.000Z' }));
        expect(await store.listGrants({ patientId: 'p-1', status: 'ACTIVE' })).toEqual([]);
        expect((await store.getGrant('c-1'))?.status).toBe('REVOKED');
      });

      it('lists a patient’s grants by exact patient id', async () => {
        await store.upsertGrant(aGrant({ consentId: 'c-1', patientId: 'p-1' }));
        await store.upsertGrant(aGrant({ consentId: 'c-2', patientId: 'p-10' }));
        await store.upsertGrant(aGrant({ consentId: 'c-3', patientId: 'p-1' }));
        expect(grantIds(await store.listGrants({ patientId: 'p-1' }))).toEqual(['c-1', 'c-3']);
      });

      it('lists grants to a user, not grants to an org of the same name', async () => {
        await store.upsertGrant(aGrant({ consentId: 'c-1', grantee: { kind: 'user', userId: 'x' } }));
        await store.upsertGrant(aGrant({ consentId: 'c-2', grantee: { kind: 'org', org: 'x' } }));
        expect(grantIds(await store.listGrants({ granteeUserId: 'x' }))).toEqual(['c-1']);
        expect(grantIds(await store.listGrants({ granteeOrg: 'x' }))).toEqual(['c-2']);
      });

      it('lists by status alone', async () => {
        await store.upsertGrant(aGrant({ consentId: 'c-1' }));
        await store.upsertGrant(aGrant({ consentId: 'c-2', patientId: 'p-2', status: 'REVOKED' }));
        expect(grantIds(await store.listGrants({ status: 'REVOKED' }))).toEqual(['c-2']);
      });

      it('applies every field of a combined filter', async () => {
        await store.upsertGrant(aGrant({ consentId: 'c-1' }));
        await store.upsertGrant(aGrant({ consentId: 'c-2', status: 'REVOKED' }));
        await store.upsertGrant(aGrant({ consentId: 'c-3', grantee: { kind: 'user', userId: 'u-2' } }));
        await store.upsertGrant(aGrant({ consentId: 'c-4', patientId: 'p-2' }));
        const found = await store.listGrants({ patientId: 'p-1', granteeUserId: 'u-1', status: 'ACTIVE' });
        expect(grantIds(found)).toEqual(['c-1']);
      });

      it('lists every grant for an empty filter', async () => {
        await store.upsertGrant(aGrant({ consentId: 'c-1' }));
        await store.upsertGrant(aGrant({ consentId: 'c-2', patientId: 'p-2' }));
        expect(grantIds(await store.listGrants({}))).toEqual(['c-1', 'c-2']);
      });

      it('stops listing a grant under values it no longer has', async () => {
        await store.upsertGrant(aGrant({ grantee: { kind: 'user', userId: 'u-1' } }));
        await store.upsertGrant(aGrant({ grantee: { kind: 'org', org: 'hospital-b' } }));
        expect(await store.listGrants({ granteeUserId: 'u-1' })).toEqual([]);
        expect(grantIds(await store.listGrants({ granteeOrg: 'hospital-b' }))).toEqual(['c-1']);
      });
    });

    describe('access requests', () => {
      it('returns a request as it was written', async () => {
        const request = anAccessRequest({
          status: 'APPROVED',
          decidedAt: '2030-01-02T00:00:00.000Z',
          consentId: 'c-1',
        });
        await store.upsertAccessRequest(request);
        expect(await store.getAccessRequest('r-1')).toStrictEqual(request);
      });

      it('answers undefined for an unknown request', async () => {
        expect(await store.getAccessRequest('r-unknown')).toBeUndefined();
      });

      it('keeps one request when the same upsert is replayed', async () => {
        await store.upsertAccessRequest(anAccessRequest());
        await store.upsertAccessRequest(anAccessRequest());
        expect(await store.listAccessRequests({})).toHaveLength(1);
      });

      it('lists a patient’s pending requests only', async () => {
        await store.upsertAccessRequest(anAccessRequest({ requestId: 'r-1' }));
        await store.upsertAccessRequest(anAccessRequest({ requestId: 'r-2', status: 'DENIED' }));
        await store.upsertAccessRequest(anAccessRequest({ requestId: 'r-3', patientId: 'p-10' }));
        expect(requestIds(await store.listAccessRequests({ patientId: 'p-1', status: 'PENDING' }))).toEqual([
          'r-1',
        ]);
      });

      it('lists a requester’s own requests by exact id', async () => {
        await store.upsertAccessRequest(anAccessRequest({ requestId: 'r-1', requesterId: 'u-1' }));
        await store.upsertAccessRequest(anAccessRequest({ requestId: 'r-2', requesterId: 'u-11' }));
        expect(requestIds(await store.listAccessRequests({ requesterId: 'u-1' }))).toEqual(['r-1']);
      });

      it('replaces a request with its decision', async () => {
        await store.upsertAccessRequest(anAccessRequest());
        await store.upsertAccessRequest(
          anAccessRequest({ status: 'DENIED', decidedAt: '2030-01-02T00:00:00.000Z' }),
        );
        expect(await store.listAccessRequests({ status: 'PENDING' })).toEqual([]);
        expect((await store.getAccessRequest('r-1'))?.status).toBe('DENIED');
      });
    });

    describe('erasure', () => {
      it('deletes every grant and request of the patient and nothing else', async () => {
        await store.upsertGrant(aGrant({ consentId: 'c-1', patientId: 'p-1' }));
        await store.upsertGrant(aGrant({ consentId: 'c-2', patientId: 'p-2' }));
        await store.upsertAccessRequest(anAccessRequest({ requestId: 'r-1', patientId: 'p-1' }));
        await store.upsertAccessRequest(anAccessRequest({ requestId: 'r-2', patientId: 'p-2' }));
        await store.deletePatient('p-1');
        expect(grantIds(await store.listGrants({}))).toEqual(['c-2']);
        expect(requestIds(await store.listAccessRequests({}))).toEqual(['r-2']);
        expect(await store.getGrant('c-1')).toBeUndefined();
      });

      it('deletes a patient with nothing stored without complaint', async () => {
        await expect(store.deletePatient('p-none')).resolves.toBeUndefined();
      });
    });

    describe('notifications', () => {
      it('returns a new notification with the first sequence number and marks it created', async () => {
        const added = await store.addNotification(aNotification());
        expect(added).toStrictEqual({ created: true, doc: { ...aNotification(), seq: '0000000000000001' } });
      });

      it('keeps one notification, seq unchanged, when the same id is added again (a replay)', async () => {
        await store.addNotification(aNotification());
        const again = await store.addNotification(aNotification({ occurredAt: '2030-01-09T00:00:00.000Z' }));
        expect(again).toStrictEqual({ created: false, doc: { ...aNotification(), seq: '0000000000000001' } });
        expect(await store.listNotifications('p-1', { limit: 10 })).toHaveLength(1);
      });

      it('numbers each recipient’s notifications on their own', async () => {
        await store.addNotification(aNotification({ notificationId: 'ntf-1', recipientId: 'p-1' }));
        const other = await store.addNotification(aNotification({ notificationId: 'ntf-2', recipientId: 'p-2' }));
        const second = await store.addNotification(aNotification({ notificationId: 'ntf-3', recipientId: 'p-1' }));
        expect([other.doc.seq, second.doc.seq]).toEqual(['0000000000000001', '0000000000000002']);
      });

      it('lists a recipient’s notifications newest first, and nobody else’s', async () => {
        for (const [id, recipientId] of [['ntf-1', 'p-1'], ['ntf-2', 'p-10'], ['ntf-3', 'p-1'], ['ntf-4', 'p-1']]) {
          await store.addNotification(aNotification({ notificationId: id, recipientId }));
        }
        expect(notificationIds(await store.listNotifications('p-1', { limit: 10 }))).toEqual(['ntf-4', 'ntf-3', 'ntf-1']);
      });

      it('pages with `before` the last seq of the previous page', async () => {
        for (const id of ['ntf-1', 'ntf-2', 'ntf-3']) await store.addNotification(aNotification({ notificationId: id }));
        const first = await store.listNotifications('p-1', { limit: 2 });
        expect(notificationIds(first)).toEqual(['ntf-3', 'ntf-2']);
        expect(notificationIds(await store.listNotifications('p-1', { limit: 2, before: first[1]!.seq }))).toEqual(['ntf-1']);
      });

      it('lists oldest first what came after a seq (a resumed stream)', async () => {
        for (const id of ['ntf-1', 'ntf-2', 'ntf-3']) await store.addNotification(aNotification({ notificationId: id }));
        expect(notificationIds(await store.listNotifications('p-1', { limit: 10, after: '0000000000000001' }))).toEqual(['ntf-2', 'ntf-3']);
        expect(await store.listNotifications('p-1', { limit: 10, after: '0000000000000003' })).toEqual([]);
      });

      it('marks a notification read once, keeping the first time', async () => {
        await store.addNotification(aNotification());
        const read = await store.markNotificationRead('p-1', 'ntf-1', '2030-01-02T00:00:00.000Z');
        expect(read?.readAt).toBe('2030-01-02T00:00:00.000Z');
        await store.markNotificationRead('p-1', 'ntf-1', '2030-01-03T00:00:00.000Z');
        expect((await store.listNotifications('p-1', { limit: 1 }))[0]?.readAt).toBe('2030-01-02T00:00:00.000Z');
      });

      it('does not mark another recipient’s notification', async () => {
        await store.addNotification(aNotification({ recipientId: 'p-1' }));
        expect(await store.markNotificationRead('p-2', 'ntf-1', '2030-01-02T00:00:00.000Z')).toBeUndefined();
        expect((await store.listNotifications('p-1', { limit: 1 }))[0]?.readAt).toBeUndefined();
      });

      it('keeps the read mark when the same notification is added again', async () => {
        await store.addNotification(aNotification());
        await store.markNotificationRead('p-1', 'ntf-1', '2030-01-02T00:00:00.000Z');
        expect((await store.addNotification(aNotification())).doc.readAt).toBe('2030-01-02T00:00:00.000Z');
      });

      it('deletes the erased patient’s notifications only', async () => {
        await store.addNotification(aNotification({ notificationId: 'ntf-1', recipientId: 'p-1' }));
        await store.addNotification(aNotification({ notificationId: 'ntf-2', recipientId: 'u-1' }));
        await store.deletePatient('p-1');
        expect(await store.listNotifications('p-1', { limit: 10 })).toEqual([]);
        expect(notificationIds(await store.listNotifications('u-1', { limit: 10 }))).toEqual(['ntf-2']);
      });

      it('drops notifications on clear', async () => {
        await store.addNotification(aNotification());
        await store.clear();
        expect(await store.listNotifications('p-1', { limit: 10 })).toEqual([]);
      });
    });

    describe('webhooks', () => {
      const deliveryIds = (docs: DeliveryDoc[]) => docs.map((d) => d.deliveryId);

      it('keeps a webhook with its secret and lists an org’s own only', async () => {
        await store.addWebhook(aWebhook());
        await store.addWebhook(aWebhook({ webhookId: 'wh-2', org: 'OrgB', createdAt: '2030-01-02T00:00:00.000Z' }));
        expect(await store.getWebhook('wh-1')).toEqual(aWebhook());
        expect((await store.listWebhooks('OrgA')).map((w) => w.webhookId)).toEqual(['wh-1']);
        expect((await store.listWebhooks()).map((w) => w.webhookId)).toEqual(['wh-1', 'wh-2']);
        expect(await store.getWebhook('wh-9')).toBeUndefined();
      });

      it('stores a delivery once: the same id again changes nothing', async () => {
        expect(await store.addDelivery(aDelivery())).toBe(true);
        await store.saveDelivery(aDelivery({ attempts: 2, dueAt: '2030-01-01T00:00:05.000Z', lastError: 'HTTP 500' }));
        expect(await store.addDelivery(aDelivery())).toBe(false);
        expect(await store.getDelivery('dlv-1')).toMatchObject({ attempts: 2, lastError: 'HTTP 500' });
      });

      it('answers the pending deliveries that are due, the longest due first', async () => {
        await store.addDelivery(aDelivery({ deliveryId: 'dlv-late', dueAt: '2030-01-01T00:00:09.000Z' }));
        await store.addDelivery(aDelivery({ deliveryId: 'dlv-early', dueAt: '2030-01-01T00:00:01.000Z' }));
        await store.addDelivery(aDelivery({ deliveryId: 'dlv-later', dueAt: '2030-01-01T00:01:00.000Z' }));
        expect(deliveryIds(await store.dueDeliveries('2030-01-01T00:00:09.000Z', 10))).toEqual(['dlv-early', 'dlv-late']);
        expect(deliveryIds(await store.dueDeliveries('2030-01-01T00:00:09.000Z', 1))).toEqual(['dlv-early']);
      });

      it('takes a delivered or dead delivery out of the due ones, and a replayed one back in', async () => {
        await store.addWebhook(aWebhook());
        await store.addDelivery(aDelivery({ deliveryId: 'dlv-1' }));
        await store.addDelivery(aDelivery({ deliveryId: 'dlv-2' }));
        const { dueAt: _d1, ...done } = aDelivery({ deliveryId: 'dlv-1', status: 'DELIVERED', attempts: 1 });
        const { dueAt: _d2, ...dead } = aDelivery({ deliveryId: 'dlv-2', status: 'DEAD', attempts: 3, lastError: 'timeout' });
        await store.saveDelivery(done);
        await store.saveDelivery(dead);
        expect(await store.dueDeliveries('2031-01-01T00:00:00.000Z', 10)).toEqual([]);
        expect(deliveryIds(await store.listDeliveries('OrgA', 'DEAD', 10))).toEqual(['dlv-2']);
        await store.saveDelivery({ ...dead, status: 'PENDING', attempts: 0, dueAt: '2030-01-02T00:00:00.000Z' });
        expect(deliveryIds(await store.dueDeliveries('2031-01-01T00:00:00.000Z', 10))).toEqual(['dlv-2']);
        expect(await store.listDeliveries('OrgA', 'DEAD', 10)).toEqual([]);
      });

      it('lists an org’s dead letters only', async () => {
        await store.addWebhook(aWebhook());
        await store.addWebhook(aWebhook({ webhookId: 'wh-b', org: 'OrgB' }));
        await store.addDelivery(aDelivery({ deliveryId: 'dlv-a', status: 'DEAD', dueAt: undefined }));
        await store.addDelivery(aDelivery({ deliveryId: 'dlv-b', webhookId: 'wh-b', org: 'OrgB', status: 'DEAD', dueAt: undefined }));
        expect(deliveryIds(await store.listDeliveries('OrgA', 'DEAD', 10))).toEqual(['dlv-a']);
        expect(deliveryIds(await store.listDeliveries('OrgB', 'DEAD', 10))).toEqual(['dlv-b']);
      });

      it('removes a deleted webhook’s deliveries with it', async () => {
        await store.addWebhook(aWebhook());
        await store.addWebhook(aWebhook({ webhookId: 'wh-2' }));
        await store.addDelivery(aDelivery({ deliveryId: 'dlv-1' }));
        await store.addDelivery(aDelivery({ deliveryId: 'dlv-2', webhookId: 'wh-2' }));
        await store.deleteWebhook('wh-1');
        expect(await store.getWebhook('wh-1')).toBeUndefined();
        expect(await store.getDelivery('dlv-1')).toBeUndefined();
        expect(deliveryIds(await store.dueDeliveries('2031-01-01T00:00:00.000Z', 10))).toEqual(['dlv-2']);
      });

      it('keeps webhooks and deliveries through a clear (they are not a projection)', async () => {
        await store.addWebhook(aWebhook());
        await store.addDelivery(aDelivery());
        await store.clear();
        expect(await store.getWebhook('wh-1')).toEqual(aWebhook());
        expect(deliveryIds(await store.dueDeliveries('2031-01-01T00:00:00.000Z', 10))).toEqual(['dlv-1']);
      });
    });

    describe('checkpoints', () => {
      it('answers undefined for a checkpoint never set', async () => {
        expect(await store.getCheckpoint('projector')).toBeUndefined();
      });

      it('returns the last value set', async () => {
        await store.setCheckpoint('projector', '10:0');
        await store.setCheckpoint('projector', '12:3');
        expect(await store.getCheckpoint('projector')).toBe('12:3');
      });

      it('survives a patient erasure', async () => {
        await store.setCheckpoint('projector', '12:3');
        await store.deletePatient('p-1');
        expect(await store.getCheckpoint('projector')).toBe('12:3');
      });
    });

    describe('clear', () => {
      it('drops grants, requests and checkpoints, so a rebuild starts from the beginning', async () => {
        await store.upsertGrant(aGrant());
        await store.upsertAccessRequest(anAccessRequest());
        await store.setCheckpoint('projector', '12:3');
        await store.clear();
        expect(await store.listGrants({})).toEqual([]);
        expect(await store.listAccessRequests({})).toEqual([]);
        expect(await store.getCheckpoint('projector')).toBeUndefined();
      });

      it('accepts writes again after a clear', async () => {
        await store.upsertGrant(aGrant());
        await store.clear();
        await store.upsertGrant(aGrant());
        expect(grantIds(await store.listGrants({ patientId: 'p-1' }))).toEqual(['c-1']);
      });
    });
  });
}
