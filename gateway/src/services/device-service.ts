import { createHash } from 'node:crypto';
import type { RecordMeta } from '@careledger/chaincode';
import { isPurpose } from '@careledger/chaincode/rules';
import type { Bundle, Observation } from '@medplum/fhirtypes';
import { newDataKey } from '../crypto/data-key.js';
import { encryptStream } from '../crypto/segmented-aead.js';
import { AppError, badInput } from '../domain/app-error.js';
import { searchSetBundle } from '../domain/fhir/bundle.js';
import { toObservation } from '../domain/fhir/observation.js';
import {
  BATCH_FORMAT,
  BATCH_MEDIA_TYPE,
  batchMayMatch,
  matchesQuery,
  parseBatchFile,
  summarize,
  validateReadings,
  type BatchFile,
  type Reading,
  type ReadingQuery,
} from '../domain/observation-batch.js';
import type { BlobStore } from '../ports/blob-store.js';
import type { DeviceCredentials } from '../ports/device-credentials.js';
import type { ChaincodeClient } from '../ledger-client/chaincode-client.js';
import type { DeviceChaincode } from '../ledger-client/device-chaincode.js';
import type { Logger } from '../ports/logger.js';
import type { OrgKeys } from './org-keys.js';
import type { RecordService } from './record-service.js';
import type { ActorRef, DeviceRef } from '../domain/actors.js';

/** What an admin gets back when registering a device: the device and its credential (shown once). */
export interface DeviceRegistration {
  deviceId: string;
  patientId: string;
  homeOrg: string;
  registeredAt: string;
  token: string;
  tokenType: 'Bearer';
  expiresIn: number;
}

/** What a device gets back for a stored and anchored batch. */
export interface BatchReceipt {
  batchId: string;
  deviceId: string;
  readings: number;
  /** SHA-256 of the stored batch (hex), as anchored on the ledger. */
  sha256: string;
  anchoredAt: string;
}

/** An observation search: LOINC code, time range, purpose of use, at most `limit` results. */
export interface ObservationSearch extends ReadingQuery {
  purpose: string;
  limit?: number;
}

const LOINC = /^\d{1,7}-\d$/;
const MAX_RESULTS = 10_000;
// A batch of 10,000 readings is about 0.8 MB; anything much larger was not written by this service.
const MAX_BATCH_FILE_BYTES = 8 * 1024 * 1024;

/**
 * Devices: an admin registers one for a patient and hands it a credential; the device posts observation
 * batches, each encrypted and stored like a record (category `device-observations`) and anchored by its
 * SHA-256 in one ledger transaction; readers get the observations as a FHIR Bundle under the patient's
 * consents, every batch read recorded in the access log.
 */
