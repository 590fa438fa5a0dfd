import { Body, Controller, Delete, Get, Path, Post, Put, Request, Response, Route, Security, SuccessResponse, Tags } from '@tsoa/runtime';
import type { AuthenticatedRequest, GatewayServices } from '../gateway-services.js';
import type { AuthorAccess, AuthorAccessRequest, Consent, GrantConsentRequest, Id, Problem } from '../models.js';

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

  /**
   * Whether the authors of the patient's records may still read what they added (for treatment, for the
   * treatment window after they added it): for the patient and the home admin.
   */
  @Get('patients/{patientId}/consents/author-access')
  @Response<Problem>(403, 'Only the patient and the home admin')
  @Response<Problem>(410, 'The patient was erased')
  public async getAuthorAccess(@Request() req: AuthenticatedRequest, @Path() patientId: Id): Promise<AuthorAccess> {
    return await this.services.consents.getAuthorAccess(req.user, patientId);
  }

  /**
   * The patient ends (`DENIED`) or restores (`ALLOWED`) the access each author has to the records they added.
   * Consents are untouched: a named practitioner can still be granted one.
   */
  @Put('patients/{patientId}/consents/author-access')
  @Response<Problem>(400, 'Malformed input')
  @Response<Problem>(403, 'Only the patient decides')
  public async setAuthorAccess(@Request() req: AuthenticatedRequest, @Path() patientId: Id, @Body() body: AuthorAccessRequest): Promise<AuthorAccess> {
    return await this.services.consents.setAuthorAccess(req.user, patientId, body.authorAccess);
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
