/**
 * Replicas follow access, on the consortium topology: a hospital's own Kubo node keeps the blocks of another
 * hospital's record exactly while its own collection holds the record's data key. Proves, through the hospitals'
 * gateways and the Kubo RPC API of each node (pin ls), that
 * - after a consent to Hospital B, B's node pins the record's blocks before anyone at B reads it (the time from
 *   the grant's commit to the pin is printed);
 * - after the revocation B's node no longer pins them, and its garbage collector removed them;
 * - after the patient's erasure no node (A, B, C) pins them.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { callGateway } from '../support/consortium-gateway.js';

const SUMMARY = path.resolve(process.env.CARELEDGER_CONSORTIUM_DIR ?? 'network/.consortium', 'consortium.json');

interface Hospital {
  name: string;
  mspId: string;
  kuboApi: string;
  gateway: string;
}

let consortium: { cloud: { auth: string }; hospitals: Hospital[] };
const hospital = (name: string) => consortium.hospitals.find((h) => h.name === name)!;
const unique = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A call to a hospital's gateway as `uid` (an Auth emulator token, as the portal would send). */
const call = (h: Hospital, uid: string, method: string, url: string, body?: object | FormData) => callGateway(consortium.cloud.auth, h.gateway, uid, method, url, body);

async function kubo(h: Hospital, command: string, args: [string, string][] = []): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${h.kuboApi}/api/v0/${command}?${new URLSearchParams(args)}`, { method: 'POST', signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text.trim().split('\n').pop() ?? '{}') as Record<string, unknown> };
  } catch {
    return { status: res.status, body: { text } };
  }
}

/** Whether the node pins `cid` (recursively), by Kubo's pin ls. */
async function pins(h: Hospital, cid: string): Promise<boolean> {
  const { body } = await kubo(h, 'pin/ls', [['type', 'recursive']]);
  return cid in ((body.Keys ?? {}) as object);
}

/** Whether the node's repo holds the block (pinned or not), without asking the swarm. */
async function holdsBlock(h: Hospital, cid: string): Promise<boolean> {
  return (await kubo(h, 'block/stat', [['arg', cid], ['offline', 'true']])).status === 200;
}

/** Every block of the blob, as the node that holds it lists them. */
async function blocksOf(h: Hospital, cid: string): Promise<string[]> {
  const res = await fetch(`${h.kuboApi}/api/v0/refs?${new URLSearchParams([['arg', cid], ['recursive', 'true']])}`, { method: 'POST', signal: AbortSignal.timeout(30_000) });
  const refs = (await res.text()).trim().split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { Ref: string }).Ref);
  return [cid, ...refs];
}

/** Polls every 100 ms; resolves with the time it took. */
async function until(what: string, timeoutMs: number, probe: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  while (!(await probe())) {
    if (Date.now() - started > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(100);
  }
  return Date.now() - started;
}

beforeAll(async () => {
  try {
    consortium = JSON.parse(await readFile(SUMMARY, 'utf8')) as typeof consortium;
  } catch {
    throw new Error(`the consortium is not up (no ${SUMMARY}): npm run network:up -- --topology consortium`);
  }
});

describe('replicas follow access', () => {
  it("B's node pins A's record when a consent gives B access, before any read; unpins it at revocation; after erasure no node pins it", async () => {
    const [a, b, c] = [hospital('hospital-a'), hospital('hospital-b'), hospital('hospital-c')];
    const [patient, doctorA] = [unique('pat'), unique('doc-a')];
    for (const [userId, role] of [[patient, 'patient'], [doctorA, 'practitioner']]) {
      expect((await call(a, 'hospital-a-admin', 'POST', '/v1/users', { userId, role })).status).toBe(201);
    }
    const before = new Set(Object.keys(((await kubo(a, 'pin/ls', [['type', 'recursive']])).body.Keys ?? {}) as object));
    const form = new FormData();
    form.set('title', 'Discharge letter');
    form.set('category', 'report');
    form.set('file', new Blob([randomBytes(700_000)], { type: 'application/pdf' }), 'letter.pdf');
    const upload = await call(a, doctorA, 'POST', `/v1/patients/${patient}/records`, form);
    expect(upload.status).toBe(201);
    const added = Object.keys(((await kubo(a, 'pin/ls', [['type', 'recursive']])).body.Keys ?? {}) as object).filter((k) => !before.has(k));
    expect(added).toHaveLength(1);
    const cid = added[0]!;
    const blocks = await blocksOf(a, cid);
    expect(blocks.length).toBeGreaterThanOrEqual(4);
    // Without access B's node holds none of it, and stays so.
    await sleep(2_000);
    expect(await pins(b, cid)).toBe(false);
    for (const block of blocks) expect(await holdsBlock(b, block)).toBe(false);

    // The grant: B's node pins the record's blocks by itself (nobody at B reads).
    const grant = await call(a, patient, 'POST', `/v1/patients/${patient}/consents`, {
      grantee: { kind: 'org', org: b.mspId },
      scope: { categories: ['report'] },
      purposes: ['TREAT'],
      expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
    });
    expect(grant.status).toBe(201);
    const pinnedMs = await until("B's node pins the record after the grant", 60_000, () => pins(b, cid));
    for (const block of blocks) expect(await holdsBlock(b, block)).toBe(true);
    // C has no access: its node holds nothing of it.
    expect(await pins(c, cid)).toBe(false);
    console.log(`replicas: grant committed -> all ${blocks.length} blocks pinned on B's node after ${pinnedMs} ms (polled every 100 ms)`);

    // The revocation deletes B's key copy: B's node unpins the record and collects its blocks.
    const consentId = grant.body.consentId as string;
    expect((await call(a, patient, 'DELETE', `/v1/consents/${consentId}`)).status).toBe(200);
    const unpinnedMs = await until("B's node unpins the record after the revocation", 60_000, async () => !(await pins(b, cid)));
    const collectedMs = await until("B's node collects the record's blocks", 60_000, async () => {
      for (const block of blocks) if (await holdsBlock(b, block)) return false;
      return true;
    });
    expect(await pins(a, cid)).toBe(true);
    console.log(`replicas: revocation committed -> unpinned on B after ${unpinnedMs} ms, blocks gone from B's repo ${collectedMs} ms later`);

    // Access again (B pins again), then the patient's erasure: no node pins it.
    const again = await call(a, patient, 'POST', `/v1/patients/${patient}/consents`, {
      grantee: { kind: 'org', org: b.mspId },
      scope: { categories: ['report'] },
      purposes: ['TREAT'],
      expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
    });
    expect(again.status).toBe(201);
    await until("B's node pins the record after the second grant", 60_000, () => pins(b, cid));
    const erasure = await call(a, patient, 'POST', `/v1/patients/${patient}/erasure`);
    expect(erasure.status).toBe(202);
    const erasedMs = await until('no node pins the record after the erasure', 120_000, async () => {
      for (const h of [a, b, c]) if (await pins(h, cid)) return false;
      return true;
    });
    console.log(`replicas: erasure requested -> no node (A, B, C) pins the record after ${erasedMs} ms`);
  }, 400_000);
});
