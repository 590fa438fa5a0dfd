import { Controller, Get, Path, Post, Query, Request, Response, Route, Security, Tags } from '@tsoa/runtime';
import { AppError } from '../../domain/app-error.js';
import type { AuthenticatedRequest, GatewayServices } from '../gateway-services.js';
import type { AccessLogPage, ErasureResult, Id, Problem } from '../models.js';

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
    /** @isInt @minimum 1 @maximum 200 */ @Query() pageSize?: number,
    @Query() bookmark?: string,
  ): Promise<AccessLogPage> {
    return (await this.services.audit.accessLog(req.user, patientId, recordId, { pageSize, bookmark })) as AccessLogPage;
  }

  /** Erasure: crypto-shreds every data key, purges the private data, removes the blobs. Irreversible. */
  @Post('erasure')
  @Response<Problem>(403, 'Only the patient or the home admin')
  @Response<Problem>(410, 'Already erased')
  public async erase(@Request() req: AuthenticatedRequest, @Path() patientId: Id): Promise<ErasureResult> {
    return this.services.erasure.erase(req.user, patientId);
  }

  /** Everything the patient may take away, as a FHIR R4 Bundle (not yet implemented: 501). */
  @Get('export')
  @Response<Problem>(501, 'Not implemented yet')
  public async export(@Path() patientId: Id): Promise<void> {
    void patientId;
    throw new AppError('NOT_IMPLEMENTED', 'the FHIR export is not implemented yet');
  }
}
