import { createHmac, timingSafeEqual } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { GatewayHarness } from '../support/gateway-harness.js';
import { TEST_PROFILE } from '../support/test-profile.js';

/** One POST the receiver got. */
interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

/**
 * A hospital system's endpoint: a real local HTTP server that records every POST and answers with the next
 * status of its script (then `then`); 'hang' never answers.
 */
class Receiver {
  readonly received: Received[] = [];
  script: (number | 'hang')[] = [];
  then: number | 'hang' = 200;
  private readonly server: Server;
  url = '';

  private constructor() {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: performance.now() });
        const status = this.script.shift() ?? this.then;
        if (status === 'hang') return;
        res.writeHead(status).end();
      });
    });
  }

  static async start(): Promise<Receiver> {
    const receiver = new Receiver();
    receiver.server.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => receiver.server.once('listening', resolve));
    receiver.url = `http://127.0.0.1:${(receiver.server.address() as AddressInfo).port}/hooks/careledger`;
    return receiver;
  }

  async until(n: number, ms = 20_000): Promise<Received[]> {
    const deadline = Date.now() + ms;
    while (this.received.length < n) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${n} deliveries; got ${this.received.length}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return this.received;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

/** The receiver's own check of a delivery: HMAC-SHA256 of `<t>.<body>` with the secret, and a fresh timestamp. */
function verify(secret: string, delivery: Received): boolean {
  const header = String(delivery.headers['careledger-signature'] ?? '');
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
  if (!match) return false;
  const expected = createHmac('sha256', Buffer.from(secret, 'utf8')).update(`${match[1]}.${delivery.body}`).digest();
  const fresh = Math.abs(Date.now() / 1000 - Number(match[1])) < 300;
  return fresh && timingSafeEqual(expected, Buffer.from(match[2]!, 'hex'));
}

const ask = { purpose: 'TREAT', scope: { categories: ['report'] }, reason: 'Follow-up of the fracture of Ms Example' };
const retrying = {
  CARELEDGER_WEBHOOK_RETRY_BASE_MS: '150',
  CARELEDGER_WEBHOOK_RETRY_MAX_MS: '2000',
  CARELEDGER_WEBHOOK_MAX_ATTEMPTS: '3',
  CARELEDGER_WEBHOOK_TIMEOUT_MS: '1000',
};

describe(`webhooks on the ${TEST_PROFILE} profile`, () => {
  let h: GatewayHarness;
  let team: Awaited<ReturnType<GatewayHarness['aCareTeam']>>;
  let receiver: Receiver;
  let other: Receiver;

  beforeEach(async () => {
    h = await GatewayHarness.start({ env: retrying });
    team = await h.aCareTeam();
    receiver = await Receiver.start();
    other = await Receiver.start();
  });

  afterEach(async () => {
    await h.close();
    await Promise.all([receiver.close(), other.close()]);
  });

  const subscribe = async (admin: typeof team.adminA, url: string): Promise<{ webhookId: string; secret: string }> =>
    (await admin.post('/v1/webhooks', { url }).expect(201)).body;

  it('lets an org admin create, list and delete the org’s webhooks, answering the secret once', async () => {
    const created = await team.adminA.post('/v1/webhooks', { url: receiver.url }).expect(201);
    expect(created.body).toEqual({ webhookId: expect.any(String), org: 'HospitalAMSP', url: receiver.url, createdAt: expect.any(String), createdBy: 'hospital-a-admin', secret: expect.stringMatching(/^whsec_.{40,}$/) });
    const { secret, ...listed } = created.body;
    expect((await team.adminA.get('/v1/webhooks').expect(200)).body).toEqual([listed]);
    expect(JSON.stringify((await team.adminA.get('/v1/webhooks').expect(200)).body)).not.toContain(secret);
    // Another org's admin neither sees nor deletes it.
    expect((await team.adminB.get('/v1/webhooks').expect(200)).body).toEqual([]);
    await team.adminB.delete(`/v1/webhooks/${created.body.webhookId}`).expect(404);
    await team.adminA.delete(`/v1/webhooks/${created.body.webhookId}`).expect(204);
    expect((await team.adminA.get('/v1/webhooks').expect(200)).body).toEqual([]);
  });

  it('refuses anyone but an org admin, and URLs that are not http or https', async () => {
    await team.doctor.post('/v1/webhooks', { url: receiver.url }).expect(403);
    await team.patient.post('/v1/webhooks', { url: receiver.url }).expect(403);
    await team.doctor.get('/v1/webhook-dead-letters').expect(403);
    await (await h.as('pat-1')).get('/v1/webhooks').expect(403);
    for (const url of ['ftp://his.example/x', 'javascript:alert(1)', 'file:///etc/passwd', 'not a url', 'https://user:pw@his.example/x']) {
      const res = await team.adminA.post('/v1/webhooks', { url }).expect(400);
      expect(res.body).toMatchObject({ field: expect.stringContaining('url') });
    }
    await request(h.app).get('/v1/webhooks').expect(401);
    await request(h.app).post('/v1/webhooks').send({ url: receiver.url }).expect(401);
  });

  it('delivers an event of the org’s patient, signed, with ids and the event type only; the other org gets nothing', async () => {
    const a = await subscribe(team.adminA, receiver.url);
    await subscribe(team.adminB, other.url);
    const { body: request } = await team.otherHospital.post('/v1/patients/pat-1/access-requests', ask).expect(201);
    const [delivery] = await receiver.until(1);
    expect(verify(a.secret, delivery!)).toBe(true);
    expect(verify('another secret', delivery!)).toBe(false);
    const body = JSON.parse(delivery!.body);
    expect(body).toEqual({ deliveryId: expect.stringMatching(/^dlv-/), webhookId: a.webhookId, org: 'HospitalAMSP', event: 'AccessRequested', ids: { requestId: request.requestId }, txId: expect.any(String), blockNumber: expect.stringMatching(/^\d+$/) });
    expect(delivery!.headers['careledger-delivery']).toBe(body.deliveryId);
    expect(delivery!.headers['careledger-event']).toBe('AccessRequested');
    expect(delivery!.headers['content-type']).toBe('application/json');
    for (const personal of ['pat-1', 'doc-b', 'fracture', 'TREAT']) expect(delivery!.body).not.toContain(personal);
    // The request names Hospital A's patient: Hospital B's admin may not read it, so B's systems are not told.
    // Both orgs' deliveries are stored from the same event before either is sent.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(other.received).toEqual([]);
  });

  it('retries after 500s with a doubling wait, under the same delivery id, until the receiver takes it', async () => {
    receiver.script = [500, 500];
    const a = await subscribe(team.adminA, receiver.url);
    await team.otherHospital.post('/v1/patients/pat-1/access-requests', ask).expect(201);
    const tries = await receiver.until(3);
    expect(new Set(tries.map((t) => t.headers['careledger-delivery'])).size).toBe(1);
    expect(tries.every((t) => verify(a.secret, t))).toBe(true);
    const [first, second] = [tries[1]!.at - tries[0]!.at, tries[2]!.at - tries[1]!.at];
    expect(first).toBeGreaterThanOrEqual(140);
    expect(second).toBeGreaterThanOrEqual(290);
    // Taken: never sent again, and no dead letter.
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(receiver.received).toHaveLength(3);
    expect((await team.adminA.get('/v1/webhook-dead-letters').expect(200)).body).toEqual([]);
  });

  it('gives a call that does not answer up at its deadline and tries again', async () => {
    receiver.script = ['hang'];
    await subscribe(team.adminA, receiver.url);
    await team.otherHospital.post('/v1/patients/pat-1/access-requests', ask).expect(201);
    const tries = await receiver.until(2);
    // The 1 s deadline, then the 150 ms wait.
    expect(tries[1]!.at - tries[0]!.at).toBeGreaterThanOrEqual(1_100);
    expect(tries[1]!.headers['careledger-delivery']).toBe(tries[0]!.headers['careledger-delivery']);
  });

  it('makes a dead letter after the last attempt, which only the org’s admin lists and replays with the same delivery id', async () => {
    receiver.then = 500;
    const a = await subscribe(team.adminA, receiver.url);
    const { body: request } = await team.otherHospital.post('/v1/patients/pat-1/access-requests', ask).expect(201);
    await receiver.until(3);
    let dead: { deliveryId: string; attempts: number }[] = [];
    for (let i = 0; i < 100 && dead.length === 0; i++) {
      dead = (await team.adminA.get('/v1/webhook-dead-letters').expect(200)).body;
      if (dead.length === 0) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const deliveryId = receiver.received[0]!.headers['careledger-delivery'];
    expect(dead).toEqual([{ deliveryId, webhookId: a.webhookId, event: 'AccessRequested', ids: { requestId: request.requestId }, txId: expect.any(String), blockNumber: expect.any(String), createdAt: expect.any(String), attempts: 3, lastAttemptAt: expect.any(String), lastError: 'HTTP 500' }]);
    // Three attempts, no fourth on its own.
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(receiver.received).toHaveLength(3);
    expect((await team.adminB.get('/v1/webhook-dead-letters').expect(200)).body).toEqual([]);
    await team.adminB.post(`/v1/webhook-dead-letters/${deliveryId}/replay`).expect(404);
    await team.doctor.post(`/v1/webhook-dead-letters/${deliveryId}/replay`).expect(403);

    receiver.then = 200;
    expect((await team.adminA.post(`/v1/webhook-dead-letters/${deliveryId}/replay`).expect(202)).body).toEqual({ deliveryId, status: 'PENDING' });
    const replayed = (await receiver.until(4))[3]!;
    expect(replayed.headers['careledger-delivery']).toBe(deliveryId);
    expect(JSON.parse(replayed.body).deliveryId).toBe(deliveryId);
    expect(verify(a.secret, replayed)).toBe(true);
    expect((await team.adminA.get('/v1/webhook-dead-letters').expect(200)).body).toEqual([]);
    // Delivered: no longer a dead letter to replay.
    await team.adminA.post(`/v1/webhook-dead-letters/${deliveryId}/replay`).expect(404);
  });

  it('measures the time from a committed event to its webhook delivery (median of 10)', async () => {
    await subscribe(team.adminA, receiver.url);
    const fromSend: number[] = [];
    const fromAnswer: number[] = [];
    for (let i = 1; i <= 10; i++) {
      const sent = performance.now();
      await team.otherHospital.post('/v1/patients/pat-1/access-requests', ask).expect(201);
      const answered = performance.now();
      const delivered = (await receiver.until(i))[i - 1]!.at;
      fromSend.push(delivered - sent);
      fromAnswer.push(delivered - answered);
    }
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
    console.info(`webhook latency (${TEST_PROFILE}): request sent -> webhook received median ${median(fromSend).toFixed(1)} ms [${fromSend.map((x) => x.toFixed(0)).join(', ')}]; commit answered -> webhook received median ${median(fromAnswer).toFixed(1)} ms [${fromAnswer.map((x) => x.toFixed(0)).join(', ')}]`);
    expect(receiver.received).toHaveLength(10);
  });
});

describe(`webhook deliveries across a gateway restart on the ${TEST_PROFILE} profile`, () => {
  it('delivers after a restart what was still pending (same delivery id) and what comes next, each once', async () => {
    const env = { ...retrying, CARELEDGER_WEBHOOK_MAX_ATTEMPTS: '50', CARELEDGER_WEBHOOK_RETRY_MAX_MS: '300' };
    const receiver = await Receiver.start();
    let h = await GatewayHarness.start({ env });
    const dataDir = h.config.dataDir;
    try {
      const team = await h.aCareTeam();
      receiver.then = 500;
      const { secret } = (await team.adminA.post('/v1/webhooks', { url: receiver.url }).expect(201)).body;
      await team.otherHospital.post('/v1/patients/pat-1/access-requests', ask).expect(201);
      await receiver.until(1);
      await h.gateway.close();
      // While the gateway is down the receiver recovers.
      receiver.then = 200;
      const failed = receiver.received.length;
      h = await GatewayHarness.start({ dataDir, env });
      await (await h.as('doc-b')).post('/v1/patients/pat-1/access-requests', ask).expect(201);
      const after = async () => receiver.received.slice(failed).filter((d) => verify(secret, d));
      for (let i = 0; i < 200 && (await after()).length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 50));
      await new Promise((resolve) => setTimeout(resolve, 500));
      const delivered = await after();
      const ids = delivered.map((d) => d.headers['careledger-delivery']);
      expect(ids).toHaveLength(2);
      expect(new Set(ids).size).toBe(2);
      // The one that failed before the restart keeps its id.
      expect(ids).toContain(receiver.received[0]!.headers['careledger-delivery']);
    } finally {
      await h.gateway.close();
      await receiver.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
