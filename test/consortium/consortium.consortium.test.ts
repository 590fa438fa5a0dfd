/**
 * The consortium topology (`npm run network:up -- --topology consortium`), driven from outside as the
 * hospitals' clients would: every call goes to a hospital's own gateway, Kubo node, orderer or peer over
 * the bridge, each in its own network namespace. Proves that
 * - the three orderers form one Raft cluster: with one of them stopped, transactions still commit, and the
 *   stopped orderer catches up when it comes back;
 * - a record uploaded at Hospital A is read at Hospital B's gateway under consent, its blocks travelling from
 *   A's Kubo node to B's over bitswap (B's node held none of them before the read);
 * - the swarm is private: B's node neither reaches nor is reached by a node without the swarm key;
 * - the chaincode's collection config covers all three orgs (Hospital C registers users in its own directory);
 * - drills: with A's Kubo node stopped, B serves the records it replicated and answers 503 for the others;
 *   a peer stopped under writes catches up after a restart.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { watch } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { emulatorIdToken } from '../../gateway/src/adapters/firebase-auth/emulator-id-token.js';
import { callGateway } from '../support/consortium-gateway.js';

const run = promisify(execFile);
const SCRIPT = path.resolve('network/consortium.sh');
const IPFS = path.resolve('network/.bin/ipfs');
const PEER = path.resolve('network/.bin/peer');
const SUMMARY = path.resolve(process.env.CARELEDGER_CONSORTIUM_DIR ?? 'network/.consortium', 'consortium.json');

interface Hospital {
  name: string;
  mspId: string;
  namespace: string;
  address: string;
  dir: string;
  peers: [string, string];
  peerTlsCa: string;
  ordererOperations: string;
  kuboApi: string;
  kuboSwarm: string;
  gateway: string;
}
interface Consortium {
  channel: string;
  bridge: { address: string };
  cloud: { auth: string; firestore: string; projectId: string };
  hospitals: Hospital[];
}

let consortium: Consortium;
const hospital = (name: string) => consortium.hospitals.find((h) => h.name === name)!;
const unique = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A call to a hospital's gateway as `uid` (an Auth emulator token, as the portal would send). */
const call = (h: Hospital, uid: string, method: string, url: string, body?: object | FormData) => callGateway(consortium.cloud.auth, h.gateway, uid, method, url, body);

async function registerUser(h: Hospital, userId: string, role: string): Promise<number> {
  return (await call(h, `${h.name}-admin`, 'POST', '/v1/users', { userId, role })).status;
}