export class DeviceService {
  constructor(
    private readonly chaincode: ChaincodeClient,
    private readonly devices: DeviceChaincode,
    private readonly records: RecordService,
    private readonly orgKeys: OrgKeys,
    private readonly blobs: BlobStore,
    private readonly credentials: DeviceCredentials | undefined,
    private readonly log: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** An admin of the patient's home org registers a device; the answer carries its credential. */
  async register(actor: ActorRef, patientId: string): Promise<DeviceRegistration> {
    const credentials = this.requireCredentials();
    const { id, at } = await this.devices.registerDevice(actor, patientId);
    const credential = await credentials.issue({ deviceId: id, patientId, org: actor.org });
    this.log.info({ deviceId: id }, 'device registered');
    return { deviceId: id, patientId, homeOrg: actor.org, registeredAt: at ?? this.now().toISOString(), token: credential.token, tokenType: 'Bearer', expiresIn: credential.expiresIn };
  }

  /** An admin revokes a device: the ledger refuses its later batches. */
  async revoke(actor: ActorRef, deviceId: string): Promise<{ deviceId: string; status: 'REVOKED'; revokedAt: string }> {
    const { at } = await this.devices.revokeDevice(actor, deviceId);
    this.log.info({ deviceId }, 'device revoked');
    return { deviceId, status: 'REVOKED', revokedAt: at ?? this.now().toISOString() };
  }

  /** Verifies a device credential (the `device` security scheme). */
  authenticate(token: string): Promise<DeviceRef> {
    return this.requireCredentials().verify(token);
  }

  /**
   * Stores one batch: validates the readings, encrypts the batch file with a fresh data key, adds it to
   * the blob store and anchors it (metadata, CID, wrapped keys, SHA-256) in one ledger transaction. If
   * the ledger refuses, the blob is removed. A device posts only for itself and its own patient.
   */
  async ingest(device: DeviceRef, deviceId: string, input: { patientId?: string; readings: Reading[] }): Promise<BatchReceipt> {
    if (device.deviceId !== deviceId) throw new AppError('FORBIDDEN', 'a device credential posts for its own device only');
    if (input.patientId !== undefined && input.patientId !== device.patientId) throw new AppError('FORBIDDEN', 'a device posts for its own patient only');
    const readings = validateReadings(input.readings, this.now());
    const file: BatchFile = { format: BATCH_FORMAT, deviceId, patientId: device.patientId, readings };
    const plaintext = Buffer.from(JSON.stringify(file));
    const sha256 = createHash('sha256').update(plaintext).digest('hex');
    const recipients = await this.devices.batchRecipients(device);
    const dataKey = newDataKey();
    const encrypted = encryptStream(dataKey);
    const added = this.blobs.add(encrypted);
    encrypted.end(plaintext);
    const { cid } = await added;
    try {
      const wrappedKeys = await this.orgKeys.wrapFor(device.org, recipients, dataKey, device.patientId);
      const summary = summarize(readings);
      const { id, at } = await this.devices.anchorBatch(device, { sha256, size: plaintext.length, cid, mediaType: BATCH_MEDIA_TYPE, wrappedKeys, summary });
      this.log.info({ recordId: id, deviceId, readings: readings.length }, 'observation batch anchored');
      return { batchId: id, deviceId, readings: readings.length, sha256, anchoredAt: at ?? this.now().toISOString() };
    } catch (error) {
      await this.blobs.remove(cid).catch((e) => this.log.error({ err: e }, 'could not remove the blob of a refused batch'));
      throw error;
    }
  }

  /**
   * The patient's observations the caller may read, as a FHIR searchset Bundle. Only batches the caller
   * may see are considered (consents, break-glass); each one opened is a recorded read for `purpose`, is
   * decrypted and checked against the ledger's hash and the batch's public anchor; a mismatch is recorded
   * as an integrity violation and fails the request (502).
   */
  async observations(actor: ActorRef, patientId: string, search: ObservationSearch, selfUrl: string, fhirBase: string): Promise<Bundle<Observation>> {
    if (!isPurpose(search.purpose)) throw badInput('purpose', 'purpose must be one of TREAT, ETREAT, HPAYMT, HRESCH, PATRQT');
    if (search.code !== undefined && !LOINC.test(search.code)) throw badInput('code', 'code must be a LOINC code such as 8867-4');
    const query: ReadingQuery = { code: search.code, from: instant('from', search.from), to: instant('to', search.to) };
    const limit = search.limit ?? 1000;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_RESULTS) throw badInput('limit', `limit must be an integer from 1 to ${MAX_RESULTS}`);
    const matched: Observation[] = [];
    for (const batch of await this.visibleBatches(actor, patientId, query)) {
      if (!batch.batch || !batchMayMatch(batch.batch, query)) continue;
      const file = await this.readBatch(actor, batch, search.purpose);
      file.readings.forEach((reading, index) => {
        if (matchesQuery(reading, query)) matched.push(toObservation(reading, { recordId: batch.recordId, patientId: batch.patientId, deviceId: file.deviceId, index }));
      });
    }
    matched.sort((a, b) => (a.effectiveDateTime! < b.effectiveDateTime! ? -1 : a.effectiveDateTime! > b.effectiveDateTime! ? 1 : 0));
    return searchSetBundle(fhirBase, matched.slice(0, limit), { self: selfUrl }, matched.length);
  }

  /** The batches the caller may see whose readings overlap the query's time range (a key range on the ledger). */
  private async visibleBatches(actor: ActorRef, patientId: string, query: ReadingQuery): Promise<RecordMeta[]> {
    const out: RecordMeta[] = [];
    let bookmark = '';
    do {
      const page = await this.devices.batchesInRange(actor, patientId, { from: query.from, to: query.to }, 200, bookmark);
      out.push(...page.records);
      bookmark = page.bookmark;
    } while (bookmark);
    return out;
  }

  private async readBatch(actor: ActorRef, record: RecordMeta, purpose: string): Promise<BatchFile> {
    if (record.size > MAX_BATCH_FILE_BYTES) throw new AppError('INTERNAL', 'a stored batch is larger than any batch this gateway writes');
    const content = await this.records.open(actor, record.recordId, purpose);
    const chunks: Buffer[] = [];
    for await (const chunk of content.stream) chunks.push(chunk as Buffer);
    // The private metadata and the public anchor must agree too: the anchor is in every org's blocks.
    const [anchor, recordAnchor] = await Promise.all([this.devices.getBatchAnchor(actor.org, record.recordId), this.chaincode.getAnchor(actor.org, record.recordId)]);
    if (anchor.sha256 !== content.sha256) {
      await this.chaincode.reportIntegrityViolation(actor, content.eventId, recordAnchor.homeOrg);
      this.log.warn({ recordId: record.recordId, eventId: content.eventId }, 'batch does not match its public anchor; integrity violation recorded');
      throw new AppError('INTEGRITY_VIOLATION', 'the batch does not match the hash anchored on the ledger');
    }
    return parseBatchFile(Buffer.concat(chunks));
  }

  private requireCredentials(): DeviceCredentials {
    if (!this.credentials) throw new AppError('NOT_IMPLEMENTED', 'device credentials are not configured on this gateway');
    return this.credentials;
  }
}

/** An ISO-8601 instant (with a zone) as UTC, or undefined. */
function instant(field: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  // RFC 3339 allows a lower-case `t` and `z`; Date.parse does not.
  const millis = /(Z|[+-]\d{2}:\d{2})$/i.test(value) ? Date.parse(value.toUpperCase()) : NaN;
  if (Number.isNaN(millis)) throw badInput(field, `${field} must be an ISO-8601 date-time with a time zone`);
  return new Date(millis).toISOString();
}
