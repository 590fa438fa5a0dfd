// The Notifications folder: the caller's own list and read marks, and the refusals of the SSE stream.
import { s, expect, carry, request, folder } from './collection-helpers.mjs';
import { NO_TOKEN } from './resource-folders.mjs';

export const notifications = folder(
  'Notifications',
  [
    "The caller's own notifications: ids and kinds only. The journey's doctor was told that the patient denied",
    'the research request and approved the treatment request. The live stream (`GET /v1/me/events`, Server-Sent',
    'Events) never ends by itself, which Newman cannot read: here only its refusals run; see postman/README.md',
    'for watching the stream by hand.',
  ].join('\n'),
  [
    request('Doctor lists their notifications', {
      route: 'GET /v1/me/notifications?pageSize=50',
      as: 'doctor',
      test: s`
      ${expect.status(200)}
      const body = pm.response.json();
      const approved = body.notifications.find((n) => n.requestId === pm.variables.get('treatRequestId'));
      pm.test('told that the treatment request was approved', () => pm.expect(approved && approved.kind).to.eql('ACCESS_REQUEST_APPROVED'));
      pm.test('told that the research request was denied', () =>
        pm.expect(body.notifications.filter((n) => n.requestId === pm.variables.get('researchRequestId')).map((n) => n.kind)).to.eql(['ACCESS_REQUEST_DENIED']));
      pm.test('ids and kinds only: no reason, name or patient', () => {
        for (const n of body.notifications) pm.expect(Object.keys(n)).to.satisfy((keys) => keys.every((k) => ['notificationId', 'kind', 'occurredAt', 'requestId', 'consentId', 'sessionId', 'seq', 'readAt'].includes(k)));
      });
      pm.test('newest first', () => {
        const seqs = body.notifications.map((n) => n.seq);
        pm.expect(seqs).to.eql([...seqs].sort().reverse());
      });
      if (approved) ${carry('notificationId', 'approved.notificationId')}
    `,
    }),
    request('Doctor marks it read', {
      route: 'POST /v1/me/notifications/{{notificationId}}/read',
      as: 'doctor',
      test: s`
      ${expect.status(200)}
      pm.test('read now', () => pm.expect(pm.response.json().readAt).to.be.a('string'));
      pm.test('the same notification', () => pm.expect(pm.response.json().notificationId).to.eql(pm.variables.get('notificationId')));
    `,
    }),
    request("Someone else's notification: 404", {
      route: 'POST /v1/me/notifications/{{notificationId}}/read',
      as: 'admin',
      test: expect.problem(404, 'NOT_FOUND'),
    }),
    request('pageSize 0: 400', {
      route: 'GET /v1/me/notifications?pageSize=0',
      as: 'doctor',
      test: expect.problem(400, 'INVALID_ARGUMENT', 'pageSize'),
    }),
    request(`${NO_TOKEN} (list)`, {
      route: 'GET /v1/me/notifications',
      as: null,
      test: expect.unauthenticated(),
    }),
    request(`${NO_TOKEN} (mark read)`, {
      route: 'POST /v1/me/notifications/{{notificationId}}/read',
      as: null,
      test: expect.unauthenticated(),
    }),
    request('Stream with a Last-Event-ID that is not a position: 400', {
      route: 'GET /v1/me/events',
      as: 'doctor',
      headers: [{ key: 'Last-Event-ID', value: 'yesterday' }, { key: 'Accept', value: 'text/event-stream' }],
      test: expect.problem(400, 'INVALID_ARGUMENT', 'Last-Event-ID'),
    }),
    request(`${NO_TOKEN} (stream)`, {
      route: 'GET /v1/me/events',
      as: null,
      headers: [{ key: 'Accept', value: 'text/event-stream' }],
      test: expect.unauthenticated(),
    }),
  ],
);
