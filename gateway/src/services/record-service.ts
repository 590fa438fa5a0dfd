import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { HistoryEntry, KeyRelease, RecordMeta, RecordPage } from '@careledger/chaincode';
import { isCategory, isPurpose, type Category, type Purpose, type ReadFailure } from '@careledger/chaincode/rules';
import { AppError, badInput } from '../domain/app-error.js';
import { decryptStream, encryptStream } from '../crypto/segmented-aead.js';
import { newDataKey } from '../crypto/data-key.js';
import { BlobNotFoundError, type BlobStore } from '../ports/blob-store.js';
import type { KeyService } from '../ports/key-service.js';
import type { Logger } from '../ports/logger.js';
import type { ChaincodeClient } from '../ledger-client/chaincode-client.js';
import { DICOM_MEDIA_TYPE, DicomHeaderTap } from '../domain/dicom/dicom-header-tap.js';
import { IdempotencyCache } from '../domain/idempotency-cache.js';
import type { OrgKeys } from './org-keys.js';
import type { RecordFilter, RecordSearchChaincode } from '../ledger-client/record-search-chaincode.js';
import { ByteLimit, Sha256Tap, Sha256Verifier } from '../domain/streams.js';
import type { ActorRef, PageQuery } from '../domain/actors.js';
import { NoPendingUploads, type PendingUploads } from './pending-uploads.js';

/** Metadata a client sends with an upload. */
export interface UploadMeta {
  title: string;
  category: string;
  mediaType: string;
}

/** A verified download: headers to send and the plaintext stream (fails on any integrity problem). */
export interface RecordContent {
  recordId: string;
  mediaType: string;
  size: number;
  sha256: string;
  eventId: string;
  outcome: string;
  stream: Readable;
}

const MEDIA_TYPE = /^[a-z]+\/[a-z0-9.+-]{1,100}$/i;

/** How many records' home orgs a gateway remembers (an id and an MSP id each). */
const MAX_KNOWN_HOMES = 100_000;

/**
 * Records: upload (hash + encrypt + store + one ledger transaction) and download (ledger decision, key
 * release, decrypt, verify), both streamed in constant memory (docs/ARCHITECTURE.md#the-write-path-uploading-a-record,
 * docs/ARCHITECTURE.md#the-read-path-downloading-content).
 */
export class RecordService {
  private readonly idempotency = new IdempotencyCache<RecordMeta>();
  /**
   * Record id -> home org, from the records' public anchors: a record's home org never changes, so a read
   * asks the ledger for it once (the Access transaction itself refuses an erased or unknown record).
   */
  private readonly homes = new Map<string, string>();

  constructor(
    private readonly chaincode: ChaincodeClient,
    private readonly blobs: BlobStore,
    private readonly keys: KeyService,
    private readonly orgKeys: OrgKeys,
    private readonly log: Logger,
    private readonly maxUploadBytes: number,
    private readonly recordSearch: RecordSearchChaincode,
    /** Break-glass across hospitals: how long a read waits for the home hospital to release the keys (ms). */
    private readonly emergencyKeyWaitMs = 5_000,
    /** Remembers each upload between the blob store and the ledger, so that a killed gateway's blobs are swept. */
    private readonly pending: PendingUploads = new NoPendingUploads(),
  ) {}

  /**
   * Checks an upload before any byte is read: the actor may add records for this patient and the
   * metadata is valid. Returns the orgs the data key must be wrapped for.
   */
  async prepareUpload(actor: ActorRef, patientId: string, meta: UploadMeta): Promise<string[]> {
    // Counted in characters (code points), as the spec's maxLength counts them.
    if (!meta.title || [...meta.title].length > 200) throw badInput('title', 'title must be 1-200 characters');
    if (!isCategory(meta.category)) throw badInput('category', 'category is not one of the known categories');
    if (!MEDIA_TYPE.test(meta.mediaType)) throw badInput('mediaType', 'mediaType must be type/subtype');
    try {
      return await this.chaincode.keyRecipients(actor, patientId, meta.category);
    } catch (error) {
      // A practitioner of another hospital without the contribution right: the refusal is recorded in the patient's
      // access log before the client hears it.
      if (error instanceof AppError && error.code === 'NO_CONTRIBUTION_RIGHT') {
        const homeOrg = (await this.chaincode.getUser(actor.org, patientId)).homeOrg;
        await this.chaincode.reportRefusedContribution(actor, patientId, meta.category, homeOrg);
      }
      throw error;
    }
  }

