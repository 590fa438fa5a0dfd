import type { Config } from './config.js';
import type { DevTokenIssuer, GatewayServices } from './http/gateway-services.js';
import type { Authenticator } from './ports/authenticator.js';
import type { BlobStore } from './ports/blob-store.js';
import type { DeviceCredentials } from './ports/device-credentials.js';
import type { KeyService } from './ports/key-service.js';
import type { Ledger } from './ports/ledger.js';
import { withDeadline, type DependencyKind } from './ports/dependency.js';
import type { PermissionStore } from './ports/permission-store.js';
import type { StorageReclaimer } from './ports/storage-reclaimer.js';
import { AccessRequestService } from './services/access-request-service.js';
import { AuditService } from './services/audit-service.js';
import { ChaincodeClient } from './ledger-client/chaincode-client.js';
import { ConsentService } from './services/consent-service.js';
import { DeviceChaincode } from './ledger-client/device-chaincode.js';
import { DeviceService } from './services/device-service.js';
import { EmergencyService } from './services/emergency-service.js';
import { ErasureService } from './services/erasure-service.js';
import { ExportService } from './services/export-service.js';
import { FhirService } from './services/fhir-service.js';
import { KeyCustodyMigration } from './services/key-custody-migration.js';
import { KeySharing } from './services/key-sharing.js';
import { OrgKeys } from './services/org-keys.js';
import type { Logger } from './ports/logger.js';
import { PermissionProjection } from './services/projection.js';
import { RecordSearchChaincode } from './ledger-client/record-search-chaincode.js';
import { RecordService } from './services/record-service.js';
import { RegistryService } from './services/registry-service.js';
import { RegistryWatch } from './services/registry-watch.js';
import { UserCache } from './ledger-client/user-cache.js';
import { followLedger, PermissionProjector } from './services/permission-projector.js';
import { NotificationFollower } from './services/notification-follower.js';
import { NotificationService } from './services/notification-service.js';
import { StorageReclaim } from './services/storage-reclaim.js';
import { NoPendingUploads, OrphanSweep, type PendingUploads } from './services/pending-uploads.js';
import { EmergencyKeyRelease } from './services/emergency-key-release.js';
import { WebhookDispatcher } from './services/webhook-dispatcher.js';
import { WebhookService } from './services/webhook-service.js';

/** The adapters of one profile. */
export interface Adapters {
  config: Config;
  log: Logger;
  ledger: Ledger;
  blobs: BlobStore;
  keys: KeyService;
  permissions: PermissionStore;
  authenticator: Authenticator;
  devTokens?: DevTokenIssuer;
  /** Issues and verifies device credentials; without it, device registration answers 501 and device tokens 401. */
  deviceCredentials?: DeviceCredentials;
  /** The stores this gateway runs itself, compacted or garbage-collected after an erasure. */
  reclaimers?: StorageReclaimer[];
  /** Uploads between the blob store and the ledger, kept across restarts (none: nothing to sweep after a kill). */
  pendingUploads?: PendingUploads;
  /** The ledger's clock when it is not the system clock (embedded tests move it). */
  now?: () => Date;
}

/** What a profile runs: the services the HTTP layer calls and the background projector. */
export interface Built {
  services: GatewayServices;
  projector: PermissionProjector;
  /** Derives users' notifications from the ledger's events (and the consent-expiry sweep). */
  notifier: NotificationFollower;
  /** Clears the cached registry users on the ledger's registry events (the cache serves only while it runs). */
  registryWatch?: RegistryWatch;
  /** Break-glass across hospitals: releases this gateway's patients' keys to the reader's org, and withdraws them. */
  emergencyKeys: EmergencyKeyRelease;
  /** Delivers the orgs' ledger events to their webhooks. */
  webhooks: WebhookDispatcher;
  /** Moves data keys written before patient keys existed into patient custody (`npm run keys:migrate`). */
  custody: KeyCustodyMigration;
  /** Makes every deletion so far physical in the stores this gateway runs (what an erasure does at its end). */
  reclaim: StorageReclaim;
  /** Unpins the blobs of uploads a stopped gateway left without a record. */
  orphans: OrphanSweep;
}

