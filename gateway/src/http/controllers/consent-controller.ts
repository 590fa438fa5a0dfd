import { Body, Controller, Delete, Get, Path, Post, Request, Response, Route, Security, SuccessResponse, Tags } from '@tsoa/runtime';
import type { AuthenticatedRequest, GatewayServices } from '../gateway-services.js';
import type { Consent, GrantConsentRequest, Id, Problem } from '../models.js';

@Route('v1')
@Tags('Consents')
@Security('bearer')
@Response<Problem>(401, 'No or invalid token')
export class ConsentController extends Controller {
  constructor(private readonly services: GatewayServices) {
    super();
  }

  /** The patient grants a practitioner or a whole org access to records or categories, for purposes, until a date. */
  @Post('patients/{patientId}/consents')
  @SuccessResponse(201, 'Created')
  @Response<Problem>(400, 'Malformed input')
  @Response<Problem>(403, 'Only the patient grants')
  public async grant(@Request() req: AuthenticatedRequest, @Path() patientId: Id, @Body() body: GrantConsentRequest): Promise<Consent> {
    this.setStatus(201);
    return await this.services.consents.grant(req.user, patientId, body);
  }

  /** The patient's consents (all for the patient and home admin; one's own for a grantee). */
  @Get('patients/{patientId}/consents')
  public async list(@Request() req: AuthenticatedRequest, @Path() patientId: Id): Promise<Consent[]> {
    return await this.services.consents.list(req.user, patientId);
  }

  /** The patient revokes a consent: later reads are refused by the chaincode; other orgs' keys are deleted. */
  @Delete('consents/{consentId}')
  @Response<Problem>(403, 'Only the patient revokes')
  @Response<Problem>(404, 'No such consent')
  @Response<Problem>(409, 'Already revoked')
  public async revoke(@Request() req: AuthenticatedRequest, @Path() consentId: Id): Promise<Consent> {
    return await this.services.consents.revoke(req.user, consentId);
  }
}