  /**
   * Streams a file in: plaintext SHA-256 -> AES-256-GCM segments -> blob store -> ledger. If the ledger
   * refuses, the blob is removed and no record exists. With an idempotency key, a retry returns the first result.
   * `signal` aborts an upload whose client went away: before the ledger transaction nothing is kept.
   */
  upload(actor: ActorRef, patientId: string, meta: UploadMeta, content: Readable, idempotencyKey?: string, signal?: AbortSignal): Promise<RecordMeta> {
    const work = () => this.doUpload(actor, patientId, meta, content, signal);
    if (!idempotencyKey) return work();
    return this.idempotency.run(`${actor.userId}\u0000${patientId}\u0000${idempotencyKey}`, work).then((first) => {
      // A replayed request's body is not needed: drain it so the connection can be reused.
      if (!content.readableEnded) content.resume();
      return first;
    });
  }

  private async doUpload(actor: ActorRef, patientId: string, meta: UploadMeta, content: Readable, signal?: AbortSignal): Promise<RecordMeta> {
    const recipients = await this.prepareUpload(actor, patientId, meta);
    const dataKey = newDataKey();
    const limit = new ByteLimit(this.maxUploadBytes);
    const tap = new Sha256Tap();
    // DICOM: the header is read while the file streams (modality, study date, ...; never a name or id).
    const dicom = meta.mediaType.toLowerCase() === DICOM_MEDIA_TYPE ? new DicomHeaderTap() : undefined;
    const encrypted = encryptStream(dataKey);
    const stop = new AbortController();
    const storing = signal ? AbortSignal.any([signal, stop.signal]) : stop.signal;
    const added = this.blobs.add(encrypted, { signal: storing });
    // A store that gives up (a deadline) fails the pipeline with its own error instead of leaving it waiting.
    added.catch((error: unknown) => encrypted.destroy(error instanceof Error ? error : new Error('the blob store failed')));
    await pipeline([content, limit, ...(dicom ? [dicom] : []), tap, encrypted], { signal: storing }).catch(async (error: unknown) => {
      stop.abort(error);
      encrypted.destroy();
      const stored = await added.catch((e: unknown) => ({ failure: e }));
      if ('cid' in stored) await this.removeBlob(stored.cid);
      // The store's own failure (503 naming it) says more than the stream error it caused.
      throw 'failure' in stored && !(error instanceof AppError) ? stored.failure : error;
    });
    const { cid } = await added;
    // The client went away while the store finished: keep nothing (no transaction was sent yet).
    if (signal?.aborted) {
      await this.removeBlob(cid);
      throw signal.reason;
    }
    // A journal that cannot be written does not fail the upload: only a kill right now would leave its blob unswept.
    const note = (stage: Promise<void>) => stage.catch((err: unknown) => this.log.warn({ err }, 'could not note a pending upload'));
    try {
      await note(this.pending.stored(cid));
      // The own org's copy goes into the patient's custody on the patient's home gateway; a contributing
      // hospital's copies (its own and the home org's) are wrapped with the orgs' registered keys, like the copies a
      // consent shares.
      const patientOrg = (await this.chaincode.getUser(actor.org, patientId)).homeOrg;
      const wrappedKeys = await this.orgKeys.wrapFor(actor.org, recipients, dataKey, patientOrg === actor.org ? patientId : undefined);
      await note(this.pending.submitting(cid));
      const { id, at } = await this.chaincode.createRecord(actor, patientId, patientOrg, {
        title: meta.title,
        category: meta.category,
        mediaType: meta.mediaType.toLowerCase(),
        size: limit.bytes,
        sha256: tap.digest,
        cid,
        wrappedKeys,
        ...(dicom?.imaging ? { imaging: dicom.imaging } : {}),
      });
      this.log.info({ recordId: id }, 'record created');
      return {
        recordId: id,
        patientId,
        title: meta.title,
        category: meta.category as RecordMeta['category'],
        mediaType: meta.mediaType.toLowerCase(),
        size: limit.bytes,
        sha256: tap.digest,
        createdAt: at ?? new Date().toISOString(),
        createdBy: actor.userId,
        ...(patientOrg === actor.org ? {} : { contributorOrg: actor.org }),
        ...(dicom?.imaging ? { imaging: dicom.imaging } : {}),
      };
    } catch (error) {
      await this.removeBlob(cid);
      throw error;
    } finally {
      // Committed, or its blob removed (or left to removeBlob's retries): no longer the sweep's to find.
      await note(this.pending.settled(cid));
    }
  }

