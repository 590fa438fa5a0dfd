import type { Readable } from 'node:stream';
import { Body, Controller, Get, Header, Path, Post, Produces, Query, Request, Response, Route, Security, SuccessResponse, Tags } from '@tsoa/runtime';
import { AppError } from '../../domain/app-error.js';
import type { AuthenticatedRequest, GatewayServices } from '../gateway-services.js';
import type { Category, HistoryEntry, Id, Modality, PageSize, Problem, Purpose, RecordMetadata, RecordPage, VerifyRequest, VerifyResult } from '../models.js';
import { readMultipartUpload } from '../multipart-upload.js';

@Route('v1')
@Tags('Records')
@Security('bearer')
@Response<Problem>(401, 'No or invalid token')
export class RecordController extends Controller {
  constructor(private readonly services: GatewayServices) {
    super();
  }

  /**
   * Uploads a file for a patient (a practitioner of the patient's home org). multipart/form-data with the
   * fields `title`, `category` (and optionally `mediaType`) BEFORE the part `file`. The file is hashed,
   * encrypted and stored while it streams; one ledger transaction records it. Send an `Idempotency-Key`
   * to make retries safe.
   */
  @Post('patients/{patientId}/records')
  @SuccessResponse(201, 'Created')
  @Response<Problem>(400, 'Malformed input')
  @Response<Problem>(403, 'Not allowed')
  @Response<Problem>(413, 'File too large')
  @Response<Problem>(415, 'Not multipart/form-data')
  public async upload(
    @Request() req: AuthenticatedRequest,
    @Path() patientId: Id,
    @Header('Idempotency-Key') idempotencyKey?: string,
  ): Promise<RecordMetadata> {
    const upload = await readMultipartUpload(req);
    const meta = {
      title: upload.fields.title ?? '',
      category: upload.fields.category ?? '',
      mediaType: upload.fields.mediaType ?? upload.mimeType,
    };
    // A client that goes away before the answer interrupts the upload: nothing is kept (no pin, no record).
    const gone = new AbortController();
    req.res?.once('close', () => {
      if (!req.res?.writableEnded) gone.abort(new AppError('INVALID_ARGUMENT', 'the upload was interrupted', 'file'));
    });
    const record = await this.services.records.upload(req.user, patientId, meta, upload.file, idempotencyKey, gone.signal);
    this.setStatus(201);
    return record;
  }

  /**
   * The patient's records the caller may see (paged; optionally one category, or the DICOM records of one
   * modality). Counts reveal nothing else.
   */
  @Get('patients/{patientId}/records')
  public async list(
    @Request() req: AuthenticatedRequest,
    @Path() patientId: Id,
    @Query() category?: Category,
    @Query() pageSize?: PageSize,
    @Query() bookmark?: string,
    @Query() modality?: Modality,
  ): Promise<RecordPage> {
    return await this.services.records.list(req.user, patientId, category, { pageSize, bookmark }, modality);
  }

  /** Metadata of a record (404 when the caller may not see it). */
  @Get('records/{recordId}')
  @Response<Problem>(404, 'No such record')
  @Response<Problem>(410, 'The record was erased')
  public async get(@Request() req: AuthenticatedRequest, @Path() recordId: Id): Promise<RecordMetadata> {
    return await this.services.records.get(req.user, recordId);
  }

  /**
   * The decrypted, verified content. The ledger records the access (granted or denied) before any key is
   * released; a granted read that ends without content is recorded with its final outcome (DENIED when a
   * revocation won the race, FAILED when the content is missing or the store is down, INTEGRITY_VIOLATION).
   * Failures before the first byte answer a status; a hash mismatch found later cuts the response. The
   * body's media type is the record's (`mediaType`).
   */
  @Get('records/{recordId}/content')
  @Produces('*/*')
  @Response<Problem>(400, 'Missing or unknown purpose')
  @Response<Problem>(403, 'Access denied (and recorded), also when consent ended between the decision and the key release')
  @Response<Problem>(404, 'No such record')
  @Response<Problem>(502, 'The content failed verification (INTEGRITY_VIOLATION) or is missing from the blob store (CONTENT_MISSING); recorded')
  @Response<Problem>(410, 'The record was erased')
  public async content(@Request() req: AuthenticatedRequest, @Path() recordId: Id, @Query() purpose: Purpose): Promise<Readable> {
    const content = await this.services.records.open(req.user, recordId, purpose);
    this.setHeader('Content-Type', content.mediaType);
    this.setHeader('Content-Length', String(content.size));
    this.setHeader('Digest', `sha-256=${Buffer.from(content.sha256, 'hex').toString('base64')}`);
    this.setHeader('X-Access-Event', content.eventId);
    this.setHeader('X-Access-Outcome', content.outcome);
    this.setHeader('Cache-Control', 'no-store');
    // A failure after the headers went out must cut the connection, not end it as if complete.
    content.stream.on('error', () => req.res?.destroy());
    return content.stream;
  }

  /** Reads, decrypts and verifies the content without sending it (recorded like a read). */
  @Post('records/{recordId}/verify')
  @Response<Problem>(400, 'Malformed input')
  @Response<Problem>(403, 'Access denied (and recorded)')
  @Response<Problem>(404, 'No such record')
  @Response<Problem>(410, 'The record was erased')
  public async verify(@Request() req: AuthenticatedRequest, @Path() recordId: Id, @Body() body: VerifyRequest): Promise<VerifyResult> {
    return this.services.records.verify(req.user, recordId, body.purpose);
  }

  /** The ledger history of the record's public anchor. */
  @Get('records/{recordId}/history')
  @Response<Problem>(404, 'No such record')
  @Response<Problem>(410, 'The record was erased')
  public async history(@Request() req: AuthenticatedRequest, @Path() recordId: Id): Promise<HistoryEntry[]> {
    return this.services.records.history(req.user, recordId);
  }
}
