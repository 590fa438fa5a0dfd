import { PassThrough, type Readable } from 'node:stream';
import type { AccessEvent, Consent, RecordMeta } from '@careledger/chaincode';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import yazl from 'yazl';
import { AppError } from '../domain/app-error.js';
import { toAuditEvent } from '../domain/fhir/audit-event.js';
import { collectionBundle } from '../domain/fhir/bundle.js';
import { toConsent } from '../domain/fhir/consent.js';
import { toDocumentReference } from '../domain/fhir/document-reference.js';
import { toImagingStudy } from '../domain/fhir/imaging-study.js';
import { toPatient } from '../domain/fhir/patient.js';
import type { ChaincodeClient } from '../ledger-client/chaincode-client.js';
import type { Logger } from '../ports/logger.js';
import type { RecordService } from './record-service.js';
import type { ActorRef } from '../domain/actors.js';

/** Where the gateway is reached from the caller: e.g. `https://gw.hospital-a.example` (no trailing slash). */
export interface GatewayBase {
  base: string;
}

const EXTENSIONS: Record<string, string> = {
  'application/pdf': '.pdf',
  'application/dicom': '.dcm',
  'application/json': '.json',
  'application/vnd.careledger.observations+json': '.json',
  'application/xml': '.xml',
  'text/plain': '.txt',
  'text/csv': '.csv',
  'image/png': '.png',
  'image/jpeg': '.jpg',
};

/** The path of a record's file inside the export ZIP. */
export function exportPath(record: Pick<RecordMeta, 'recordId' | 'mediaType'>): string {
  return `files/${record.recordId}${EXTENSIONS[record.mediaType] ?? '.bin'}`;
}

// Already compressed formats are stored; everything else is deflated.
const STORED = /^(image|video|audio)\/|^application\/(zip|gzip|x-7z-compressed)$/;

/** What the patient owns on the ledger, read in full. */
interface Holdings {
  resources: (records: RecordMeta[], events: AccessEvent[]) => Resource[];
  records: RecordMeta[];
}

/**
 * The patient's right of access and portability (GDPR art. 15, 20): everything they own as a FHIR R4
 * `collection` Bundle — the pseudonymous Patient, every DocumentReference (and ImagingStudy for DICOM),
 * Consent and AuditEvent — and, as a ZIP, the same bundle with every file decrypted and verified.
 */
export class ExportService {
  constructor(
    private readonly chaincode: ChaincodeClient,
    private readonly records: RecordService,
    private readonly log: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The export as a Bundle; attachments point to the gateway's content paths. */
  async bundle(actor: ActorRef, patientId: string, at: GatewayBase): Promise<Bundle> {
    const holdings = await this.holdings(actor, patientId, (r) => `${at.base}/v1/records/${r.recordId}/content`);
    return collectionBundle(`${at.base}/v1/fhir`, holdings.resources(holdings.records, await this.accessLog(actor, patientId)), this.now().toISOString());
  }

  /**
   * The export as a streamed ZIP: `files/<recordId>.<ext>` for every record, each read through the normal
   * download path (purpose PATRQT, recorded in the access log, decrypted, hash checked; a mismatch cuts the
   * stream), one at a time so memory stays flat; then `bundle.json`, whose attachment URLs are the paths
   * inside the ZIP and whose AuditEvents include the export's own reads.
   */
  async zip(actor: ActorRef, patientId: string, at: GatewayBase): Promise<Readable> {
    const holdings = await this.holdings(actor, patientId, exportPath);
    const zip = new yazl.ZipFile();
    const out = new PassThrough();
    zip.on('error', (error: Error) => {
      this.log.warn({ code: (error as AppError).code }, 'export stopped');
      out.destroy(error instanceof AppError ? error : new AppError('INTEGRITY_VIOLATION', 'a file of the export failed verification'));
    });
    for (const record of holdings.records) {
      const options = { compress: !STORED.test(record.mediaType), mtime: new Date(record.createdAt), size: record.size };
      zip.addReadStreamLazy(exportPath(record), options, (done) => {
        this.records.open(actor, record.recordId, 'PATRQT').then(
          (content) => {
            // yazl does not watch a lazy stream's errors: a failed verification must stop the ZIP.
            content.stream.once('error', (error) => zip.emit('error', error));
            done(null, content.stream);
          },
          (error: unknown) => done(error, undefined as unknown as Readable),
        );
      });
    }
    // Built when its turn comes, after every file: the access log then holds the export's reads.
    zip.addReadStreamLazy('bundle.json', { compress: true, mtime: this.now() }, (done) => {
      this.accessLog(actor, patientId).then(
        (events) => {
          const bundle = collectionBundle(`${at.base}/v1/fhir`, holdings.resources(holdings.records, events), this.now().toISOString());
          const stream = new PassThrough();
          stream.end(JSON.stringify(bundle, null, 2));
          done(null, stream);
        },
        (error: unknown) => done(error, undefined as unknown as Readable),
      );
    });
    zip.end();
    zip.outputStream.on('error', (e: Error) => out.destroy(e));
    zip.outputStream.pipe(out);
    return out;
  }

  private async holdings(actor: ActorRef, patientId: string, urlOf: (r: RecordMeta) => string): Promise<Holdings> {
    if (actor.userId !== patientId) throw new AppError('FORBIDDEN', 'only the patient exports their records');
    const user = await this.chaincode.getUser(actor.org, patientId);
    const records = await this.allRecords(actor, patientId);
    const consents: Consent[] = await this.chaincode.listConsents(actor, patientId);
    const now = this.now();
    return {
      records,
      resources: (rs, events) => [
        toPatient(user),
        ...rs.flatMap((r): Resource[] => [toDocumentReference(r, urlOf(r)), ...(r.imaging ? [toImagingStudy(r)] : [])]),
        ...consents.map((c) => toConsent(c, now)),
        ...events.map(toAuditEvent),
      ],
    };
  }

  private async allRecords(actor: ActorRef, patientId: string): Promise<RecordMeta[]> {
    const out: RecordMeta[] = [];
    let bookmark = '';
    do {
      const page = await this.chaincode.listRecords(actor, patientId, '', { pageSize: 200, bookmark });
      out.push(...page.records);
      bookmark = page.bookmark;
    } while (bookmark);
    return out;
  }

  private async accessLog(actor: ActorRef, patientId: string): Promise<AccessEvent[]> {
    const out: AccessEvent[] = [];
    let bookmark = '';
    do {
      const page = await this.chaincode.accessLog(actor, patientId, '', { pageSize: 200, bookmark });
      out.push(...page.events);
      bookmark = page.bookmark;
    } while (bookmark);
    return out;
  }
}
