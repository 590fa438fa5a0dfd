import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import path from 'node:path';
import { rm } from 'node:fs/promises';
import { LocalPermissionStore } from '../../gateway/src/adapters/local-permissions/local-permission-store.js';
import { NOTIFICATION_CHECKPOINT } from '../../gateway/src/services/notification-follower.js';
import { GatewayHarness } from '../support/gateway-harness.js';
import { TEST_PROFILE, describeEmbeddedOnly } from '../support/test-profile.js';

interface SseEvent {
  id?: string;
  event?: string;
  data?: string;
}

/**
 * A Server-Sent Events client over fetch: collects events and comment lines as they arrive, so a test can
 * wait for the next one.
 */
class SseClient {
  readonly events: SseEvent[] = [];
  readonly comments: string[] = [];
  status = 0;
  contentType = '';
  ended = false;
  private readonly abort = new AbortController();
  private waiters: (() => void)[] = [];
  private done: Promise<void> = Promise.resolve();

  static async open(base: string, token: string, lastEventId?: string): Promise<SseClient> {
    const client = new SseClient();
    const res = await fetch(`${base}/v1/me/events`, {
      headers: { Authorization: `Bearer ${token}`, Accept: 'text/event-stream', ...(lastEventId ? { 'Last-Event-ID': lastEventId } : {}) },
      signal: client.abort.signal,
    });
    client.status = res.status;
    client.contentType = res.headers.get('content-type') ?? '';
    if (res.body) client.done = client.read(res.body);
    return client;
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of body) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event: SseEvent = {};
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) this.comments.push(line.slice(1).trim());
            else {
              const at = line.indexOf(':');
              const [field, value] = [line.slice(0, at), line.slice(at + 1).trimStart()];
              if (field === 'id' || field === 'event' || field === 'data') event[field] = value;
            }
          }
          if (event.data !== undefined) this.events.push(event);
          this.wake();
        }
      }
    } catch {
      // closed by the test
    }
    this.ended = true;
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** Resolves when `ready()` holds, or fails after `ms`. */
  async until(ready: () => boolean, ms = 10_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!ready()) {
      if (Date.now() > deadline) throw new Error(`timed out; events so far: ${JSON.stringify(this.events)}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  }

  notifications(): { notificationId: string; kind: string; requestId?: string; sessionId?: string; seq: string }[] {
    return this.events.map((e) => JSON.parse(e.data ?? '{}'));
  }

  async close(): Promise<void> {
    this.abort.abort();
    await this.done;
  }
}

async function listen(h: GatewayHarness): Promise<{ base: string; server: Server }> {
  const server = h.app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

const ask = { purpose: 'TREAT', scope: { categories: ['report'] }, reason: 'Follow-up of the fracture of Ms Example' };

describe(`notifications on the ${TEST_PROFILE} profile`, () => {
  let h: GatewayHarness;
  let base: string;
  let server: Server;
  let team: Awaited<ReturnType<GatewayHarness['aCareTeam']>>;
  const streams: SseClient[] = [];
  const open = async (userId: string, lastEventId?: string) => {
    const s = await SseClient.open(base, await h.token(userId), lastEventId);
    streams.push(s);
    return s;
  };

  beforeEach(async () => {
    h = await GatewayHarness.start({ env: { CARELEDGER_SSE_HEARTBEAT_SECONDS: '1' } });
    ({ base, server } = await listen(h));
    team = await h.aCareTeam();
  });

  afterEach(async () => {
    await Promise.all(streams.splice(0).map((s) => s.close()));
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await h.close();
  });

  it('tells the patient of an access request on the stream and in the list, with ids and the kind only', async () => {
    const stream = await open('pat-1');
    expect(stream.status).toBe(200);
    expect(stream.contentType).toContain('text/event-stream');
    const { body: request } = await team.otherHospital.post('/v1/patients/pat-1/access-requests', ask).expect(201);
    await stream.until(() => stream.events.length === 1);
    const [event] = stream.events;
    const sent = stream.notifications()[0]!;
    expect(sent).toMatchObject({ kind: 'ACCESS_REQUEST_RECEIVED', requestId: request.requestId });
    expect(event?.event).toBe('notification');
    expect(event?.id).toBe(sent.seq);
    // Never the reason, the requester, the patient or a purpose: ids and the kind only.
    expect(Object.keys(sent).sort()).toEqual(['kind', 'notificationId', 'occurredAt', 'requestId', 'seq']);
    const list = await team.patient.get('/v1/me/notifications').expect(200);
    expect(list.body).toEqual({ notifications: [sent], bookmark: '' });
  });

  it('tells the requester of the decision, and the patient of break-glass on their records', async () => {
    const { body: request } = await team.otherHospital.post('/v1/patients/pat-1/access-requests', ask).expect(201);
    const { body: consent } = await team.patient.post(`/v1/access-requests/${request.requestId}/approve`, {}).expect(200);
    const { body: denied } = await team.otherHospital.post('/v1/patients/pat-1/access-requests', ask).expect(201);
    await team.patient.post(`/v1/access-requests/${denied.requestId}/deny`).expect(200);
    const { body: session } = await team.doctor.post('/v1/patients/pat-1/emergency-access', { reasonCode: 'UNCONSCIOUS' }).expect(201);
    const requester = await open('doc-b', '0'.repeat(16));
    await requester.until(() => requester.events.length === 2);
    expect(requester.notifications().map(({ kind, requestId }) => ({ kind, requestId }))).toEqual([
      { kind: 'ACCESS_REQUEST_APPROVED', requestId: request.requestId },
      { kind: 'ACCESS_REQUEST_DENIED', requestId: denied.requestId },
    ]);
    expect(requester.notifications()[0]).toMatchObject({ consentId: consent.consentId });
    const patient = await open('pat-1', '0'.repeat(16));
    await patient.until(() => patient.notifications().some((n) => n.kind === 'BREAK_GLASS_OPENED'));
    expect(patient.notifications().map((n) => n.kind)).toEqual(['ACCESS_REQUEST_RECEIVED', 'ACCESS_REQUEST_RECEIVED', 'BREAK_GLASS_OPENED']);
    expect(patient.notifications()[2]).toMatchObject({ sessionId: session.sessionId });
  });

  it('resumes after Last-Event-ID with what was missed, in order and once', async () => {
    const first = await open('pat-1');
    await team.otherHospital.post('/v1/patients/pat-1/access-requests', ask).expect(201);
    await first.until(() => first.events.length === 1);
    await first.close();
    const missed = [];
    for (let i = 0; i < 3; i++) missed.push((await team.otherHospital.post('/v1/patients/pat-1/access-requests', ask).expect(201)).body.requestId);
    const resumed = await open('pat-1', first.events[0]!.id);
    await resumed.until(() => resumed.events.length === 3);
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    expect(resumed.notifications().map((n) => n.requestId)).toEqual(missed);
  });

  it('shows another user nothing of it, and refuses to mark it read for them', async () => {
    const other = await open('doc-a', '0'.repeat(16));
    const patient = await open('pat-1', '0'.repeat(16));
    await team.otherHospital.post('/v1/patients/pat-1/access-requests', ask).expect(201);
    // The follower stores notifications after the commit: the patient's stream says when.
    await patient.until(() => patient.events.length === 1);
    const { body } = await team.patient.get('/v1/me/notifications').expect(200);
    expect(body.notifications).toHaveLength(1);
    const id = body.notifications[0].notificationId as string;
    await team.doctor.post(`/v1/me/notifications/${id}/read`).expect(404);
    await team.adminA.post(`/v1/me/notifications/${id}/read`).expect(404);
    expect((await team.doctor.get('/v1/me/notifications').expect(200)).body).toEqual({ notifications: [], bookmark: '' });
    expect((await team.adminA.get('/v1/me/notifications').expect(200)).body).toEqual({ notifications: [], bookmark: '' });
    await other.until(() => other.comments.includes('heartbeat'));
    expect(other.events).toEqual([]);
  });

  it('marks a notification read once and pages newest first', async () => {
    for (let i = 0; i < 3; i++) await team.otherHospital.post('/v1/patients/pat-1/access-requests', ask).expect(201);
    const stream = await open('pat-1', '0'.repeat(16));
    await stream.until(() => stream.events.length === 3);
    const [oldest, middle, newest] = stream.notifications();
    const first = await team.patient.get('/v1/me/notifications?pageSize=2').expect(200);
    expect(first.body.notifications.map((n: { notificationId: string }) => n.notificationId)).toEqual([newest!.notificationId, middle!.notificationId]);
    expect(first.body.bookmark).toBe(middle!.seq);
    const second = await team.patient.get(`/v1/me/notifications?pageSize=2&bookmark=${first.body.bookmark}`).expect(200);
    expect(second.body).toEqual({ notifications: [oldest], bookmark: '' });
    const read = await team.patient.post(`/v1/me/notifications/${oldest!.notificationId}/read`).expect(200);
    expect(read.body).toEqual({ ...oldest, readAt: expect.any(String) });
    const again = await team.patient.post(`/v1/me/notifications/${oldest!.notificationId}/read`).expect(200);
    expect(again.body.readAt).toBe(read.body.readAt);
  });

  it('sends a heartbeat comment on an idle stream and ends it cleanly when the gateway shuts down', async () => {
    const stream = await open('pat-1');
    await stream.until(() => stream.comments.includes('heartbeat'), 5_000);
    h.gateway.services.notifications.close();
    await stream.until(() => stream.ended, 5_000);
    expect(stream.ended).toBe(true);
  });

  it('refuses a stream without a token and a Last-Event-ID that is not a position', async () => {
    expect((await fetch(`${base}/v1/me/events`)).status).toBe(401);
    const bad = await fetch(`${base}/v1/me/events`, { headers: { Authorization: `Bearer ${await h.token('pat-1')}`, 'Last-Event-ID': 'x' } });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ field: 'Last-Event-ID' });
  });

  it('measures the time from a committed request to its SSE delivery (median of 10)', async () => {
    const stream = await open('pat-1');
    const fromSend: number[] = [];
    const fromAnswer: number[] = [];
    for (let i = 1; i <= 10; i++) {
      const sent = performance.now();
      await team.otherHospital.post('/v1/patients/pat-1/access-requests', ask).expect(201);
      const answered = performance.now();
      await stream.until(() => stream.events.length === i);
      const delivered = performance.now();
      fromSend.push(delivered - sent);
      fromAnswer.push(delivered - answered);
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    console.info(`notification latency (${TEST_PROFILE}): request sent -> SSE event median ${median(fromSend).toFixed(1)} ms [${fromSend.map((x) => x.toFixed(0)).join(', ')}]; commit answered -> SSE event median ${median(fromAnswer).toFixed(1)} ms [${fromAnswer.map((x) => x.toFixed(0)).join(', ')}]`);
    expect(stream.events).toHaveLength(10);
  });
});

describeEmbeddedOnly('notifications after a restart', 'reads the embedded stores on disk', () => {
  it('replays the ledger from the start without a duplicate and keeps read marks', async () => {
    let h = await GatewayHarness.start();
    const dataDir = h.config.dataDir;
    try {
      const team = await h.aCareTeam();
      for (let i = 0; i < 2; i++) await team.otherHospital.post('/v1/patients/pat-1/access-requests', ask).expect(201);
      await team.doctor.post('/v1/patients/pat-1/emergency-access', { reasonCode: 'UNCONSCIOUS' }).expect(201);
      const listed = async (client: typeof team.patient) => (await client.get('/v1/me/notifications').expect(200)).body.notifications as { notificationId: string; seq: string; readAt?: string }[];
      const waitFor = async (n: number, client: typeof team.patient) => {
        for (let tries = 0; tries < 50 && (await listed(client)).length < n; tries++) await new Promise((r) => setTimeout(r, 100));
        return listed(client);
      };
      const before = await waitFor(3, team.patient);
      await team.patient.post(`/v1/me/notifications/${before[2]!.notificationId}/read`).expect(200);
      const marked = await listed(team.patient);

      // Stop, and make the follower start again from the ledger's first block: every event is seen again.
      await h.gateway.close();
      const store = new LocalPermissionStore({ dir: path.join(dataDir, 'permissions') });
      await store.setCheckpoint(NOTIFICATION_CHECKPOINT, JSON.stringify({ blockNumber: '0', txId: '' }));
      await store.close();
      h = await GatewayHarness.start({ dataDir });
      const patient = await h.as('pat-1');
      // A new request after the restart: once it is listed, the replay before it is done.
      await (await h.as('doc-b')).post('/v1/patients/pat-1/access-requests', ask).expect(201);
      const after = await waitFor(4, patient);
      expect(after.slice(1)).toEqual(marked);
      expect(after[0]!.seq).toBe('0000000000000004');
    } finally {
      await h.gateway.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
