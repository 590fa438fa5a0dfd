import { Body, Controller, Get, Path, Post, Query, Request, Response, Route, Security, SuccessResponse, Tags } from '@tsoa/runtime';
import type { AuthenticatedRequest, GatewayServices } from '../gateway-services.js';
import type { EmergencyAccessRequest, EmergencySession, Id, Problem } from '../models.js';

@Route('v1')
@Tags('Break-glass')
@Security('bearer')
@Response<Problem>(401, 'No or invalid token')
export class EmergencyController extends Controller {
  constructor(private readonly services: GatewayServices) {
    super();
  }

  /**
   * Break-glass: a practitioner opens emergency access to a patient with a coded reason, for the channel's
   * fixed window (default 4 h). Every read under it is flagged in the access log; the home admin reviews it.
   */
  @Post('patients/{patientId}/emergency-access')
  @SuccessResponse(201, 'Created')
  @Response<Problem>(400, 'Malformed input')
  @Response<Problem>(403, 'Not a practitioner')
  @Response<Problem>(501, 'Break-glass across hospitals is not supported yet')
  public async open(@Request() req: AuthenticatedRequest, @Path() patientId: Id, @Body() body: EmergencyAccessRequest): Promise<EmergencySession> {
    this.setStatus(201);
    return await this.services.emergency.open(req.user, patientId, body.reasonCode);
  }

  /** The org admin's review queue of break-glass sessions on the org's patients. */
  @Get('emergency-access')
  @Response<Problem>(400, 'Malformed input')
  @Response<Problem>(403, 'Not an admin')
  public async list(@Request() req: AuthenticatedRequest, @Query() reviewed?: boolean): Promise<EmergencySession[]> {
    const sessions = await this.services.emergency.list(req.user, reviewed === false);
    return reviewed === true ? sessions.filter((s) => s.reviewedAt) : sessions;
  }

  /** The org admin marks a session reviewed. */
  @Post('emergency-access/{sessionId}/review')
  @Response<Problem>(403, 'Not an admin of the patient\'s hospital')
  @Response<Problem>(404, 'No such session')
  @Response<Problem>(409, 'Already reviewed')
  public async review(@Request() req: AuthenticatedRequest, @Path() sessionId: Id): Promise<EmergencySession> {
    return await this.services.emergency.review(req.user, sessionId);
  }
}
