import { Body, Controller, Post, Response, Route, SuccessResponse, Tags } from '@tsoa/runtime';
import { AppError } from '../../domain/app-error.js';
import type { GatewayServices } from '../gateway-services.js';
import type { DevToken, DevTokenRequest, Problem } from '../models.js';

@Route('v1/dev/tokens')
@Tags('Development')
export class DevTokenController extends Controller {
  constructor(private readonly services: GatewayServices) {
    super();
  }

  /**
   * Embedded profile only: a signed bearer token for any registered user (first start seeds
   * `hospital-a-admin` and `hospital-b-admin`). 404 on the network profile and for unknown users.
   */
  @Post()
  @SuccessResponse(201, 'Created')
  @Response<Problem>(400, 'Malformed input')
  @Response<Problem>(404, 'Unknown or erased user, or not the embedded profile')
  public async issue(@Body() body: DevTokenRequest): Promise<DevToken> {
    const issuer = this.services.devTokens;
    if (!issuer) throw new AppError('NOT_FOUND', 'dev tokens exist only on the embedded profile');
    if (!(await this.services.registry.exists(body.userId))) throw new AppError('USER_NOT_FOUND', 'no such user');
    this.setStatus(201);
    return issuer.issue(body.userId);
  }
}
