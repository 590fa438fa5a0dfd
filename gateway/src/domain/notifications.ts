import { derivedId } from './derived-id.js';
import type { GrantDoc, NewNotification, NotificationKind } from '../ports/permission-store.js';

/** How long before a consent expires its patient and grantee are told. */
export const CONSENT_EXPIRY_NOTICE_MS = 24 * 60 * 60 * 1000;

/** The ledger's access request as far as a notification needs it (who asked whom, and the decision). */
export interface RequestFacts {
  requestId: string;
  patientId: string;
  requesterId: string;
  status: 'PENDING' | 'APPROVED' | 'DENIED';
  createdAt: string;
  decidedAt?: string;
  consentId?: string;
}

/** The ledger's break-glass session as far as a notification needs it. */
export interface SessionFacts {
  sessionId: string;
  patientId: string;
  openedAt: string;
}

/** The ledger's access event as far as a notification needs it (an integrity violation it recorded). */
export interface AccessEventFacts {
  eventId: string;
  patientId: string;
  recordId: string;
  at: string;
}

/** What the ledger says about the object a committed event names (read by the follower with an evaluate). */
/** The ledger's contribution facts of a new record (records:GetContribution). */
export interface ContributionFacts {
  recordId: string;
  patientId: string;
  contributed: boolean;
  createdAt: string;
}

/** What the ledger says about the object a committed event names (read by the follower with an evaluate). */
export type EventFacts = { request: RequestFacts } | { session: SessionFacts } | { accessEvent: AccessEventFacts } | { contribution: ContributionFacts };

/**
 * A notification's id: the same cause (a transaction id, or a consent's expiry), kind and recipient always give
 * the same id, so replaying the ledger's events stores nothing twice. A hash, so the id says nothing itself.
 */
export function notificationId(cause: string, kind: NotificationKind, recipientId: string): string {
  return derivedId('ntf', cause, kind, recipientId);
}

/** The events a notification follows, and the object each one names. */
export const NOTIFYING_EVENTS = {
  AccessRequested: 'request',
  AccessRequestApproved: 'request',
  AccessRequestDenied: 'request',
  EmergencyAccessOpened: 'session',
  IntegrityViolationRecorded: 'accessEvent',
  RecordCreated: 'contribution',
} as const satisfies Record<string, 'request' | 'session' | 'accessEvent' | 'contribution'>;

export type NotifyingEvent = keyof typeof NOTIFYING_EVENTS;

/** Whether an event can notify anyone (the others are skipped without a read). */
export function isNotifyingEvent(name: string): name is NotifyingEvent {
  return Object.hasOwn(NOTIFYING_EVENTS, name);
}

/**
 * Who is told what about a committed event: a request received goes to the patient it asks, its decision to the
 * requester, a break-glass session to the patient whose records it opens, an integrity violation to the patient
 * whose record failed verification, a record another hospital contributed to the patient. Recipients come from the ledger's
 * object only, never from anyone's request. Ids and kinds only.
 */
export function notificationsForEvent(event: { txId: string; eventName: string }, facts: EventFacts): NewNotification[] {
  const one = (recipientId: string, kind: NotificationKind, occurredAt: string, ids: Partial<NewNotification>): NewNotification[] => [
    { notificationId: notificationId(event.txId, kind, recipientId), recipientId, kind, occurredAt, ...ids },
  ];
  if ('accessEvent' in facts) {
    if (event.eventName !== 'IntegrityViolationRecorded') return [];
    const e = facts.accessEvent;
    return one(e.patientId, 'INTEGRITY_VIOLATION', e.at, { recordId: e.recordId, eventId: e.eventId });
  }
  if ('contribution' in facts) {
    // Only a record another hospital added tells the patient; the home hospital's own uploads do not.
    const c = facts.contribution;
    if (event.eventName !== 'RecordCreated' || !c.contributed) return [];
    return one(c.patientId, 'CONTRIBUTION_ADDED', c.createdAt, { recordId: c.recordId });
  }
  if ('session' in facts) {
    if (event.eventName !== 'EmergencyAccessOpened') return [];
    const s = facts.session;
    return one(s.patientId, 'BREAK_GLASS_OPENED', s.openedAt, { sessionId: s.sessionId });
  }
  const r = facts.request;
  switch (event.eventName) {
    case 'AccessRequested':
      return one(r.patientId, 'ACCESS_REQUEST_RECEIVED', r.createdAt, { requestId: r.requestId });
    case 'AccessRequestApproved':
      return one(r.requesterId, 'ACCESS_REQUEST_APPROVED', r.decidedAt ?? r.createdAt, {
        requestId: r.requestId,
        ...(r.consentId ? { consentId: r.consentId } : {}),
      });
    case 'AccessRequestDenied':
      return one(r.requesterId, 'ACCESS_REQUEST_DENIED', r.decidedAt ?? r.createdAt, { requestId: r.requestId });
    default:
      return [];
  }
}

/**
 * The notices due for active consents that expire within the next 24 h: one to the patient and one to a user
 * grantee (an org grant names no one person). The notice's time is 24 h before the expiry (or the consent's
 * creation, when it was made shorter), so the same consent always gives the same notices.
 */
export function consentExpiryNotices(grants: GrantDoc[], now: Date): NewNotification[] {
  const notices: NewNotification[] = [];
  for (const grant of grants) {
    const expires = Date.parse(grant.expiresAt);
    if (grant.status !== 'ACTIVE' || !(expires > now.getTime()) || expires - now.getTime() > CONSENT_EXPIRY_NOTICE_MS) continue;
    const occurredAt = new Date(Math.max(expires - CONSENT_EXPIRY_NOTICE_MS, Date.parse(grant.createdAt))).toISOString();
    const cause = `consent:${grant.consentId}:${grant.expiresAt}`;
    const recipients = [grant.patientId, ...(grant.grantee.kind === 'user' ? [grant.grantee.userId] : [])];
    for (const recipientId of recipients) {
      notices.push({ notificationId: notificationId(cause, 'CONSENT_EXPIRING', recipientId), recipientId, kind: 'CONSENT_EXPIRING', occurredAt, consentId: grant.consentId });
    }
  }
  return notices;
}