/** POST to a Kubo node's RPC API; resolves with the HTTP status and the parsed answer. */
async function kubo(api: string, command: string, args: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${api}/api/v0/${command}?${new URLSearchParams(args)}`, { method: 'POST', signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text.trim().split('\n').pop() ?? '{}') as Record<string, unknown>;
  } catch {
    body = { text };
  }
  return { status: res.status, body };
}

async function recursivePins(h: Hospital): Promise<Set<string>> {
  const { body } = await kubo(h.kuboApi, 'pin/ls', { type: 'recursive' });
  return new Set(Object.keys((body.Keys ?? {}) as object));
}

/** One value of a Prometheus metric for the channel, from a Fabric node's operations endpoint. */
async function metric(operations: string, name: string): Promise<number | undefined> {
  const text = await (await fetch(`${operations}/metrics`, { signal: AbortSignal.timeout(5_000) })).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(`channel="${consortium.channel}"`));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}
const isLeader = async (h: Hospital) => (await metric(h.ordererOperations, 'consensus_etcdraft_is_leader').catch(() => 0)) === 1;
const height = (h: Hospital) => metric(h.ordererOperations, 'ledger_blockchain_height').catch(() => undefined);

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined | false>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(500);
  }
}

/** How long the raft drill keeps its load on while the leader orderer is down (ms). */
const LOAD_WITH_ORDERER_DOWN_MS = Number(process.env.CARELEDGER_DRILL_LOAD_MS ?? 15_000);
/** One logical request may take this long over its retries before it counts as failed (ms). */
const RETRY_BUDGET_MS = 45_000;

/**
 * Concurrent clients writing through the gateways. Each request (a new user in the gateway's own directory) is
 * retried while the gateway answers 503 (the ledger did not commit in time), within {@link RETRY_BUDGET_MS}; a 409
 * on a retry means an earlier attempt did commit. Anything else, or a request still failing at the end of its
 * budget, is a failure.
 */
class Load {
  private running = true;
  private readonly done: { at: number; ms: number; attempts: number; ok: boolean }[] = [];

  async client(h: Hospital): Promise<void> {
    while (this.running) {
      const userId = unique('load');
      const t0 = Date.now();
      let attempts = 0;
      let ok = false;
      while (Date.now() - t0 < RETRY_BUDGET_MS) {
        attempts++;
        const status = await registerUser(h, userId, 'practitioner').catch(() => 0);
        if (status === 201 || (status === 409 && attempts > 1)) {
          ok = true;
          break;
        }
        if (status !== 503 && status !== 0) break;
        await sleep(500);
      }
      this.done.push({ at: Date.now(), ms: Date.now() - t0, attempts, ok });
    }
  }

  stop(): void {
    this.running = false;
  }

  commitsAfter(t: number): number {
    return this.done.filter((d) => d.ok && d.at > t).length;
  }

  summary(stoppedAt: number) {
    const ms = this.done.map((d) => d.ms).sort((x, y) => x - y);
    const firstAfter = this.done.filter((d) => d.ok && d.at > stoppedAt).map((d) => d.at - stoppedAt);
    return {
      committed: this.done.filter((d) => d.ok).length,
      failed: this.done.filter((d) => !d.ok).length,
      retried: this.done.reduce((n, d) => n + d.attempts - 1, 0),
      maxAttempts: Math.max(0, ...this.done.map((d) => d.attempts)),
      firstCommitAfterStopMs: firstAfter.length > 0 ? Math.min(...firstAfter) : undefined,
      p50: ms[Math.floor(ms.length / 2)],
      max: ms[ms.length - 1],
    };
  }
}

/**
 * A call to a hospital's gateway from inside that hospital's namespace (curl there), with a token obtained
 * beforehand: what its own staff would still reach while the hospital's link is down.
 */
async function callInside(h: Hospital, token: string, method: string, url: string, body?: object): Promise<{ status: number; bytes: number; body: string }> {
  const args = ['netns', 'exec', h.namespace, 'curl', '-s', '-m', '30', '-X', method, '-H', `authorization: Bearer ${token}`, '-w', '\n%{http_code} %{size_download}'];
  if (body) args.push('-H', 'content-type: application/json', '--data', JSON.stringify(body));
  args.push(`${h.gateway}${url}`);
  const { stdout } = await run('ip', args, { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 });
  const lastLine = stdout.slice(stdout.lastIndexOf('\n') + 1).split(' ');
  return { status: Number(lastLine[0]), bytes: Number(lastLine[1]), body: stdout.slice(0, stdout.lastIndexOf('\n')) };
}

/** The `code` of a problem answer (what the drill prints), or '' when the body is not one. */
function problemCode(body: string): string {
  try {
    return String((JSON.parse(body) as { code?: string }).code ?? '');
  } catch {
    return '';
  }
}

/** The environment of the peer CLI acting as a hospital's admin against one of its peers (over the bridge). */
function peerEnv(h: Hospital, peer: 0 | 1): NodeJS.ProcessEnv {
  const domain = `${h.name}.careledger.local`;
  return {
    ...process.env,
    FABRIC_CFG_PATH: path.join(path.dirname(SUMMARY), 'shared', 'config', 'peer'),
    CORE_PEER_LOCALMSPID: h.mspId,
    CORE_PEER_TLS_ENABLED: 'true',
    CORE_PEER_ADDRESS: h.peers[peer],
    CORE_PEER_TLS_ROOTCERT_FILE: h.peerTlsCa,
    CORE_PEER_MSPCONFIGPATH: path.join(h.dir, 'crypto', 'peerOrganizations', domain, 'users', `Admin@${domain}`, 'msp'),
  };
}

/** A chaincode query on one given peer of a hospital, as the hospital's admin (the peer CLI over the bridge). */
async function queryPeer(h: Hospital, peer: 0 | 1, args: string[]): Promise<{ ok: boolean; out: string }> {
  const env = peerEnv(h, peer);
  try {
    const { stdout } = await run(PEER, ['chaincode', 'query', '-C', consortium.channel, '-n', 'careledger', '-c', JSON.stringify({ Args: args })], { env, timeout: 30_000 });
    return { ok: true, out: stdout.trim() };
  } catch (error) {
    return { ok: false, out: String((error as { stderr?: string }).stderr ?? error).trim().slice(-300) };
  }
}

/** A document of the permission store (Firestore emulator REST; `owner` reads past the security rules). */
async function firestoreDoc(pathInDb: string): Promise<Record<string, { stringValue?: string }> | undefined> {
  const url = `http://${consortium.cloud.firestore}/v1/projects/${consortium.cloud.projectId}/databases/(default)/documents/${pathInDb}`;
  const res = await fetch(url, { headers: { authorization: 'Bearer owner' }, signal: AbortSignal.timeout(10_000) });
  if (res.status === 404) return undefined;
  if (res.status !== 200) throw new Error(`firestore ${res.status}`);
  return ((await res.json()) as { fields: Record<string, { stringValue?: string }> }).fields;
}

const service = (action: 'start' | 'stop', h: Hospital, name: string) => run('bash', [SCRIPT, action, h.name, name], { timeout: 180_000 });

beforeAll(async () => {
  try {
    consortium = JSON.parse(await readFile(SUMMARY, 'utf8')) as Consortium;
  } catch {
    throw new Error(`the consortium is not up (no ${SUMMARY}): npm run network:up -- --topology consortium`);
  }
  expect(consortium.hospitals.map((h) => h.name)).toEqual(['hospital-a', 'hospital-b', 'hospital-c']);
});