/** Builds the use-case services over any profile's adapters (services know ports only). */
export function buildServices(a: Adapters): Built {
  // Registry reads are cached only when there is time to cache them for.
  const users = a.config.registryCacheMs > 0 ? new UserCache(a.config.registryCacheMs) : undefined;
  const chaincode = new ChaincodeClient(a.ledger, users);
  const orgKeys = new OrgKeys(chaincode, a.keys);
  const sharing = new KeySharing(chaincode, a.keys, orgKeys);
  const projection = new PermissionProjection(a.permissions, a.log);
  const reclaim = new StorageReclaim(a.reclaimers ?? [], a.config.reclaimTimeoutMs, a.log);
  // Each adapter gets the readiness deadline and they are asked at once, so /ready answers within it.
  const probe = async (dependency: DependencyKind, check: () => Promise<unknown>): Promise<'ok' | 'unavailable'> => {
    try {
      await withDeadline(dependency, a.config.timeouts.readyMs, check);
      return 'ok';
    } catch {
      return 'unavailable';
    }
  };
  const consents = new ConsentService(chaincode, sharing, projection);
  const notifications = new NotificationService(a.permissions, a.log, a.config.notifications.heartbeatMs);
  const webhooks = new WebhookDispatcher(a.ledger, chaincode, a.permissions, a.config.orgs, a.log, a.config.webhooks);
  const pending = a.pendingUploads ?? new NoPendingUploads();
  const records = new RecordService(chaincode, a.blobs, a.keys, orgKeys, a.log, a.config.maxUploadBytes, new RecordSearchChaincode(a.ledger), a.config.emergency.keyWaitMs, pending);
  const orphans = new OrphanSweep(pending, a.blobs, a.log, a.config.orphans);
  const services: GatewayServices = {
    profile: a.config.profile,
    authenticator: a.authenticator,
    devTokens: a.devTokens,
    registry: new RegistryService(chaincode, a.keys, a.config.orgs, a.log),
    records,
    consents,
    accessRequests: new AccessRequestService(chaincode, sharing, projection, a.permissions, a.config.consentDays),
    emergency: new EmergencyService(chaincode, a.log),
    audit: new AuditService(chaincode),
    erasure: new ErasureService(chaincode, a.blobs, a.permissions, a.keys, reclaim, a.log, a.config.erasePageKeys),
    devices: new DeviceService(chaincode, new DeviceChaincode(a.ledger), records, orgKeys, a.blobs, a.deviceCredentials, a.log),
    fhir: new FhirService(chaincode, records, consents),
    exports: new ExportService(chaincode, records, a.log),
    notifications,
    webhooks: new WebhookService(a.permissions, webhooks, a.log),
    readiness: async () => {
      const checks: [string, Promise<'ok' | 'unavailable'>][] = [
        ['ledger', probe('ledger', () => a.ledger.ready())],
        ['blobStore', probe('blob-store', () => a.blobs.ready())],
        ['permissionStore', probe('permission-store', () => a.permissions.ready())],
        ['keyService', probe('key-service', () => a.keys.ready())],
        ['authenticator', probe('auth', () => a.authenticator.ready())],
        ...(a.deviceCredentials ? [['deviceCredentials', probe('key-service', () => a.deviceCredentials!.ready())] as [string, Promise<'ok' | 'unavailable'>]] : []),
      ];
      return Object.fromEntries(await Promise.all(checks.map(async ([name, state]) => [name, await state] as const)));
    },
  };
  const projector = new PermissionProjector(a.ledger, chaincode, a.permissions, projection, a.config.orgs, a.log);
  const notifier = new NotificationFollower(a.ledger, chaincode, a.permissions, a.config.orgs, (doc) => notifications.announce(doc), a.log, { sweepMs: a.config.notifications.expirySweepMs });
  const emergencyKeys = new EmergencyKeyRelease(a.ledger, chaincode, a.permissions, a.keys, orgKeys, a.config.orgs, a.log, { sweepMs: a.config.emergency.sweepMs, now: a.now });
  const registryWatch = users && new RegistryWatch(a.ledger, a.permissions, users, a.log);
  return { services, projector, notifier, registryWatch, emergencyKeys, webhooks, custody: new KeyCustodyMigration(chaincode, a.keys, a.log), reclaim, orphans };
}

/** A wired gateway and how to shut it down. */
export interface RunningGateway extends Omit<Built, 'reclaim' | 'orphans'> {
  /** Compacts / garbage-collects the stores this gateway runs; resolves with the names of those that did not finish. */
  reclaim(): Promise<string[]>;
  close(): Promise<void>;
}

/**
 * Starts a profile's built services: follows the ledger's events into the permission store and into users'
 * notifications and the orgs' webhook deliveries (unless `follow` is false); closing ends the open notification streams and the followers before
 * the profile's adapters.
 */
export function runGateway(built: Built, log: Logger, follow: boolean, closeAdapters: () => Promise<unknown>): RunningGateway {
  const { services, projector, notifier, registryWatch, emergencyKeys, webhooks, custody, reclaim, orphans } = built;
  // Started first: the cached registry users serve only while it follows.
  const watching = follow && registryWatch ? registryWatch.start() : { stop: async () => undefined };
  const following = followLedger(projector, log, follow);
  const notifying = follow ? notifier.start() : { stop: async () => undefined };
  const releasing = follow ? emergencyKeys.start() : { stop: async () => undefined };
  const delivering = follow ? webhooks.start() : { stop: async () => undefined };
  const sweeping = follow ? orphans.start() : { stop: async () => undefined };
  return {
    services,
    projector,
    notifier,
    registryWatch,
    emergencyKeys,
    webhooks,
    custody,
    reclaim: () => reclaim.run(),
    async close() {
      services.notifications.close();
      // An erasure stops after its current transaction; a new request for it resumes it.
      await services.erasure.close();
      await Promise.all([watching.stop(), following.stop(), notifying.stop(), releasing.stop(), delivering.stop(), sweeping.stop()]);
      await closeAdapters();
    },
  };
}
