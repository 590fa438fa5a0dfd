import { Body, Controller, Delete, Get, Path, Post, Request, Response, Route, Security, SuccessResponse, Tags } from '@tsoa/runtime';
import type { AuthenticatedRequest, GatewayServices } from '../gateway-services.js';
import type { CreatedWebhook, DeadLetter, Id, NewWebhook, Problem, ReplayedDelivery, Webhook } from '../models.js';

/**
 * An org's systems subscribe to the org's ledger events. Each delivery is a POST of JSON (ids and the event type
 * only) with the headers `CareLedger-Delivery` (the idempotency key), `CareLedger-Event` and
 * `CareLedger-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" keyed with the secret>`.
 * A non-2xx answer, a timeout or no connection is retried with a doubling wait; after the last attempt the
 * delivery is a dead letter.
 */
@Route('v1')
@Tags('Webhooks')
@Security('bearer')
@Response<Problem>(401, 'No or invalid token')
@Response<Problem>(403, 'Not an org admin')
export class WebhookController extends Controller {
  constructor(private readonly services: GatewayServices) {
    super();
  }

  /** An org admin subscribes a URL to the org's events; the answer holds the signing secret, once. */
  @Post('webhooks')
  @SuccessResponse(201, 'Created')
  @Response<Problem>(400, 'Malformed input (a URL that is not http or https)')
  public async createWebhook(@Request() req: AuthenticatedRequest, @Body() body: NewWebhook): Promise<CreatedWebhook> {
    this.setStatus(201);
    return await this.services.webhooks.create(req.user, body.url);
  }

  /** The org's webhooks (without their secrets). */
  @Get('webhooks')
  public async listWebhooks(@Request() req: AuthenticatedRequest): Promise<Webhook[]> {
    return await this.services.webhooks.list(req.user);
  }

  /** Removes one of the org's webhooks and its pending deliveries and dead letters. */
  @Delete('webhooks/{webhookId}')
  @SuccessResponse(204, 'Deleted')
  @Response<Problem>(404, 'No such webhook of the org')
  public async deleteWebhook(@Request() req: AuthenticatedRequest, @Path() webhookId: Id): Promise<void> {
    await this.services.webhooks.delete(req.user, webhookId);
    this.setStatus(204);
  }

  /** The org's deliveries that failed every attempt, oldest first. */
  @Get('webhook-dead-letters')
  public async listDeadLetters(@Request() req: AuthenticatedRequest): Promise<DeadLetter[]> {
    return await this.services.webhooks.deadLetters(req.user);
  }

  /** Sends a dead letter again (same delivery id, a fresh round of attempts). */
  @Post('webhook-dead-letters/{deliveryId}/replay')
  @SuccessResponse(202, 'Queued')
  @Response<Problem>(404, 'No such dead letter of the org')
  public async replayDeadLetter(@Request() req: AuthenticatedRequest, @Path() deliveryId: Id): Promise<ReplayedDelivery> {
    this.setStatus(202);
    return await this.services.webhooks.replay(req.user, deliveryId);
  }
}