describe('the consortium topology', () => {
  it('raft drill: the leader orderer stopped under concurrent client load; every request commits within bounded retries, and it catches up when restarted', async () => {
    const sizes = await Promise.all(consortium.hospitals.map((h) => metric(h.ordererOperations, 'consensus_etcdraft_cluster_size')));
    expect(sizes).toEqual([3, 3, 3]);
    const leaders = await Promise.all(consortium.hospitals.map(isLeader));
    expect(leaders.filter(Boolean)).toHaveLength(1);
    const stopped = consortium.hospitals[leaders.indexOf(true)];
    const before = (await height(stopped))!;
    // Load: one client per hospital's gateway writing back to back (each write is a new user in that hospital's
    // directory: endorsed by its own peers, ordered by the three orderers), including the gateway of the hospital
    // whose orderer is stopped — its peers must reach the other hospitals' orderers.
    const load = new Load();
    const clients = consortium.hospitals.map((h) => load.client(h));
    await sleep(3_000);
    await service('stop', stopped, 'orderer');
    const stoppedAt = Date.now();
    let restarted = false;
    try {
      await sleep(LOAD_WITH_ORDERER_DOWN_MS);
      // A commit after the stop proves the remaining two elected a leader and order.
      await until('a write commits after the leader stopped', 45_000, async () => load.commitsAfter(stoppedAt) > 0);
      const others = consortium.hospitals.filter((h) => h !== stopped);
      expect((await Promise.all(others.map(isLeader))).filter(Boolean)).toHaveLength(1);
    } finally {
      load.stop();
      await Promise.allSettled(clients);
      await service('start', stopped, 'orderer');
      restarted = true;
    }
    const summary = load.summary(stoppedAt);
    console.log(
      `raft drill: ${consortium.hospitals.length} clients wrote through the gateways while the leader orderer of ${stopped.name} was stopped for ${LOAD_WITH_ORDERER_DOWN_MS / 1000} s: ` +
        `${summary.committed} requests committed, ${summary.failed} failed beyond retries; ${summary.retried} attempts answered 503 and were retried ` +
        `(at most ${summary.maxAttempts} attempts for one request); first commit after the stop ${summary.firstCommitAfterStopMs} ms; ` +
        `request latency p50 ${summary.p50} ms, max ${summary.max} ms`,
    );
    expect(restarted).toBe(true);
    expect(summary.failed).toBe(0);
    expect(summary.committed).toBeGreaterThanOrEqual(consortium.hospitals.length);
    const target = (await height(consortium.hospitals.find((h) => h !== stopped)!))!;
    expect(target).toBeGreaterThan(before + 3);
    const t1 = Date.now();
    await until(`the restarted orderer of ${stopped.name} reaches height ${target}`, 60_000, async () => ((await height(stopped)) ?? 0) >= target);
    console.log(`raft drill: the restarted orderer caught up from height ${before} to ${target} in ${Date.now() - t1} ms`);
  }, 240_000);

  it("a record uploaded at A is read at B's gateway under consent, B's Kubo fetching its blocks from A's over bitswap", async () => {
    const [a, b] = [hospital('hospital-a'), hospital('hospital-b')];
    const [patient, doctorA, doctorB] = [unique('pat'), unique('doc-a'), unique('doc-b')];
    expect(await registerUser(a, patient, 'patient')).toBe(201);
    expect(await registerUser(a, doctorA, 'practitioner')).toBe(201);
    expect(await registerUser(b, doctorB, 'practitioner')).toBe(201);

    const pinsBefore = await recursivePins(a);
    const content = randomBytes(700_000); // three blocks of 256 KiB
    const form = new FormData();
    form.set('title', 'Discharge letter');
    form.set('category', 'report');
    form.set('file', new Blob([content], { type: 'application/pdf' }), 'letter.pdf');
    const upload = await call(a, doctorA, 'POST', `/v1/patients/${patient}/records`, form);
    expect(upload.status).toBe(201);
    const recordId = upload.body.recordId as string;
    const added = [...(await recursivePins(a))].filter((cid) => !pinsBefore.has(cid));
    expect(added).toHaveLength(1);
    const cid = added[0];

    // B's node holds none of it yet, and before the consent B's peers hold nothing of the record: 404.
    expect((await kubo(b.kuboApi, 'block/stat', { arg: cid, offline: 'true' })).status).not.toBe(200);
    expect((await call(b, doctorB, 'GET', `/v1/records/${recordId}/content?purpose=TREAT`)).status).toBe(404);
    const aPeer = a.kuboSwarm.slice(a.kuboSwarm.lastIndexOf('/') + 1);
    const recvBefore = Number((await kubo(b.kuboApi, 'bitswap/ledger', { arg: aPeer })).body.Recv ?? 0);

    const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
    const consent = await call(a, patient, 'POST', `/v1/patients/${patient}/consents`, {
      grantee: { kind: 'org', org: b.mspId },
      scope: { categories: ['report'] },
      purposes: ['TREAT'],
      expiresAt,
    });
    expect(consent.status).toBe(201);
    const read = await call(b, doctorB, 'GET', `/v1/records/${recordId}/content?purpose=TREAT`);
    expect(read.status).toBe(200);
    expect(Buffer.compare(read.raw, content)).toBe(0);

    // The blocks are now in B's own store, and they came from A's node over bitswap.
    expect((await kubo(b.kuboApi, 'block/stat', { arg: cid, offline: 'true' })).status).toBe(200);
    const recvAfter = Number((await kubo(b.kuboApi, 'bitswap/ledger', { arg: aPeer })).body.Recv ?? 0);
    expect(recvAfter - recvBefore).toBeGreaterThanOrEqual(content.length);
    console.log(`bitswap: B's node received ${recvAfter - recvBefore} bytes from A's for a ${content.length}-byte record`);
    // B keeps a replica of what it may read: pinned on B's own node.
    await until("B's node pins the record it read", 30_000, async () => (await recursivePins(b)).has(cid));

    // Kubo drill: A's node stops. B still serves the record it holds; a record B gets access to while A's node is
    // down cannot be replicated (A holds the only copy): its read is unavailable (503), not lost, and once A's node
    // is back B reads it and its replica keeper's sweep pins it.
    const other = new FormData();
    other.set('title', 'Lab report');
    other.set('category', 'lab-result');
    const otherContent = randomBytes(300_000);
    other.set('file', new Blob([otherContent], { type: 'application/pdf' }), 'lab.pdf');
    const pinsBeforeSecond = await recursivePins(a);
    const second = await call(a, doctorA, 'POST', `/v1/patients/${patient}/records`, other);
    expect(second.status).toBe(201);
    const secondCid = [...(await recursivePins(a))].find((c) => !pinsBeforeSecond.has(c))!;
    await service('stop', a, 'kubo');
    try {
      const labs = await call(a, patient, 'POST', `/v1/patients/${patient}/consents`, { grantee: { kind: 'org', org: b.mspId }, scope: { categories: ['lab-result'] }, purposes: ['TREAT'], expiresAt });
      expect(labs.status).toBe(201);
      const again = await call(b, doctorB, 'GET', `/v1/records/${recordId}/content?purpose=TREAT`);
      expect(again.status).toBe(200);
      expect(Buffer.compare(again.raw, content)).toBe(0);
      const t0 = Date.now();
      const missing = await call(b, doctorB, 'GET', `/v1/records/${second.body.recordId as string}/content?purpose=TREAT`);
      expect(missing.status).toBe(503);
      console.log(`kubo drill: A's node stopped; B served its replica (200) and answered 503 for a record it could not replicate after ${Date.now() - t0} ms`);
    } finally {
      await service('start', a, 'kubo');
    }
    await until("B's node reconnects to A's", 60_000, async () => JSON.stringify((await kubo(b.kuboApi, 'swarm/peers')).body).includes(aPeer));
    const later = await call(b, doctorB, 'GET', `/v1/records/${second.body.recordId as string}/content?purpose=TREAT`);
    expect(later.status).toBe(200);
    expect(Buffer.compare(later.raw, otherContent)).toBe(0);
    await until("B's node keeps a replica of the record once A's node is back", 60_000, async () => (await recursivePins(b)).has(secondCid));
  }, 240_000);

  it("peer drill: A's peer1 stopped under writes and restarted catches up blocks and the private data written meanwhile", async () => {
    const a = hospital('hospital-a');
    const peerOps = (n: number) => `http://${a.address}:${n === 0 ? 9443 : 9444}`;
    await service('stop', a, 'peer1');
    // If peer1 was the org's elected leader (the one pulling blocks from the orderers), peer0 takes over after the
    // leader-alive threshold: a write meanwhile answers 503 and is retried, within bounds.
    let failures = 0;
    const written: string[] = [];
    try {
      for (let i = 0; i < 5; i++) {
        const userId = unique('doc');
        await until('a write commits with peer1 down', 45_000, async () => {
          const status = await registerUser(a, userId, 'practitioner');
          if (status === 201) return true;
          failures++;
          expect([409, 503]).toContain(status); // 409: an earlier attempt did commit
          return status === 409;
        });
        written.push(userId);
      }
    } finally {
      await service('start', a, 'peer1');
    }
    const target = (await metric(peerOps(0), 'ledger_blockchain_height'))!;
    const t0 = Date.now();
    await until("A's peer1 reaches peer0's height", 60_000, async () => ((await metric(peerOps(1), 'ledger_blockchain_height').catch(() => 0)) ?? 0) >= target);
    const blocksMs = Date.now() - t0;
    // The users are private data (A's directory collection): peer1 got only their hashes in the blocks; it must
    // get the data itself from peer0 (pulled at commit, or reconciled later), and answer for every one of them.
    const missing = async () => (await Promise.all(written.map((u) => queryPeer(a, 1, ['registry:GetUser', u])))).filter((r) => !r.ok);
    let last: { ok: boolean; out: string }[] = [];
    await until("A's peer1 answers for every user written while it was down", 120_000, async () => (last = await missing()).length === 0).catch((e: Error) => {
      throw new Error(`${e.message}; ${last.length} of ${written.length} missing, e.g. ${last[0]?.out}`);
    });
    const privateMs = Date.now() - t0;
    const user = JSON.parse((await queryPeer(a, 1, ['registry:GetUser', written[4]])).out) as { userId: string; role: string };
    expect(user).toMatchObject({ userId: written[4], role: 'practitioner' });
    console.log(
      `peer drill: 5 of 5 writes committed with A's peer1 down (${failures} attempts answered 503 and were retried); restarted, it reached height ${target} in ${blocksMs} ms ` +
        `and answered for all 5 private users written meanwhile after ${privateMs} ms`,
    );
  }, 240_000);

  it("partition drill: B's link down — A serves its patients, B answers 503 on ledger calls and releases no key; healed, B catches up and its projection is complete", async () => {
    const [a, b] = [hospital('hospital-a'), hospital('hospital-b')];
    const [patientA, doctorA, patientB, doctorB] = [unique('pat-a'), unique('doc-a'), unique('pat-b'), unique('doc-b')];
    for (const [h, u, role] of [[a, patientA, 'patient'], [a, doctorA, 'practitioner'], [b, patientB, 'patient'], [b, doctorB, 'practitioner']] as const) {
      expect(await registerUser(h, u, role)).toBe(201);
    }
    const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
    const content = randomBytes(200_000);
    const upload = async (title: string, category: string, bytes: Uint8Array<ArrayBuffer>) => {
      const form = new FormData();
      form.set('title', title);
      form.set('category', category);
      form.set('file', new Blob([bytes], { type: 'application/pdf' }), 'file.pdf');
      return call(a, doctorA, 'POST', `/v1/patients/${patientA}/records`, form);
    };
    const record = await upload('Discharge letter', 'report', content);
    expect(record.status).toBe(201);
    const recordId = record.body.recordId as string;
    const toB = { grantee: { kind: 'org', org: b.mspId }, scope: { categories: ['report'] }, purposes: ['TREAT'], expiresAt };
    expect((await call(a, patientA, 'POST', `/v1/patients/${patientA}/consents`, toB)).status).toBe(201);
    expect((await call(b, doctorB, 'GET', `/v1/records/${recordId}/content?purpose=TREAT`)).status).toBe(200);
    // B's own patient's consent to A: in B's permission store (the projection B's gateway keeps) before the partition.
    const toA = { grantee: { kind: 'org', org: a.mspId }, scope: { categories: ['report'] }, purposes: ['TREAT'], expiresAt };
    const before = await call(b, patientB, 'POST', `/v1/patients/${patientB}/consents`, toA);
    expect(before.status).toBe(201);
    const projected = (consentId: string) => firestoreDoc(`${b.name}-grants/${consentId}`);
    await until("B's projection holds the consent granted before the partition", 30_000, async () => (await projected(before.body.consentId as string)) !== undefined);
    // Tokens for B's users are taken now: the Auth emulator is in the cloud namespace, out of B's reach soon.
    const [tokenDoctorB, tokenPatientB, tokenAdminB] = await Promise.all([doctorB, patientB, `${b.name}-admin`].map((u) => emulatorIdToken(consortium.cloud.auth, u)));

    const peerHeight = (h: Hospital, n = 0) => metric(`http://${h.address}:${n === 0 ? 9443 : 9444}`, 'ledger_blockchain_height').catch(() => undefined);
    await run('ip', ['-n', b.namespace, 'link', 'set', 'eth0', 'down']);
    const cut = Date.now();
    let healed = false;
    let lastEventBlock = -1;
    const outcome: string[] = [];
    try {
      // A keeps serving A's patients (a write may meet a Raft election if B's orderer led: bounded retries).
      const retried = async (what: string, attempt: () => Promise<number>, ok = 201) => {
        const t0 = Date.now();
        await until(`${what} during the partition`, 45_000, async () => (await attempt()) === ok);
        outcome.push(`${what} ${ok} in ${Date.now() - t0} ms`);
      };
      await retried('A registers a user', () => registerUser(a, unique('doc-a'), 'practitioner'));
      await retried("A's patient reads its profile", async () => (await call(a, patientA, 'GET', '/v1/me')).status, 200);
      const toC = { grantee: { kind: 'org', org: hospital('hospital-c').mspId }, scope: { categories: ['lab-result'] }, purposes: ['TREAT'], expiresAt };
      await retried("A's patient grants Hospital C a consent", async () => (await call(a, patientA, 'POST', `/v1/patients/${patientA}/consents`, toC)).status);
      await retried("A uploads a record for its patient", async () => (await upload('Lab report', 'lab-result', randomBytes(50_000))).status);
      // The upload's block (it carries a RecordCreated event) is the last one committed: B's projector must pass it.
      lastEventBlock = ((await peerHeight(a)) ?? 1) - 1;

      // B, seen from inside its namespace: every ledger write answers 503; the record it may read is not released.
      const t0 = Date.now();
      const read = await callInside(b, tokenDoctorB, 'GET', `/v1/records/${recordId}/content?purpose=TREAT`);
      outcome.push(`B's doctor reading a consented record: ${read.status} ${problemCode(read.body)} after ${Date.now() - t0} ms, ${read.bytes} bytes`);
      expect(read.status).toBe(503);
      expect(read.bytes).toBeLessThan(content.length);
      expect(read.body).not.toContain(content.subarray(0, 64).toString('base64'));
      const t1 = Date.now();
      const consent = await callInside(b, tokenPatientB, 'POST', `/v1/patients/${patientB}/consents`, toA);
      outcome.push(`B's patient granting a consent: ${consent.status} ${problemCode(consent.body)} after ${Date.now() - t1} ms`);
      expect(consent.status).toBe(503);
      const register = await callInside(b, tokenAdminB, 'POST', '/v1/users', { userId: unique('doc-b'), role: 'practitioner' });
      outcome.push(`B's admin registering a user: ${register.status} ${problemCode(register.body)}`);
      expect(register.status).toBe(503);
    } finally {
      await run('ip', ['-n', b.namespace, 'link', 'set', 'eth0', 'up']);
      healed = true;
    }
    const partitionMs = Date.now() - cut;
    expect(healed).toBe(true);
    // Healed: B's peers catch up with every block committed meanwhile, and B's projector (following its own peer's
    // events from its checkpoint) gets past the last of them.
    const target = (await peerHeight(a))!;
    const t2 = Date.now();
    await until("B's peers reach A's height", 90_000, async () => ((await peerHeight(b, 0)) ?? 0) >= target && ((await peerHeight(b, 1)) ?? 0) >= target);
    const catchUpMs = Date.now() - t2;
    const checkpoint = async () => {
      const doc = await firestoreDoc(`${b.name}-checkpoints/ledger-events`).catch(() => undefined);
      return doc?.value?.stringValue === undefined ? -1 : Number((JSON.parse(doc.value.stringValue) as { blockNumber: string }).blockNumber);
    };
    expect(lastEventBlock).toBeGreaterThan(0);
    await until("B's projector passes the last block committed during the partition", 90_000, async () => (await checkpoint()) >= lastEventBlock);
    const projectorMs = Date.now() - t2;
    // Nothing lost, nothing half-made: B's patient has exactly the consent granted before (the refused one left
    // nothing), B serves again, and a new consent reaches B's projection.
    const after = await until("B's patient grants the consent again", 45_000, async () => {
      const r = await call(b, patientB, 'POST', `/v1/patients/${patientB}/consents`, toA);
      return r.status === 201 ? r : undefined;
    });
    const list = await call(b, patientB, 'GET', `/v1/patients/${patientB}/consents`);
    const ids = (JSON.parse(list.raw.toString('utf8')) as { consentId: string }[]).map((c) => c.consentId).sort();
    expect(ids).toEqual([before.body.consentId as string, after.body.consentId as string].sort());
    await until("B's projection holds both consents", 30_000, async () => (await Promise.all(ids.map(projected))).every((d) => d !== undefined));
    const again = await call(b, doctorB, 'GET', `/v1/records/${recordId}/content?purpose=TREAT`);
    expect(again.status).toBe(200);
    expect(Buffer.compare(again.raw, content)).toBe(0);
    console.log(
      `partition drill: B's link down for ${partitionMs} ms. ${outcome.join('; ')}. Healed: B's peers reached height ${target} in ${catchUpMs} ms, ` +
        `B's projector passed block ${lastEventBlock} (the last with an event) after ${projectorMs} ms; B's patient has exactly its 2 consents, both in B's projection; B's doctor reads again (200)`,
    );
  }, 360_000);

  it("gateway kill drill: A's gateway killed in the middle of an upload leaves no record, and its orphaned blob is swept after a restart", async () => {
    const a = hospital('hospital-a');
    const [patient, doctor] = [unique('pat'), unique('doc')];
    expect(await registerUser(a, patient, 'patient')).toBe(201);
    expect(await registerUser(a, doctor, 'practitioner')).toBe(201);
    const pending = path.join(a.dir, 'gateway', 'pending-uploads');
    await mkdir(pending, { recursive: true });
    // An upload that completes leaves no note behind (the sweep never sees a committed record's blob).
    const done = new FormData();
    done.set('title', 'Referral');
    done.set('category', 'report');
    done.set('file', new Blob([randomBytes(10_000)], { type: 'application/pdf' }), 'referral.pdf');
    expect((await call(a, doctor, 'POST', `/v1/patients/${patient}/records`, done)).status).toBe(201);
    expect((await readdir(pending)).filter((n) => n.endsWith('.json'))).toEqual([]);
    // The gateway notes an upload between Kubo and the ledger in its data dir: kill it (SIGKILL, its whole process
    // group) the moment the note appears — the blob is pinned, the record's transaction not yet made. Should the
    // kill land after the gateway moved on to sending the transaction (a loaded machine), that upload is legitimately
    // kept (it may have committed): the drill starts the gateway again and tries once more, up to three times.
    const killDuringUpload = async (title: string) => {
      const pinsBefore = await recursivePins(a);
      const pid = Number((await readFile(path.join(a.dir, 'pids', 'gateway.pid'), 'utf8')).trim());
      const ac = new AbortController();
      let killedAt = 0;
      const noted = new Promise<string>((resolve) => {
        const watcher = watch(pending, { signal: ac.signal }, (_event, name) => {
          if (!name?.endsWith('.json') || killedAt) return;
          killedAt = Date.now();
          process.kill(-pid, 'SIGKILL');
          watcher.close();
          resolve(name.slice(0, -'.json'.length));
        });
        watcher.on('error', () => undefined);
      });
      const form = new FormData();
      form.set('title', title);
      form.set('category', 'imaging');
      form.set('file', new Blob([randomBytes(2_000_000)], { type: 'application/pdf' }), 'scan.pdf');
      const started = Date.now();
      const answer = await call(a, doctor, 'POST', `/v1/patients/${patient}/records`, form).then(
        (r) => String(r.status),
        (e: Error) => `no answer (${(e.cause as { code?: string } | undefined)?.code ?? e.name})`,
      );
      const cid = await Promise.race([noted, sleep(10_000).then(() => undefined)]);
      ac.abort();
      expect(cid).toBeDefined();
      expect(answer).not.toBe('201');
      const stage = (JSON.parse(await readFile(path.join(pending, `${cid}.json`), 'utf8')) as { stage: string }).stage;
      expect((await recursivePins(a)).has(cid!)).toBe(true);
      expect(pinsBefore.has(cid!)).toBe(false);
      return { cid: cid!, stage, answer, killedMs: killedAt - started };
    };
    let kill: Awaited<ReturnType<typeof killDuringUpload>> | undefined;
    const late: string[] = [];
    let logMark = 0;
    let t0 = 0;
    let restartMs = 0;
    for (let attempt = 1; attempt <= 3 && kill?.stage !== 'stored'; attempt++) {
      kill = await killDuringUpload(`Scan ${attempt}`);
      if (kill.stage !== 'stored') late.push(kill.stage);
      logMark = (await readFile(path.join(a.dir, 'logs', 'gateway.log'), 'utf8')).length;
      t0 = Date.now();
      await service('start', a, 'gateway');
      restartMs = Date.now() - t0;
    }
    expect(kill!.stage).toBe('stored');
    const { cid, answer, killedMs } = kill!;
    // No half-made record: the patient sees the record that completed, not the one killed before its transaction.
    const list = await call(a, patient, 'GET', `/v1/patients/${patient}/records`);
    expect(list.status).toBe(200);
    const titles = (list.body.records as { title: string }[]).map((r) => r.title);
    expect(titles).toContain('Referral');
    expect(titles).not.toContain(`Scan ${late.length + 1}`);
    // The sweep (at start, then every 5 s; grace 15 s on the consortium) unpins the blob and says so in the log.
    await until("A's gateway sweeps the orphaned blob", 60_000, async () => !(await recursivePins(a)).has(cid));
    const sweptMs = Date.now() - t0;
    const log = (await readFile(path.join(a.dir, 'logs', 'gateway.log'), 'utf8')).slice(logMark);
    const line = log.split('\n').find((l) => l.includes('orphan sweep: removed'));
    expect(line).toBeDefined();
    expect(line).toContain('"swept":1');
    for (const secret of [patient, doctor, cid]) expect(line).not.toContain(secret);
    expect(await readdir(pending)).not.toContain(`${cid}.json`);
    console.log(
      `gateway kill drill: SIGKILL ${killedMs} ms into a 2 MB upload (the client got ${answer}), blob pinned, record transaction not sent` +
        `${late.length > 0 ? ` (${late.length} earlier kill(s) landed after the transaction was sent: kept)` : ''}; restarted in ${restartMs} ms, no record made; the sweep unpinned the blob ${sweptMs} ms after the restart and logged ${line!.slice(line!.indexOf('{"swept"'), line!.indexOf('}', line!.indexOf('{"swept"')) + 1)}`,
    );
  }, 240_000);

  it("the swarm is private: B's node and a node without the swarm key cannot connect, either way", async () => {
    const [a, b] = [hospital('hospital-a'), hospital('hospital-b')];
    const repo = await mkdtemp(path.join(tmpdir(), 'careledger-outsider-'));
    const env: NodeJS.ProcessEnv = { ...process.env, IPFS_PATH: repo, IPFS_TELEMETRY: 'off' };
    delete env.LIBP2P_FORCE_PNET;
    const host = consortium.bridge.address;
    let outsider: ChildProcess | undefined;
    try {
      await run(IPFS, ['init', '--profile=test'], { env });
      await run(IPFS, ['config', 'Addresses.API', `/ip4/${host}/tcp/5190`], { env });
      await run(IPFS, ['config', 'Addresses.Gateway', `/ip4/${host}/tcp/8190`], { env });
      await run(IPFS, ['config', '--json', 'Addresses.Swarm', JSON.stringify([`/ip4/${host}/tcp/4190`])], { env });
      await run(IPFS, ['config', 'Routing.Type', 'none'], { env });
      const id = (await run(IPFS, ['config', 'Identity.PeerID'], { env })).stdout.trim();
      outsider = spawn(IPFS, ['daemon', '--migrate=false'], { env, stdio: 'ignore' });
      const api = `http://${host}:5190`;
      await until('the outsider node answers', 60_000, async () => (await kubo(api, 'id').catch(() => ({ status: 0 }))).status === 200);

      const toOutsider = await kubo(b.kuboApi, 'swarm/connect', { arg: `/ip4/${host}/tcp/4190/p2p/${id}` });
      expect(toOutsider.status).not.toBe(200);
      const fromOutsider = await kubo(api, 'swarm/connect', { arg: b.kuboSwarm });
      expect(fromOutsider.status).not.toBe(200);
      const peers = JSON.stringify((await kubo(b.kuboApi, 'swarm/peers')).body);
      expect(peers).not.toContain(id);
      // The same call between two members works: what failed was the key, not the address.
      expect((await kubo(b.kuboApi, 'swarm/connect', { arg: a.kuboSwarm })).status).toBe(200);
    } finally {
      if (outsider?.pid !== undefined && outsider.exitCode === null) {
        const exited = new Promise((resolve) => outsider!.once('exit', resolve));
        outsider.kill('SIGTERM');
        await Promise.race([exited, sleep(10_000)]);
        if (outsider.exitCode === null) outsider.kill('SIGKILL');
      }
      await rm(repo, { recursive: true, force: true });
    }
  }, 120_000);

  it("the chaincode's collections cover all three orgs: Hospital C registers users in its own directory", async () => {
    const c = hospital('hospital-c');
    expect((await call(c, 'hospital-c-admin', 'GET', '/v1/me')).status).toBe(200);
    expect(await registerUser(c, unique('doc-c'), 'practitioner')).toBe(201);
    const config = JSON.parse(await readFile(path.join(path.dirname(SUMMARY), 'shared', 'collections_config.json'), 'utf8')) as { name: string }[];
    const orgs = ['HospitalAMSP', 'HospitalBMSP', 'HospitalCMSP'];
    const shares = orgs.flatMap((home) => orgs.filter((reader) => reader !== home).map((reader) => `share_${home}_${reader}`));
    expect(config.map((k) => k.name).sort()).toEqual([...orgs.flatMap((o) => [`dir_${o}`, `org_${o}`]), ...shares].sort());
  }, 60_000);
});

