import { Body, Controller, Get, Path, Post, Query, Request, Response, Route, Security, SuccessResponse, Tags } from '@tsoa/runtime';
import type { AuthenticatedRequest, GatewayServices } from '../gateway-services.js';
import type { AccessRequest, ApproveAccessRequest, Consent, CreateAccessRequest, Id, Problem } from '../models.js';

@Route('v1')
@Tags('Access requests')
@Security('bearer')
@Response<Problem>(401, 'No or invalid token')
export class AccessRequestController extends Controller {
  constructor(private readonly services: GatewayServices) {
    super();
  }

  /** A practitioner asks a patient for access (purpose, scope, reason). */
  @Post('patients/{patientId}/access-requests')
  @SuccessResponse(201, 'Created')
  @Response<Problem>(400, 'Malformed input')
  @Response<Problem>(403, 'Not a practitioner')
  public async create(@Request() req: AuthenticatedRequest, @Path() patientId: Id, @Body() body: CreateAccessRequest): Promise<AccessRequest> {
    this.setStatus(201);
    return await this.services.accessRequests.create(req.user, patientId, body);
  }

  /** Requests to decide (patient), one's own (practitioner) or the org's (admin), from the permission store. */
  @Get('access-requests')
  public async list(@Request() req: AuthenticatedRequest, @Query() status?: 'pending' | 'approved' | 'denied'): Promise<AccessRequest[]> {
    return await this.services.accessRequests.list(req.user, status);
  }

  /** The patient approves: creates a consent for the requester, purpose and scope. */
  @Post('access-requests/{requestId}/approve')
  @Response<Problem>(400, 'Malformed input')
  @Response<Problem>(403, 'Only the patient decides')
  @Response<Problem>(404, 'No such request')
  @Response<Problem>(409, 'Already decided')
  public async approve(@Request() req: AuthenticatedRequest, @Path() requestId: Id, @Body() body?: ApproveAccessRequest): Promise<Consent> {
    return await this.services.accessRequests.approve(req.user, requestId, body?.expiresAt);
  }

  /** The patient denies. */
  @Post('access-requests/{requestId}/deny')
  @Response<Problem>(403, 'Only the patient decides')
  @Response<Problem>(404, 'No such request')
  @Response<Problem>(409, 'Already decided')
  public async deny(@Request() req: AuthenticatedRequest, @Path() requestId: Id): Promise<AccessRequest> {
    return await this.services.accessRequests.deny(req.user, requestId);
  }
}
