/**
 * The REST models (models.ts) are written out for tsoa, which documents them from their JSDoc; the ledger's
 * shapes live in the chaincode and the use cases. This file pins each pair: the type assertions fail
 * `npm run typecheck` when a copy drifts, and the tests below fail when the published spec's enums differ
 * from the chaincode's vocabularies (what the chaincode accepts is what the spec must promise).
 */
import { readFileSync } from 'node:fs';
import type * as Ledger from '@careledger/chaincode';
import { CATEGORIES, EMERGENCY_REASONS, PURPOSES, ROLES } from '@careledger/chaincode/rules';
import type * as Rules from '@careledger/chaincode/rules';
import type { AccessRequestDoc, GrantDoc, NotificationDoc, NotificationKind } from '../ports/permission-store.js';
import type { BatchReceipt as ServiceBatchReceipt, DeviceRegistration as ServiceDeviceRegistration } from '../services/device-service.js';
import type { NotificationPage as ServiceNotificationPage, Notification as ServiceNotification } from '../services/notification-service.js';
import type { NotificationKind as StoredNotificationKind } from '../ports/permission-store.js';
import type * as Api from './models.js';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
/** What the ledger or a use case returns is what the API promises (it may carry fewer optional fields). */
type Serves<Inner, Outer> = Inner extends Outer ? true : false;
function pin<T extends true>(): T | undefined {
  return undefined;
}

// The vocabularies: the same unions on both sides.
pin<Equal<Api.Role, Rules.Role>>();
pin<Equal<Api.Purpose, Rules.Purpose>>();
pin<Equal<Api.Category, Rules.Category>>();
pin<Equal<Api.EmergencyReason, Rules.EmergencyReason>>();
pin<Equal<Api.AccessEvent['outcome'], Rules.AccessOutcome>>();
pin<Equal<NonNullable<Api.AccessEvent['basis']>, Rules.AccessBasis>>();
pin<Equal<Api.ConsentScope, Rules.ConsentScope>>();

// The ledger's objects as the API returns them.
pin<Serves<Ledger.Consent, Api.Consent>>();
pin<Serves<Ledger.AccessRequest, Api.AccessRequest>>();
pin<Serves<Ledger.EmergencySession, Api.EmergencySession>>();
pin<Serves<Ledger.AccessEvent, Api.AccessEvent>>();
pin<Serves<Ledger.StoredRecord, Api.RecordMetadata>>();
pin<Serves<Ledger.RecordPage, Api.RecordPage>>();
pin<Serves<Ledger.User, Api.User>>();
pin<Equal<Ledger.AuthorAccess, Api.AuthorAccess>>();
// A stored notification as its recipient gets it (the recipient id left out).
pin<Equal<Api.NotificationKind, NotificationKind>>();
pin<Serves<Omit<NotificationDoc, 'recipientId'>, Api.Notification>>();
// A request body is a grant the use case accepts.
pin<Serves<Api.GrantConsentRequest, Parameters<import('../services/consent-service.js').ConsentService['grant']>[2]>>();

// The permission store's documents are the ledger's objects as the portal reads them.
pin<Equal<AccessRequestDoc['status'], Api.AccessRequest['status']>>();
pin<Serves<Api.AccessRequest, Omit<AccessRequestDoc, 'requesterOrg' | 'patientOrg'>>>();
pin<Equal<GrantDoc['status'], Api.Consent['status']>>();

// Device registration: the use case's result is the API's.
pin<Equal<ServiceDeviceRegistration, Api.DeviceRegistration>>();
pin<Serves<ServiceBatchReceipt, Api.BatchReceipt>>();

// Notifications: the stored kinds, and what the use case hands out, are the API's.
pin<Equal<Api.NotificationKind, StoredNotificationKind>>();
pin<Equal<Api.Notification, ServiceNotification>>();
pin<Equal<Api.NotificationPage, ServiceNotificationPage>>();

interface SpecSchema {
  enum?: string[];
}
const spec = JSON.parse(readFileSync(new URL('../../../openapi/openapi.json', import.meta.url), 'utf8')) as {
  components: { schemas: Record<string, SpecSchema> };
};

describe('the published spec and the chaincode agree on the vocabularies', () => {
  it.each([
    ['Purpose', PURPOSES],
    ['Role', ROLES],
    ['Category', CATEGORIES],
    ['EmergencyReason', EMERGENCY_REASONS],
  ])('%s lists exactly what the chaincode accepts', (name, values) => {
    expect([...(spec.components.schemas[name]?.enum ?? [])].sort()).toEqual([...values].sort());
  });
});

// The webhook shapes the use case answers are the API's.
pin<Equal<Api.Webhook, import('../services/webhook-service.js').Webhook>>();
pin<Serves<import('../services/webhook-service.js').CreatedWebhook, Api.CreatedWebhook>>();
pin<Serves<import('../services/webhook-service.js').DeadLetter, Api.DeadLetter>>();