/** The peer CLI acting as `h`'s admin against its peer `n` (what an operator of that hospital would run). */
async function peerCli(h: Hospital, n: 0 | 1, args: string[]): Promise<string> {
  const { stdout, stderr } = await run(PEER, args, { env: peerEnv(h, n), timeout: 60_000 });
  return stdout + stderr;
}

async function upload(h: Hospital, doctor: string, patient: string, content: Buffer<ArrayBuffer>): Promise<string> {
  const form = new FormData();
  form.set('title', 'Referral letter');
  form.set('category', 'report');
  form.set('file', new Blob([content], { type: 'application/pdf' }), 'referral.pdf');
  const res = await call(h, doctor, 'POST', `/v1/patients/${patient}/records`, form);
  expect(res.status).toBe(201);
  return res.body.recordId as string;
}

describe('adding a hospital to the running consortium (network/add-hospital.sh)', () => {
  it('hospital-d joins: its peers hold the channel and run the chaincode, its gateway serves its patients, and it reads an A record under consent over bitswap', async () => {
    const t0 = Date.now();
    const { stdout } = await run('bash', [path.resolve('network/add-hospital.sh'), 'd'], { timeout: 900_000, maxBuffer: 16 * 1024 * 1024 });
    const addMs = Date.now() - t0;
    console.log(`add-hospital: hospital-d added in ${addMs} ms\n${stdout.split('\n').filter((l) => / \(\d+(\.\d+)?s\)$/.test(l)).join('\n')}`);

    const after = JSON.parse(await readFile(SUMMARY, 'utf8')) as Consortium & { hospitals: (Hospital & { ordererMspId: string | null })[] };
    expect(after.hospitals.map((h) => h.name)).toEqual(['hospital-a', 'hospital-b', 'hospital-c', 'hospital-d']);
    const d = after.hospitals[3];
    expect(d.mspId).toBe('HospitalDMSP');
    expect(d.ordererMspId).toBeNull(); // D orders through the three orderers; the Raft cluster is unchanged
    const a = after.hospitals[0];

    // Both of D's peers joined the channel and run the chaincode at the new definition, which every org approved.
    for (const n of [0, 1] as const) {
      expect((await peerCli(d, n, ['channel', 'list'])).split('\n')).toContain(consortium.channel);
      const metadata = await peerCli(d, n, ['chaincode', 'query', '-C', consortium.channel, '-n', 'careledger', '-c', '{"Args":["org.hyperledger.fabric:GetMetadata"]}']);
      expect(metadata).toContain('contracts');
    }
    const committed = await peerCli(d, 0, ['lifecycle', 'chaincode', 'querycommitted', '-C', consortium.channel, '-n', 'careledger', '-O', 'json']);
    const definition = JSON.parse(committed) as { sequence: number; approvals: Record<string, boolean>; collections: unknown };
    expect(definition.sequence).toBe(2);
    expect(definition.approvals).toEqual({ HospitalAMSP: true, HospitalBMSP: true, HospitalCMSP: true, HospitalDMSP: true });
    const collections = JSON.stringify(definition.collections);
    for (const name of ['org_HospitalDMSP', 'dir_HospitalDMSP', 'org_HospitalAMSP', 'share_HospitalAMSP_HospitalDMSP', 'share_HospitalDMSP_HospitalAMSP']) expect(collections).toContain(`"${name}"`);

    // D's gateway: the org registered on the ledger with its seeded admin, who registers D's users; a record
    // uploaded at D for D's patient is read by that patient at D.
    expect((await call(d, 'hospital-d-admin', 'GET', '/v1/me')).status).toBe(200);
    const [patientD, doctorD] = [unique('pat-d'), unique('doc-d')];
    expect(await registerUser(d, patientD, 'patient')).toBe(201);
    expect(await registerUser(d, doctorD, 'practitioner')).toBe(201);
    const own = randomBytes(200_000);
    const ownRecord = await upload(d, doctorD, patientD, own);
    const ownRead = await call(d, patientD, 'GET', `/v1/records/${ownRecord}/content?purpose=PATRQT`);
    expect(ownRead.status).toBe(200);
    expect(Buffer.compare(ownRead.raw, own)).toBe(0);

    // A's patient consents to hospital D; D's doctor reads A's record, its blocks coming from A's node over bitswap.
    const [patientA, doctorA] = [unique('pat-a'), unique('doc-a')];
    expect(await registerUser(a, patientA, 'patient')).toBe(201);
    expect(await registerUser(a, doctorA, 'practitioner')).toBe(201);
    const content = randomBytes(600_000);
    const pinsBefore = await recursivePins(a);
    const recordId = await upload(a, doctorA, patientA, content);
    const cid = [...(await recursivePins(a))].find((c) => !pinsBefore.has(c))!;
    expect(cid).toBeDefined();
    expect((await kubo(d.kuboApi, 'block/stat', { arg: cid, offline: 'true' })).status).not.toBe(200);
    expect((await call(d, doctorD, 'GET', `/v1/records/${recordId}/content?purpose=TREAT`)).status).toBe(404);
    const aPeer = a.kuboSwarm.slice(a.kuboSwarm.lastIndexOf('/') + 1);
    const recvBefore = Number((await kubo(d.kuboApi, 'bitswap/ledger', { arg: aPeer })).body.Recv ?? 0);
    const consent = await call(a, patientA, 'POST', `/v1/patients/${patientA}/consents`, {
      grantee: { kind: 'org', org: d.mspId },
      scope: { categories: ['report'] },
      purposes: ['TREAT'],
      expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
    });
    expect(consent.status).toBe(201);
    const read = await call(d, doctorD, 'GET', `/v1/records/${recordId}/content?purpose=TREAT`);
    expect(read.status).toBe(200);
    expect(Buffer.compare(read.raw, content)).toBe(0);
    const recvAfter = Number((await kubo(d.kuboApi, 'bitswap/ledger', { arg: aPeer })).body.Recv ?? 0);
    expect(recvAfter - recvBefore).toBeGreaterThanOrEqual(content.length);
    console.log(`add-hospital: D's node received ${recvAfter - recvBefore} bytes from A's over bitswap for a ${content.length}-byte record`);
  }, 1_000_000);
});
