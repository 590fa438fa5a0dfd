// The Webhooks folder: an org admin subscribes the hospital's systems to the org's events, lists and deletes
// webhooks, reads the dead letters. Newman cannot host a receiver: the URL here refuses connections, and
// postman/README.md shows how to watch real deliveries by hand.
import { s, expect, carry, request, folder } from './collection-helpers.mjs';
import { NO_TOKEN } from './resource-folders.mjs';

const URL = 'http://127.0.0.1:9/careledger-postman';

export const webhooks = folder(
  'Webhooks',
  [
    "An org admin subscribes the hospital's systems to the org's ledger events (ids and event types only).",
    'Each delivery is a signed POST (`CareLedger-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">`),',
    'retried with a doubling wait and kept as a dead letter after the last attempt. The URL used here refuses',
    'connections (Newman cannot host a receiver); see postman/README.md for receiving deliveries by hand.',
  ].join('\n'),
  [
    request('Admin subscribes a webhook (the secret is answered once)', {
      route: 'POST /v1/webhooks',
      as: 'admin',
      json: { url: URL },
      test: s`
      ${expect.status(201)}
      const body = pm.response.json();
      pm.test('a secret to verify signatures with', () => pm.expect(body.secret).to.match(/^whsec_/));
      pm.test('the org of the admin', () => pm.expect(body.org).to.be.a('string'));
      pm.test('the URL as given', () => pm.expect(body.url).to.eql(${JSON.stringify(URL)}));
      ${carry('webhookId', 'body.webhookId')}
    `,
    }),
    request('Admin lists the webhooks (never a secret)', {
      route: 'GET /v1/webhooks',
      as: 'admin',
      test: s`
      ${expect.status(200)}
      const mine = pm.response.json().find((w) => w.webhookId === pm.variables.get('webhookId'));
      pm.test('the new webhook is listed', () => pm.expect(mine).to.be.an('object'));
      pm.test('without its secret', () => pm.expect(pm.response.json().every((w) => !('secret' in w))).to.eql(true));
    `,
    }),
    request('A doctor may not subscribe: 403', {
      route: 'POST /v1/webhooks',
      as: 'doctor',
      json: { url: URL },
      test: expect.problem(403, 'WRONG_ROLE'),
    }),
    request('A URL that is not http or https: 400', {
      route: 'POST /v1/webhooks',
      as: 'admin',
      json: { url: 'ftp://his.example/events' },
      test: expect.problem(400, 'INVALID_ARGUMENT', 'url'),
    }),
    request('Admin lists the dead letters', {
      route: 'GET /v1/webhook-dead-letters',
      as: 'admin',
      test: s`
      ${expect.status(200)}
      pm.test('a list', () => pm.expect(pm.response.json()).to.be.an('array'));
      pm.test('ids and event types only', () => {
        for (const d of pm.response.json()) pm.expect(Object.keys(d)).to.satisfy((keys) => keys.every((k) => ['deliveryId', 'webhookId', 'event', 'ids', 'txId', 'blockNumber', 'createdAt', 'attempts', 'lastAttemptAt', 'lastError'].includes(k)));
      });
    `,
    }),
    request('Replaying a dead letter that does not exist: 404', {
      route: 'POST /v1/webhook-dead-letters/dlv-0000000000/replay',
      as: 'admin',
      test: expect.problem(404, 'NOT_FOUND'),
    }),
    request('Admin deletes the webhook', {
      route: 'DELETE /v1/webhooks/{{webhookId}}',
      as: 'admin',
      test: expect.status(204),
    }),
    request('Deleted: 404', {
      route: 'DELETE /v1/webhooks/{{webhookId}}',
      as: 'admin',
      test: expect.problem(404, 'NOT_FOUND'),
    }),
    request(`${NO_TOKEN} (webhooks)`, {
      route: 'GET /v1/webhooks',
      as: null,
      test: expect.unauthenticated(),
    }),
  ],
);
