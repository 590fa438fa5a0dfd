import { Body, Controller, Get, Path, Post, Request, Response, Route, Security, SuccessResponse, Tags } from '@tsoa/runtime';
import type { AuthenticatedRequest, GatewayServices } from '../gateway-services.js';
import type { Id, Problem, RegisterUserRequest, User } from '../models.js';

@Route('v1')
@Tags('Users')
@Security('bearer')
@Response<Problem>(401, 'No or invalid token')
export class UserController extends Controller {
  constructor(private readonly services: GatewayServices) {
    super();
  }

  /** An org admin registers a patient, practitioner or admin of the admin's own org. */
  @Post('users')
  @SuccessResponse(201, 'Created')
  @Response<Problem>(400, 'Malformed input')
  @Response<Problem>(403, 'Not an admin')
  @Response<Problem>(409, 'The user id is taken')
  public async register(@Request() req: AuthenticatedRequest, @Body() body: RegisterUserRequest): Promise<User> {
    this.setStatus(201);
    return this.services.registry.register(req.user, body.userId, body.role);
  }

  /** A registered user (role, home org, status). */
  @Get('users/{userId}')
  @Response<Problem>(404, 'No such user')
  public async get(@Request() req: AuthenticatedRequest, @Path() userId: Id): Promise<User> {
    return this.services.registry.get(req.user, userId);
  }

  /** The caller, as the ledger registry knows them. */
  @Get('me')
  public async me(@Request() req: AuthenticatedRequest): Promise<User> {
    return this.services.registry.get(req.user, req.user.userId);
  }
}
