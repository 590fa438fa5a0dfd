import { Controller, Get, Response, Route, Tags } from '@tsoa/runtime';
import type { GatewayServices } from '../gateway-services.js';
import type { HealthStatus } from '../models.js';

@Route('')
@Tags('Operations')
export class HealthController extends Controller {
  constructor(private readonly services: GatewayServices) {
    super();
  }

  /** Liveness: the process answers. */
  @Get('health')
  public health(): HealthStatus {
    return { status: 'ok', profile: this.services.profile };
  }

  /** Readiness: every adapter (ledger, blob store, permission store, keys, authenticator) answers; 503 otherwise. */
  @Get('ready')
  @Response<HealthStatus>(503, 'An adapter does not answer (`checks` names it)')
  public async ready(): Promise<HealthStatus> {
    const checks = await this.services.readiness();
    const ok = Object.values(checks).every((c) => c === 'ok');
    if (!ok) this.setStatus(503);
    return { status: ok ? 'ok' : 'unavailable', profile: this.services.profile, checks };
  }
}