  /**
   * Removes the blob of an upload that left no record; when the store does not answer, tries again in the
   * background a few times over the next minutes, so that a store that hung and came back keeps no pin of it.
   */
  private async removeBlob(cid: string): Promise<void> {
    const retry = (delays: number[]): void => {
      const timer = setTimeout(() => {
        this.blobs.remove(cid).catch((e: unknown) => {
          if (delays.length > 1) retry(delays.slice(1));
          else this.log.error({ err: e }, 'could not remove the blob of an upload that left no record');
        });
      }, delays[0]);
      timer.unref();
    };
    await this.blobs.remove(cid).catch(() => retry([2_000, 10_000, 30_000, 120_000]));
  }

  /** A patient's records the actor may see; `modality` keeps the DICOM records of that modality. */
  list(actor: ActorRef, patientId: string, category: string | undefined, page: PageQuery, modality?: string): Promise<RecordPage> {
    if (category !== undefined && !isCategory(category)) throw badInput('category', 'category is not one of the known categories');
    if (modality !== undefined) return this.search(actor, patientId, { ...(category ? { category: category as Category } : {}), modality }, page);
    return this.chaincode.listRecords(actor, patientId, category ?? '', page);
  }

  /** Records by imaging metadata (DICOM only, one modality), over what the actor may see. */
  search(actor: ActorRef, patientId: string, filter: RecordFilter, page: PageQuery): Promise<RecordPage> {
    return this.recordSearch.search(actor, patientId, filter, page);
  }

  get(actor: ActorRef, recordId: string): Promise<RecordMeta> {
    return this.chaincode.getRecord(actor, recordId);
  }

  history(actor: ActorRef, recordId: string): Promise<HistoryEntry[]> {
    return this.chaincode.recordHistory(actor, recordId);
  }

  /**
   * Opens a record's content: the ledger records the access (denied ones too) before any key is released;
   * the stream decrypts and verifies, and an integrity failure is recorded and fails the stream. A granted
   * read that ends without content (key release refused, key unusable, blob missing, store down) gets its
   * final outcome recorded too, and fails before the first byte so the client gets a status.
   */
  async open(actor: ActorRef, recordId: string, purpose: string): Promise<RecordContent> {
    const content = await this.decide(actor, recordId, purpose);
    return { ...content, stream: await afterFirstChunk(content.stream) };
  }

  /** The decision, key release and the verifying stream of a read (not yet started). */
  private async decide(actor: ActorRef, recordId: string, purpose: string): Promise<RecordContent> {
    if (!isPurpose(purpose)) throw badInput('purpose', 'purpose must be one of TREAT, ETREAT, HPAYMT, HRESCH, PATRQT');
    const homeOrg = await this.homeOrg(actor.org, recordId);
    const decision = await this.chaincode.access(actor, recordId, purpose as Purpose, homeOrg);
    if (decision.outcome === 'DENIED') {
      throw new AppError(decision.reason && isDenial(decision.reason) ? decision.reason : 'FORBIDDEN', 'access denied and recorded');
    }
    const eventId = decision.eventId;
    let concluded = false;
    // Records how this granted read ended (once): the access log must show what the reader got.
    const conclude = async (record: () => Promise<unknown>, what: string) => {
      if (concluded) return;
      concluded = true;
      await record()
        .then(() => this.log.warn({ recordId, eventId }, `${what} recorded`))
        .catch((e) => this.log.error({ err: e, recordId }, `could not record ${what}`));
    };
    const readFailed = (reason: ReadFailure) => conclude(() => this.chaincode.reportFailedRead(actor, eventId, reason, homeOrg), 'the final outcome of a read');
    const integrityViolated = () => conclude(() => this.chaincode.reportIntegrityViolation(actor, eventId, homeOrg), 'an integrity violation');

    let release: KeyRelease;
    let dataKey: Awaited<ReturnType<KeyService['unwrap']>>;
    try {
      release = await this.releaseKey(actor, eventId);
      dataKey = await this.keys.unwrap(actor.org, release.wrappedKey);
    } catch (error) {
      await readFailed(releaseFailure(error));
      if (error instanceof AppError && error.code === 'KEYS_NOT_RELEASED') throw new AppError('KEYS_NOT_RELEASED', "the patient's home hospital cannot release keys now; try again later");
      throw error;
    }
    const source = Readable.from(this.blobs.cat(release.cid));
    const decrypt = decryptStream(dataKey);
    const verify = new Sha256Verifier(release.sha256);
    source.on('error', (e) => {
      const missing = e instanceof BlobNotFoundError;
      void readFailed(missing ? 'CONTENT_MISSING' : 'UNAVAILABLE');
      verify.destroy(
        missing ? new AppError('CONTENT_MISSING', 'the content of this record is missing from the blob store') : e instanceof AppError ? e : AppError.unavailable('blob-store', 'the blob store could not deliver the content'),
      );
    });
    decrypt.on('error', (e) => {
      void integrityViolated();
      verify.destroy(e instanceof AppError ? e : new AppError('INTEGRITY_VIOLATION', 'the stored ciphertext failed verification'));
    });
    verify.on('error', (e) => {
      if (e instanceof AppError && e.code === 'INTEGRITY_VIOLATION') void integrityViolated();
    });
    source.pipe(decrypt).pipe(verify);
    return { recordId, mediaType: release.mediaType, size: release.size, sha256: release.sha256, eventId, outcome: decision.outcome, stream: verify };
  }

