import type { Request } from 'express';
import type { Authenticator } from '../ports/authenticator.js';
import type { AccessRequestService } from '../services/access-request-service.js';
import type { AuditService } from '../services/audit-service.js';
import type { ConsentService } from '../services/consent-service.js';
import type { DeviceService } from '../services/device-service.js';
import type { EmergencyService } from '../services/emergency-service.js';
import type { ErasureService } from '../services/erasure-service.js';
import type { ExportService } from '../services/export-service.js';
import type { FhirService } from '../services/fhir-service.js';
import type { NotificationService } from '../services/notification-service.js';
import type { RecordService } from '../services/record-service.js';
import type { RegistryService } from '../services/registry-service.js';
import type { WebhookService } from '../services/webhook-service.js';
import type { ActorRef, DeviceRef } from '../domain/actors.js';

/** Issues dev tokens (embedded profile only). */
export interface DevTokenIssuer {
  issue(userId: string): Promise<{ token: string; expiresIn: number }>;
}

/** Everything the HTTP layer calls; built by main.ts (or a test) and handed to `createApp`. */
export interface GatewayServices {
  profile: 'embedded' | 'network';
  authenticator: Authenticator;
  devTokens?: DevTokenIssuer;
  registry: RegistryService;
  records: RecordService;
  consents: ConsentService;
  accessRequests: AccessRequestService;
  emergency: EmergencyService;
  audit: AuditService;
  erasure: ErasureService;
  /** Devices and their observation batches. */
  devices: DeviceService;
  /** FHIR R4 read and search views. */
  fhir: FhirService;
  /** The patient's FHIR export (Bundle or ZIP). */
  exports: ExportService;
  /** The caller's notifications: list, read mark, SSE stream. */
  notifications: NotificationService;
  /** The org admins' webhooks and dead letters. */
  webhooks: WebhookService;
  /** Readiness of every adapter: name -> ok or unavailable. */
  readiness(): Promise<Record<string, 'ok' | 'unavailable'>>;
}

/** Where the app keeps its services: on the express app, not in a module-level singleton. */
export function servicesOf(request: Request): GatewayServices {
  return request.app.locals.services as GatewayServices;
}

/** A request that passed bearer authentication: `user` is the actor from the ledger registry. */
export type AuthenticatedRequest = Request & { user: ActorRef };

/** A request that passed device authentication: `user` is the device its credential names. */
export type DeviceRequest = Request & { user: DeviceRef };
