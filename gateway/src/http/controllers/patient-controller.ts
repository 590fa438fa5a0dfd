import { Controller, Get, Path, Post, Produces, Query, Request, Response, Route, Security, SuccessResponse, Tags } from '@tsoa/runtime';
import type { Readable } from 'node:stream';
import { FHIR_JSON, gatewayBase } from '../fhir-json.js';
import type { AuthenticatedRequest, GatewayServices } from '../gateway-services.js';
import type { AccessLogPage, ErasureStatus, FhirResource, Id, PageSize, Problem } from '../models.js';

@Route('v1/patients/{patientId}')
@Tags('Patients')
@Security('bearer')
@Response<Problem>(401, 'No or invalid token')
export class PatientController extends Controller {
  constructor(private readonly services: GatewayServices) {
    super();
  }

  /** Who read what, when, why, and the outcome; for the patient and the home org admin. */
  @Get('access-log')
  @Response<Problem>(403, 'Only the patient and the home admin')
  public async accessLog(
    @Request() req: AuthenticatedRequest,
    @Path() patientId: Id,
    @Query() recordId?: Id,
    @Query() pageSize?: PageSize,
    @Query() bookmark?: string,
  ): Promise<AccessLogPage> {
    return await this.services.audit.accessLog(req.user, patientId, recordId, { pageSize, bookmark });
  }

  /**
   * Erasure: crypto-shreds every data key, purges the private data, removes the blobs. Irreversible. Answers
   * 202 once the patient is marked as being erased (from then on every other request about the patient is
   * refused with 409 PATIENT_BEING_ERASED); the erasure goes on in pages, its progress at `Location`. A
   * repeated request while the patient is being erased resumes an erasure that stopped (a gateway restart, an
   * unavailable peer) and otherwise changes nothing.
   */
  @Post('erasure')
  @Security('bearer', ['erasure'])
  @SuccessResponse<{ Location: string }>(202, 'Accepted: the patient is being erased; the status is at Location')
  @Response<Problem>(403, 'Only the patient or the home admin')
  @Response<Problem>(410, 'Already erased')
  public async erase(@Request() req: AuthenticatedRequest, @Path() patientId: Id): Promise<ErasureStatus> {
    const status = await this.services.erasure.start(req.user, patientId);
    this.setStatus(202);
    this.setHeader('Location', erasureLocation(patientId));
    return status;
  }

  /** How far the patient's erasure got; for the patient (also while and after being erased) and the home admin. */
  @Get('erasure')
  @Security('bearer', ['erasure'])
  @Response<Problem>(403, 'Only the patient or the home admin')
  @Response<Problem>(404, 'No erasure of this patient has begun')
  @Response<Problem>(410, 'The caller was erased: an erased patient may follow only their own erasure')
  public async erasureStatus(@Request() req: AuthenticatedRequest, @Path() patientId: Id): Promise<ErasureStatus> {
    return this.services.erasure.status(req.user, patientId);
  }

  /**
   * Everything the patient may take away (right of access and portability), for the patient only: a FHIR R4
   * `collection` Bundle with the Patient and every DocumentReference (ImagingStudy for DICOM), Consent and
   * AuditEvent. `format=zip` streams a ZIP instead: `bundle.json` plus every file under `files/`, each read
   * with purpose PATRQT (recorded), decrypted and verified; a file that fails verification cuts the stream.
   */
  @Get('export')
  @Produces('application/fhir+json')
  @Produces('application/zip')
  @Response<Problem>(400, 'Unknown format')
  @Response<Problem>(403, 'Only the patient exports')
  @Response<Problem>(502, 'A file failed verification (recorded; the ZIP is cut)')
  public async export(@Request() req: AuthenticatedRequest, @Path() patientId: Id, @Query() format?: 'json' | 'zip'): Promise<FhirResource | Readable> {
    const base = { base: gatewayBase(req) };
    if (format !== 'zip') {
      const bundle = await this.services.exports.bundle(req.user, patientId, base);
      this.setHeader('Content-Type', FHIR_JSON);
      return bundle as unknown as FhirResource;
    }
    const zip = await this.services.exports.zip(req.user, patientId, base);
    this.setHeader('Content-Type', 'application/zip');
    this.setHeader('Content-Disposition', `attachment; filename="careledger-export-${patientId}.zip"`);
    this.setHeader('Cache-Control', 'no-store');
    // A failure after the headers went out must cut the connection, not end it as if complete.
    zip.on('error', () => req.res?.destroy());
    return zip;
  }
}

function erasureLocation(patientId: string): string {
  return `/v1/patients/${encodeURIComponent(patientId)}/erasure`;
}
