/**
 * Real hangs on the development network: each dependency's process is stopped with SIGSTOP (its port still
 * accepts connections, nothing answers), the gateway is asked for a download, an upload and `/ready`, and
 * the process is resumed with SIGCONT. Every answer must be a 503 naming the dependency within the default
 * deadlines (a request under 10 s, `/ready` under 2 s), and the interrupted upload must leave no pin and no
 * record, also after the process resumed and finished whatever it still held.
 *
 * Kubo is a private daemon of this suite (its pins are then exactly this suite's); the peer, the Firestore
 * emulator and the Auth emulator are the network's own (their process groups from network/.state/pids), which
 * is why the network suites run one file at a time (jest.network.config.js).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import request, { type Response } from 'supertest';
import { GatewayHarness, someBytes } from '../support/gateway-harness.js';
import { startKubo, type KuboDaemon } from '../support/kubo-daemon.js';

const REQUEST_BOUND_MS = 10_000;
const READY_BOUND_MS = 2_000;
const PROBLEMS = 'https://careledger.dev/problems/';

/** The process group a network service was started in (network/lib/common.sh start_service). */
async function networkGroup(name: 'peer-a' | 'firestore' | 'auth'): Promise<number> {
  const pid = Number((await readFile(path.resolve('network/.state/pids', `${name}.pid`), 'utf8')).trim());
  if (!Number.isInteger(pid) || pid <= 1) throw new Error(`no process group recorded for ${name}`);
  return pid;
}

/** Runs `work` while the process group is stopped; always resumes it. */
async function whileHung<T>(group: number, work: () => Promise<T>): Promise<T> {
  process.kill(-group, 'SIGSTOP');
  try {
    return await work();
  } finally {
    process.kill(-group, 'SIGCONT');
  }
}

interface Timed {
  status: number;
  body: Record<string, unknown>;
  ms: number;
}

async function timed(call: PromiseLike<Response>): Promise<Timed> {
  const started = Date.now();
  const res = await call;
  return { status: res.status, body: res.body as Record<string, unknown>, ms: Date.now() - started };
}

/** Polls until `probe` holds (a resumed process catching up), for at most `ms`. */
async function eventually(probe: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > deadline) throw new Error('the dependency did not come back');
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** The recursive pins of a Kubo node. */
async function pins(kubo: KuboDaemon): Promise<string[]> {
  const res = await fetch(`${kubo.apiUrl}/pin/ls?type=recursive`, { method: 'POST', signal: AbortSignal.timeout(10_000) });
  const body = (await res.json()) as { Keys?: Record<string, unknown> };
  return Object.keys(body.Keys ?? {}).sort();
}

const measured: Record<string, Record<string, number>> = {};

