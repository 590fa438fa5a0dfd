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
   * A practitioner of another hospital opens it the same way: the patient's home hospital releases the data
   * keys to the practitioner's hospital by itself within seconds (`keysReleasedAt`); until it has, a read
   * answers 503 `KEYS_NOT_RELEASED`.
   */
  @Post('patients/{patientId}/emergency-access')
  @SuccessResponse(201, 'Created')
  @Response<Problem>(400, 'Malformed input')
  @Response<Problem>(403, 'Not a practitioner')
  @Response<Problem>(404, 'No such patient')
  @Response<Problem>(410, 'The patient was erased')
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

  /**
   * One session, for the practitioner who opened it and the admins of the patient's hospital: across
   * hospitals, `keysReleasedAt` says when the keys arrived at the practitioner's hospital.
   */
  @Get('emergency-access/{sessionId}')
  @Response<Problem>(404, 'No such session, or not yours to see')
  public async get(@Request() req: AuthenticatedRequest, @Path() sessionId: Id): Promise<EmergencySession> {
    return await this.services.emergency.get(req.user, sessionId);
  }

  /**
   * The org admin marks a session reviewed. The review ends a session still open: no read under it after that,
   * and across hospitals the keys released to the reader's hospital are withdrawn.
   */
  @Post('emergency-access/{sessionId}/review')
  @Response<Problem>(403, 'Not an admin of the patient\'s hospital')
  @Response<Problem>(404, 'No such session')
  @Response<Problem>(409, 'Already reviewed')
  public async review(@Request() req: AuthenticatedRequest, @Path() sessionId: Id): Promise<EmergencySession> {
    return await this.services.emergency.review(req.user, sessionId);
  }
}
