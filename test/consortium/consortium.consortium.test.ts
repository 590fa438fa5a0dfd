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
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { emulatorIdToken } from '../../gateway/src/adapters/firebase-auth/emulator-id-token.js';

const run = promisify(execFile);
const SCRIPT = path.resolve('network/consortium.sh');
const IPFS = path.resolve('network/.bin/ipfs');
const SUMMARY = path.resolve(process.env.CARELEDGER_CONSORTIUM_DIR ?? 'network/.consortium', 'consortium.json');

interface Hospital {
  name: string;
  mspId: string;
  address: string;
  dir: string;
  ordererOperations: string;
  kuboApi: string;
  kuboSwarm: string;
  gateway: string;
}
interface Consortium {
  channel: string;
  bridge: { address: string };
  cloud: { auth: string };
  hospitals: Hospital[];
}

let consortium: Consortium;
const hospital = (name: string) => consortium.hospitals.find((h) => h.name === name)!;
const unique = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A call to a hospital's gateway as `uid` (an Auth emulator token, as the portal would send). */
async function call(h: Hospital, uid: string, method: string, url: string, body?: object | FormData): Promise<{ status: number; body: Record<string, unknown>; raw: Buffer }> {
  const token = await emulatorIdToken(consortium.cloud.auth, uid);
  const init: RequestInit = { method, headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(60_000) };
  if (body instanceof FormData) init.body = body;
  else if (body) {
    init.body = JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] = 'application/json';
  }
  const res = await fetch(`${h.gateway}${url}`, init);
  const raw = Buffer.from(await res.arrayBuffer());
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
  } catch {
    // binary content
  }
  return { status: res.status, body: parsed, raw };
}

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
  it('the three orderers are one Raft cluster: with one stopped, transactions still commit, and it catches up when restarted', async () => {
    const sizes = await Promise.all(consortium.hospitals.map((h) => metric(h.ordererOperations, 'consensus_etcdraft_cluster_size')));
    expect(sizes).toEqual([3, 3, 3]);
    const leaders = await Promise.all(consortium.hospitals.map(isLeader));
    expect(leaders.filter(Boolean)).toHaveLength(1);
    // Stop the leader, and write through the gateway of the hospital whose orderer it was: its peers must
    // reach the other hospitals' orderers.
    const stopped = consortium.hospitals[leaders.indexOf(true)];
    const before = (await height(stopped))!;
    await service('stop', stopped, 'orderer');
    try {
      const t0 = Date.now();
      // The first write may meet the election (ElectionTick 10 x 500 ms): bounded retries, 45 s at most.
      await until('a write commits while an orderer is down', 45_000, async () => (await registerUser(stopped, unique('doc'), 'practitioner')) === 201);
      const failoverMs = Date.now() - t0;
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) statuses.push(await registerUser(stopped, unique('doc'), 'practitioner'));
      expect(statuses).toEqual([201, 201, 201]);
      const others = consortium.hospitals.filter((h) => h !== stopped);
      expect((await Promise.all(others.map(isLeader))).filter(Boolean)).toHaveLength(1);
      console.log(`raft drill: stopped the leader orderer of ${stopped.name}; first commit after ${failoverMs} ms, then 3 of 3 writes committed at once`);
    } finally {
      await service('start', stopped, 'orderer');
    }
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

    // B's node holds none of it yet, and B's doctor is refused before the consent.
    expect((await kubo(b.kuboApi, 'block/stat', { arg: cid, offline: 'true' })).status).not.toBe(200);
    expect((await call(b, doctorB, 'GET', `/v1/records/${recordId}/content?purpose=TREAT`)).status).toBe(403);
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
    // B keeps a replica of what it read: pinned on B's own node.
    await until("B's node pins the record it read", 30_000, async () => (await recursivePins(b)).has(cid));

    // Kubo drill: A's node stops. B still serves the record it holds; a record it never read (A holds the only
    // copy) is unavailable (503), not lost: once A's node is back, B reads it.
    const other = new FormData();
    other.set('title', 'Lab report');
    other.set('category', 'report');
    const otherContent = randomBytes(300_000);
    other.set('file', new Blob([otherContent], { type: 'application/pdf' }), 'lab.pdf');
    const second = await call(a, doctorA, 'POST', `/v1/patients/${patient}/records`, other);
    expect(second.status).toBe(201);
    await service('stop', a, 'kubo');
    try {
      const again = await call(b, doctorB, 'GET', `/v1/records/${recordId}/content?purpose=TREAT`);
      expect(again.status).toBe(200);
      expect(Buffer.compare(again.raw, content)).toBe(0);
      const t0 = Date.now();
      const missing = await call(b, doctorB, 'GET', `/v1/records/${second.body.recordId as string}/content?purpose=TREAT`);
      expect(missing.status).toBe(503);
      console.log(`kubo drill: A's node stopped; B served its replica (200) and answered 503 for an unreplicated record after ${Date.now() - t0} ms`);
    } finally {
      await service('start', a, 'kubo');
    }
    await until("B's node reconnects to A's", 60_000, async () => JSON.stringify((await kubo(b.kuboApi, 'swarm/peers')).body).includes(aPeer));
    const later = await call(b, doctorB, 'GET', `/v1/records/${second.body.recordId as string}/content?purpose=TREAT`);
    expect(later.status).toBe(200);
    expect(Buffer.compare(later.raw, otherContent)).toBe(0);
  }, 240_000);

  it("peer drill: A's peer1 stopped under writes and restarted catches up with peer0's height", async () => {
    const a = hospital('hospital-a');
    const peerOps = (n: number) => `http://${a.address}:${n === 0 ? 9443 : 9444}`;
    await service('stop', a, 'peer1');
    // If peer1 was the org's elected leader (the one pulling blocks from the orderers), peer0 takes over after the
    // leader-alive threshold (10 s): a write meanwhile answers 503 and is retried, within bounds.
    let failures = 0;
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
      }
    } finally {
      await service('start', a, 'peer1');
    }
    const target = (await metric(peerOps(0), 'ledger_blockchain_height'))!;
    const t0 = Date.now();
    await until("A's peer1 reaches peer0's height", 60_000, async () => ((await metric(peerOps(1), 'ledger_blockchain_height').catch(() => 0)) ?? 0) >= target);
    console.log(`peer drill: 5 of 5 writes committed with A's peer1 down (${failures} attempts answered 503 and were retried); restarted, it reached height ${target} in ${Date.now() - t0} ms`);
  }, 180_000);

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
    expect(config.map((k) => k.name).filter((n) => n.startsWith('org_') || n.startsWith('dir_')).sort()).toEqual(
      ['HospitalAMSP', 'HospitalBMSP', 'HospitalCMSP'].flatMap((o) => [`dir_${o}`, `org_${o}`]).sort(),
    );
  }, 60_000);
});