  /** The record's home org (whose peers must endorse its reads), from its anchor the first time. */
  private async homeOrg(asOrg: string, recordId: string): Promise<string> {
    const known = this.homes.get(recordId);
    if (known !== undefined) return known;
    const anchor = await this.chaincode.getAnchor(asOrg, recordId);
    if (anchor.status === 'ERASED') throw new AppError('RECORD_ERASED', 'the record was erased');
    // The oldest entry goes first (a Map iterates in insertion order).
    if (this.homes.size >= MAX_KNOWN_HOMES) this.homes.delete(this.homes.keys().next().value!);
    this.homes.set(recordId, anchor.homeOrg);
    return anchor.homeOrg;
  }

  /**
   * The key release of a granted read. Under break-glass across hospitals the home hospital's gateway releases the
   * keys only once it has seen the session: wait for them a little (a session opened a moment ago), then give up.
   */
  private async releaseKey(actor: ActorRef, eventId: string): Promise<KeyRelease> {
    const deadline = Date.now() + this.emergencyKeyWaitMs;
    for (let pauseMs = 100; ; pauseMs = Math.min(pauseMs * 2, 1_000)) {
      try {
        return await this.chaincode.releaseKey(actor, eventId);
      } catch (error) {
        const left = deadline - Date.now();
        if (!(error instanceof AppError) || error.code !== 'KEYS_NOT_RELEASED' || left <= 0) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.min(pauseMs, left)));
      }
    }
  }

  /** Reads, decrypts and verifies a record without sending it; a failure is recorded as an integrity violation. */
  async verify(actor: ActorRef, recordId: string, purpose: string): Promise<{ recordId: string; verified: boolean; sha256: string; eventId: string }> {
    const content = await this.decide(actor, recordId, purpose);
    try {
      for await (const _chunk of content.stream) {
        // drain: the verifier checks the hash at the end
      }
      return { recordId, verified: true, sha256: content.sha256, eventId: content.eventId };
    } catch (error) {
      if (error instanceof AppError && error.code === 'INTEGRITY_VIOLATION') return { recordId, verified: false, sha256: content.sha256, eventId: content.eventId };
      throw error;
    }
  }
}

/** Why a key release (or the unwrap after it) gave no key; the chaincode re-decides denials itself. */
function releaseFailure(error: unknown): ReadFailure {
  if (error instanceof AppError && error.code === 'KEYS_NOT_RELEASED') return 'KEYS_NOT_RELEASED';
  if (error instanceof AppError && error.status >= 500) return 'UNAVAILABLE';
  if (error instanceof AppError && error.code === 'NOT_FOUND') return 'KEY_NOT_SHARED';
  if (error instanceof AppError && error.code === 'FORBIDDEN') return 'STALE_DECISION';
  // Denials (a revocation won the race) are recorded as DENIED by the chaincode's own decision.
  if (error instanceof AppError && error.status < 500) return 'STALE_DECISION';
  return 'KEY_NOT_SHARED';
}

/**
 * Waits for the stream's first chunk (or its end) so that a failure before any content — a missing blob, a
 * store that is down, a bad first segment — is thrown here, while the response can still carry a status.
 */
async function afterFirstChunk(stream: Readable): Promise<Readable> {
  const chunks = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const first = await chunks.next();
  async function* rest(): AsyncGenerator<Buffer> {
    try {
      if (first.done) return;
      yield first.value;
      for (let next = await chunks.next(); !next.done; next = await chunks.next()) yield next.value;
    } finally {
      await chunks.return?.();
    }
  }
  return Readable.from(rest(), { objectMode: false });
}

const DENIALS = ['NO_CONSENT', 'OUT_OF_SCOPE', 'WRONG_PURPOSE', 'CONSENT_REVOKED', 'CONSENT_EXPIRED'] as const;
function isDenial(reason: string): reason is (typeof DENIALS)[number] {
  return (DENIALS as readonly string[]).includes(reason);
}
