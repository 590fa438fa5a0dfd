import { aGrant } from '../ports/permission-store.contract.js';
import { consentExpiryNotices, isNotifyingEvent, notificationId, notificationsForEvent, type RequestFacts } from './notifications.js';

function aRequest(overrides: Partial<RequestFacts> = {}): RequestFacts {
  return { requestId: 'req_1', patientId: 'pat-1', requesterId: 'doc-b', status: 'PENDING', createdAt: '2030-01-01T00:00:00.000Z', ...overrides };
}

const HOUR = 3_600_000;

describe('notifications derived from a committed event', () => {
  it('tells the patient of an integrity violation on their record, naming the record and the access event only', () => {
    const facts = { accessEvent: { eventId: 'evt_1', patientId: 'pat-1', recordId: 'rec_1', at: '2030-01-03T00:00:00.000Z' } };
    expect(notificationsForEvent({ txId: 'tx9', eventName: 'IntegrityViolationRecorded' }, facts)).toEqual([
      { notificationId: notificationId('tx9', 'INTEGRITY_VIOLATION', 'pat-1'), recipientId: 'pat-1', kind: 'INTEGRITY_VIOLATION', occurredAt: '2030-01-03T00:00:00.000Z', recordId: 'rec_1', eventId: 'evt_1' },
    ]);
    expect(isNotifyingEvent('IntegrityViolationRecorded')).toBe(true);
  });

  it('tells the patient that an access request arrived, naming the request only', () => {
    expect(notificationsForEvent({ txId: 'tx1', eventName: 'AccessRequested' }, { request: aRequest() })).toEqual([
      { notificationId: notificationId('tx1', 'ACCESS_REQUEST_RECEIVED', 'pat-1'), recipientId: 'pat-1', kind: 'ACCESS_REQUEST_RECEIVED', occurredAt: '2030-01-01T00:00:00.000Z', requestId: 'req_1' },
    ]);
  });

  it('tells the requester, not the patient, that the request was approved, with the consent it made', () => {
    const approved = aRequest({ status: 'APPROVED', decidedAt: '2030-01-02T00:00:00.000Z', consentId: 'con_1' });
    const [n, ...rest] = notificationsForEvent({ txId: 'tx2', eventName: 'AccessRequestApproved' }, { request: approved });
    expect(rest).toEqual([]);
    expect(n).toMatchObject({ recipientId: 'doc-b', kind: 'ACCESS_REQUEST_APPROVED', occurredAt: '2030-01-02T00:00:00.000Z', requestId: 'req_1', consentId: 'con_1' });
  });

  it('tells the requester that the request was denied', () => {
    const denied = aRequest({ status: 'DENIED', decidedAt: '2030-01-02T00:00:00.000Z' });
    expect(notificationsForEvent({ txId: 'tx3', eventName: 'AccessRequestDenied' }, { request: denied })).toMatchObject([{ recipientId: 'doc-b', kind: 'ACCESS_REQUEST_DENIED' }]);
  });

  it('tells the patient that break-glass was opened on their records, naming the session only', () => {
    const session = { sessionId: 'emg_1', patientId: 'pat-1', openedAt: '2030-01-03T00:00:00.000Z' };
    expect(notificationsForEvent({ txId: 'tx4', eventName: 'EmergencyAccessOpened' }, { session })).toEqual([
      { notificationId: notificationId('tx4', 'BREAK_GLASS_OPENED', 'pat-1'), recipientId: 'pat-1', kind: 'BREAK_GLASS_OPENED', occurredAt: '2030-01-03T00:00:00.000Z', sessionId: 'emg_1' },
    ]);
  });

  it('notifies nobody of events it does not follow', () => {
    expect(['ConsentGranted', 'AccessRecorded', 'EmergencyAccessReviewed'].filter(isNotifyingEvent)).toEqual([]);
    expect(notificationsForEvent({ txId: 'tx5', eventName: 'ConsentGranted' }, { request: aRequest() })).toEqual([]);
  });

  it('tells the patient of a record another hospital contributed, and nobody of the home hospital\'s own uploads', () => {
    const facts = { recordId: 'rec_1', patientId: 'pat-1', contributed: true, createdAt: '2026-01-01T10:00:00.000Z' };
    expect(notificationsForEvent({ txId: 'tx7', eventName: 'RecordCreated' }, { contribution: facts })).toEqual([
      { notificationId: notificationId('tx7', 'CONTRIBUTION_ADDED', 'pat-1'), recipientId: 'pat-1', kind: 'CONTRIBUTION_ADDED', occurredAt: facts.createdAt, recordId: 'rec_1' },
    ]);
    expect(notificationsForEvent({ txId: 'tx8', eventName: 'RecordCreated' }, { contribution: { ...facts, contributed: false } })).toEqual([]);
  });

  it('gives a replayed event the same ids, and another transaction, kind or recipient different ones', () => {
    const id = notificationId('tx1', 'ACCESS_REQUEST_RECEIVED', 'pat-1');
    expect(notificationId('tx1', 'ACCESS_REQUEST_RECEIVED', 'pat-1')).toBe(id);
    expect(new Set([id, notificationId('tx2', 'ACCESS_REQUEST_RECEIVED', 'pat-1'), notificationId('tx1', 'ACCESS_REQUEST_DENIED', 'pat-1'), notificationId('tx1', 'ACCESS_REQUEST_RECEIVED', 'pat-2')]).size).toBe(4);
    expect(id).toMatch(/^ntf-[0-9a-f]{40}$/);
  });

  it('keeps the notification ids already stored: "ntf-" and 40 hex digits of SHA-256 over "<cause>\\n<kind>\\n<recipient>"', () => {
    expect(notificationId('tx1', 'ACCESS_REQUEST_RECEIVED', 'pat-1')).toBe('ntf-c98b8e6e885133931965b5cbd88b0d34b6fd524f');
  });
});

describe('consent expiry notices', () => {
  const now = new Date('2030-06-01T12:00:00.000Z');
  const expiring = (consentId: string, inMs: number, overrides = {}) => aGrant({ consentId, expiresAt: new Date(now.getTime() + inMs).toISOString(), ...overrides });

  it('tells the patient and a user grantee 24 h before a consent expires', () => {
    const notices = consentExpiryNotices([expiring('c-1', 23 * HOUR)], now);
    expect(notices.map((n) => [n.recipientId, n.kind, n.consentId])).toEqual([
      ['p-1', 'CONSENT_EXPIRING', 'c-1'],
      ['u-1', 'CONSENT_EXPIRING', 'c-1'],
    ]);
    expect(notices[0]?.occurredAt).toBe(new Date(now.getTime() - HOUR).toISOString());
  });

  it('tells only the patient when the grantee is an org', () => {
    expect(consentExpiryNotices([expiring('c-1', HOUR, { grantee: { kind: 'org', org: 'HospitalBMSP' } })], now).map((n) => n.recipientId)).toEqual(['p-1']);
  });

  it('says nothing of a consent expiring later than 24 h, already expired, or revoked', () => {
    const grants = [expiring('c-1', 25 * HOUR), expiring('c-2', -HOUR), expiring('c-3', HOUR, { status: 'REVOKED' })];
    expect(consentExpiryNotices(grants, now)).toEqual([]);
  });

  it('gives the same notices on every sweep, so each is stored once', () => {
    const grant = expiring('c-1', 2 * HOUR);
    expect(consentExpiryNotices([grant], new Date(now.getTime() + HOUR))).toEqual(consentExpiryNotices([grant], now));
  });
});