describe('a dependency that hangs (SIGSTOP) answers 503 naming it, within the default deadlines', () => {
  let kubo: KuboDaemon;
  let h: GatewayHarness;
  let team: Awaited<ReturnType<GatewayHarness['aCareTeam']>>;
  let recordId: string;

  beforeAll(async () => {
    kubo = await startKubo();
    // The defaults are what is proven: only the private Kubo and no ciphertext cache (every read goes to Kubo).
    h = await GatewayHarness.start({ env: { CARELEDGER_KUBO_API_URL: kubo.apiUrl, CARELEDGER_CACHE_BYTES: '0' } });
    team = await h.aCareTeam();
    recordId = ((await team.doctor.upload('pat-1', someBytes(100_000)).expect(201)).body as { recordId: string }).recordId;
  }, 120_000);

  afterAll(async () => {
    process.stdout.write(`hung-dependencies: measured ms ${JSON.stringify(measured)}\n`);
    await h?.close();
    await kubo?.stop();
  });

  /** A download, a 3 MB upload and /ready at once, while `group` is stopped. */
  async function threeRequestsWhileHung(group: number) {
    return whileHung(group, () =>
      Promise.all([
        timed(team.patient.get(`/v1/records/${recordId}/content?purpose=PATRQT`)),
        timed(team.doctor.upload('pat-1', someBytes(3_000_000, 11))),
        timed(request(h.app).get('/ready')),
      ]),
    );
  }

  async function recordsOfPat1(): Promise<number> {
    return ((await team.patient.get('/v1/patients/pat-1/records').expect(200)).body as { records: unknown[] }).records.length;
  }

  it('Kubo stopped: download and upload answer 503 blob-store-unavailable, /ready names the blob store; the interrupted upload leaves no pin and no record', async () => {
    const pinsBefore = await pins(kubo);
    const [download, upload, ready] = await threeRequestsWhileHung(kubo.pid);
    measured.kubo = { download: download.ms, upload: upload.ms, ready: ready.ms };

    for (const r of [download, upload]) {
      expect({ status: r.status, type: r.body.type, dependency: r.body.dependency }).toEqual({ status: 503, type: `${PROBLEMS}blob-store-unavailable`, dependency: 'blob-store' });
      expect(r.ms).toBeLessThan(REQUEST_BOUND_MS);
    }
    expect(ready.status).toBe(503);
    expect(ready.body.checks).toMatchObject({ blobStore: 'unavailable', ledger: 'ok', permissionStore: 'ok' });
    expect(ready.ms).toBeLessThan(READY_BOUND_MS);

    // Resumed, Kubo reads what was still in its socket: give it time to finish (or fail) that add.
    await eventually(async () => (await request(h.app).get('/ready')).status === 200);
    await new Promise((r) => setTimeout(r, 3_000));
    expect(await pins(kubo)).toEqual(pinsBefore);
    expect(await recordsOfPat1()).toBe(1);
  });

  it("Hospital A's peer stopped: download and upload answer 503 ledger-unavailable, /ready names the ledger; no record is added", async () => {
    const [download, upload, ready] = await threeRequestsWhileHung(await networkGroup('peer-a'));
    measured.peer = { download: download.ms, upload: upload.ms, ready: ready.ms };

    for (const r of [download, upload]) {
      expect({ status: r.status, type: r.body.type, dependency: r.body.dependency }).toEqual({ status: 503, type: `${PROBLEMS}ledger-unavailable`, dependency: 'ledger' });
      expect(r.ms).toBeLessThan(REQUEST_BOUND_MS);
    }
    expect(ready.status).toBe(503);
    expect(ready.body.checks).toMatchObject({ ledger: 'unavailable', blobStore: 'ok' });
    expect(ready.ms).toBeLessThan(READY_BOUND_MS);

    await eventually(async () => (await request(h.app).get('/ready')).status === 200);
    expect(await recordsOfPat1()).toBe(1);
  });

  it('Firestore stopped: the access-request list answers 503 permission-store-unavailable, /ready names the permission store', async () => {
    const [list, ready] = await whileHung(await networkGroup('firestore'), () =>
      Promise.all([timed(team.patient.get('/v1/access-requests?status=pending')), timed(request(h.app).get('/ready'))]),
    );
    measured.firestore = { list: list.ms, ready: ready.ms };

    expect({ status: list.status, type: list.body.type, dependency: list.body.dependency }).toEqual({ status: 503, type: `${PROBLEMS}permission-store-unavailable`, dependency: 'permission-store' });
    expect(list.ms).toBeLessThan(REQUEST_BOUND_MS);
    expect(ready.status).toBe(503);
    expect(ready.body.checks).toMatchObject({ permissionStore: 'unavailable', ledger: 'ok', blobStore: 'ok' });
    expect(ready.ms).toBeLessThan(READY_BOUND_MS);
    await eventually(async () => (await request(h.app).get('/ready')).status === 200);
  });

  it('the Auth emulator stopped: a request with a token answers 503 auth-unavailable, not 401 and not a hang', async () => {
    const me = await whileHung(await networkGroup('auth'), () => timed(team.patient.get('/v1/me')));
    measured.auth = { me: me.ms };

    expect({ status: me.status, type: me.body.type, dependency: me.body.dependency }).toEqual({ status: 503, type: `${PROBLEMS}auth-unavailable`, dependency: 'auth' });
    expect(me.ms).toBeLessThan(REQUEST_BOUND_MS);
    await eventually(async () => (await team.patient.get('/v1/me')).status === 200);
  });
});
