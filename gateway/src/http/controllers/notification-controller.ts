import type { Readable } from 'node:stream';
import { Controller, Get, Header, Path, Post, Produces, Query, Request, Response, Route, Security, Tags } from '@tsoa/runtime';
import type { AuthenticatedRequest, GatewayServices } from '../gateway-services.js';
import type { Id, Notification, NotificationPage, NotificationSeq, PageSize, Problem } from '../models.js';

@Route('v1/me')
@Tags('Notifications')
@Security('bearer')
@Response<Problem>(401, 'No or invalid token')
export class NotificationController extends Controller {
  constructor(private readonly services: GatewayServices) {
    super();
  }

  /** The caller's own notifications, newest first (paged). Ids and kinds only. */
  @Get('notifications')
  public async listNotifications(@Request() req: AuthenticatedRequest, @Query() pageSize?: PageSize, @Query() bookmark?: NotificationSeq): Promise<NotificationPage> {
    return await this.services.notifications.list(req.user, { pageSize, bookmark });
  }

  /** Marks one of the caller's notifications read (again: no change, the first time stays). */
  @Post('notifications/{notificationId}/read')
  @Response<Problem>(404, 'The caller has no such notification')
  public async markNotificationRead(@Request() req: AuthenticatedRequest, @Path() notificationId: Id): Promise<Notification> {
    return await this.services.notifications.markRead(req.user, notificationId);
  }

  /**
   * The caller's notifications as they happen: Server-Sent Events (`text/event-stream`). Each event is
   * `event: notification` with a Notification as `data` and its `seq` as `id`; reconnect with that id in
   * `Last-Event-ID` to get what was missed, in order, once (without it the stream starts with what comes next).
   * A comment line (`: heartbeat`) comes every `CARELEDGER_SSE_HEARTBEAT_SECONDS`. The stream ends when the
   * gateway shuts down; the client then reconnects.
   */
  @Get('events')
  @Produces('text/event-stream')
  public async notificationEvents(@Request() req: AuthenticatedRequest, @Header('Last-Event-ID') lastEventId?: NotificationSeq): Promise<Readable> {
    const left = new AbortController();
    req.res?.once('close', () => left.abort());
    const stream = await this.services.notifications.stream(req.user, lastEventId, left.signal);
    this.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    this.setHeader('Cache-Control', 'no-store');
    this.setHeader('X-Accel-Buffering', 'no');
    return stream;
  }
}
