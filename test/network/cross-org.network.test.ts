/**
 * Two hospitals, two gateways, one real network: each gateway is wired exactly as
 * `npm run start:network -- --org <org>` wires it (its own org's Fabric identity, key-encryption key and
 * Firestore prefix only), on a fresh chaincode namespace of the running development network.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { loadConfig, type Config } from '../../gateway/src/config.js';
import type { RunningGateway } from '../../gateway/src/build-services.js';
import { createApp } from '../../gateway/src/http/app.js';
import { openNetworkGateway } from '../../gateway/src/network-gateway.js';
import { someBytes } from '../support/gateway-harness.js';
import { LedgerInspector } from '../support/ledger-inspector.js';
import { emulatorIdToken, freshChaincodeNamespace, uniqueName } from '../support/network-fixture.js';

const silent = { info() {}, warn() {}, error() {} };

/** One hospital's gateway, served on a loopback port. */
interface Hospital {
  org: 'hospital-a' | 'hospital-b';
  config: Config;
  gateway: RunningGateway;
  server: http.Server;
  url: string;
}

async function openHospital(org: Hospital['org'], chaincode: string, dataDir?: string): Promise<Hospital> {
  const config = loadConfig({
    CARELEDGER_PROFILE: 'network',
    CARELEDGER_ORG: org,
    CARELEDGER_DATA_DIR: dataDir ?? (await mkdtemp(path.join(tmpdir(), `careledger-${org}-`))),
    CARELEDGER_FIRESTORE_PREFIX: uniqueName(org),
    CARELEDGER_AUTH_EMULATOR: 'true',
    CARELEDGER_LOG_LEVEL: 'silent',
  });
  const gateway = await openNetworkGateway(config, silent, { chaincode });
  const app = createApp(gateway.services, { openapi: {}, corsOrigins: [], jsonLimit: config.jsonLimit, log: silent });
  const server = await new Promise<http.Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return { org, config, gateway, server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function closeHospital(h: Hospital | undefined): Promise<void> {
  if (!h) return;
  await new Promise((resolve) => h.server.close(resolve));
  await h.gateway.close();
  await rm(h.config.dataDir, { recursive: true, force: true });
}

/** A supertest client of one hospital's gateway for one user (Firebase Auth emulator token). */
async function as(h: Hospital, userId: string) {
  const auth = `Bearer ${await emulatorIdToken(userId)}`;
  return {
    get: (url: string) => request(h.url).get(url).set('Authorization', auth),
    post: (url: string, body?: object) => request(h.url).post(url).set('Authorization', auth).send(body),
    delete: (url: string) => request(h.url).delete(url).set('Authorization', auth),
    upload: (patientId: string, content: Buffer) =>
      request(h.url)
        .post(`/v1/patients/${patientId}/records`)
        .set('Authorization', auth)
        .field('title', 'Discharge letter')
        .field('category', 'report')
        .attach('file', content, { filename: 'letter.pdf', contentType: 'application/pdf' }),
    /** The raw download response: headers as soon as they arrive, the body as a stream. */
    download: (url: string) =>
      new Promise<http.IncomingMessage>((resolve, reject) => {
        http.get(`${h.url}${url}`, { headers: { authorization: auth } }, resolve).on('error', reject);
      }),
  };
}

async function body(res: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The public key (x, y) of an org's KEK as the gateway's key file holds it. */
async function kekOf(h: Hospital, mspId: string): Promise<{ x: string; y: string }> {
  const file = JSON.parse(await readFile(path.join(h.config.dataDir, 'keys', 'kek.json'), 'utf8')) as { orgs: Record<string, { jwk: { x: string; y: string } }[]> };
  const keys = file.orgs[mspId] ?? [];
  if (keys.length === 0) throw new Error(`no KEK of ${mspId} in ${h.config.dataDir}`);
  return { x: keys[keys.length - 1].jwk.x, y: keys[keys.length - 1].jwk.y };
}

/** Where B's copy of a key of A's patient's record is: the share A keeps for B. */
const B_KEYS = 'share_HospitalAMSP_HospitalBMSP';
const A_KEYS = 'org_HospitalAMSP';
const B_OWN = 'org_HospitalBMSP';

describe('two hospitals, each with its own gateway, on the real network', () => {
  let chaincode: string;
  let a: Hospital | undefined;
  let b: Hospital | undefined;
  let inspectB: LedgerInspector;
  let inspectA: LedgerInspector;

  beforeAll(async () => {
    chaincode = await freshChaincodeNamespace();
    // Started together, as two hospitals' operators would: each registers its own org.
    [a, b] = await Promise.all([openHospital('hospital-a', chaincode), openHospital('hospital-b', chaincode)]);
    [inspectA, inspectB] = await Promise.all([LedgerInspector.connect('hospital-a'), LedgerInspector.connect('hospital-b')]);
    const adminA = await as(a, 'hospital-a-admin');
    const adminB = await as(b, 'hospital-b-admin');
    for (const [userId, role] of [['pat-x', 'patient'], ['doc-a', 'practitioner']]) await adminA.post('/v1/users', { userId, role }).expect(201);
    await adminB.post('/v1/users', { userId: 'doc-b', role: 'practitioner' }).expect(201);
  });

  afterAll(async () => {
    inspectA?.close();
    inspectB?.close();
    await Promise.all([closeHospital(a), closeHospital(b)]);
  });

  it("each gateway registered its own org only, with its own key-encryption key, and serves only its org's users", async () => {
    const orgs = await inspectB.registeredOrgs(chaincode);
    const registered = Object.fromEntries(orgs.map((o) => [o.mspId, JSON.parse(o.publicJwk) as { x: string; y: string }]));
    expect(Object.keys(registered).sort()).toEqual(['HospitalAMSP', 'HospitalBMSP']);
    expect({ x: registered.HospitalAMSP.x, y: registered.HospitalAMSP.y }).toEqual(await kekOf(a!, 'HospitalAMSP'));
    expect({ x: registered.HospitalBMSP.x, y: registered.HospitalBMSP.y }).toEqual(await kekOf(b!, 'HospitalBMSP'));
    // Each gateway holds its own org's KEK and no other.
    await expect(kekOf(a!, 'HospitalBMSP')).rejects.toThrow();
    await expect(kekOf(b!, 'HospitalAMSP')).rejects.toThrow();
    await (await as(a!, 'hospital-a-admin')).get('/v1/me').expect(200);
    expect((await (await as(a!, 'hospital-b-admin')).get('/v1/me').expect(403)).body.code).toBe('WRONG_ORG');
    expect((await (await as(b!, 'doc-a')).get('/v1/me').expect(403)).body.code).toBe('WRONG_ORG');
  });

  it("a Hospital B doctor reads a Hospital A patient's record only under consent, after the record and its key were shared with B; revocation takes them back", async () => {
    const patient = await as(a!, 'pat-x');
    const doctorA = await as(a!, 'doc-a');
    const doctorB = await as(b!, 'doc-b');
    const from = await inspectB.height();
    const file = someBytes(300_000, 5);
    const { body: rec } = await doctorA.upload('pat-x', file).expect(201);
    const recordId = rec.recordId as string;

    // Before the consent Hospital B's peers hold nothing of the record.
    const before = await doctorB.get(`/v1/records/${recordId}/content?purpose=TREAT`).expect(404);
    expect(before.body.code).toBe('RECORD_NOT_FOUND');
    const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
    const { body: consent } = await patient
      .post('/v1/patients/pat-x/consents', { grantee: { kind: 'org', org: 'HospitalBMSP' }, scope: { categories: ['report'] }, purposes: ['TREAT'], expiresAt })
      .expect(201);
    const read = await doctorB.download(`/v1/records/${recordId}/content?purpose=TREAT`);
    expect(read.statusCode).toBe(200);
    const eventId = String(read.headers['x-access-event']);
    expect(Buffer.compare(await body(read), file)).toBe(0);

    await patient.delete(`/v1/consents/${consent.consentId}`).expect(200);
    // The revocation took the record and its key back out of the share A keeps for B.
    const after = await doctorB.get(`/v1/records/${recordId}/content?purpose=TREAT`).expect(404);
    expect(after.body.code).toBe('RECORD_NOT_FOUND');
    const to = await inspectB.height();

    // What Hospital B's own peer received: the key wrapped for B, written by the consent's transaction
    // (ids are derived from the tx id), committed in a block before the read's access event; then deleted by the revocation.
    const onB = (await inspectB.privateWrites(from, to)).filter((w) => w.namespace === chaincode);
    const keyWrites = onB.filter((w) => w.collection === B_KEYS && w.key.includes('wrappedKey') && w.key.includes(recordId));
    const txOf = (id: string) => id.slice(id.indexOf('_') + 1);
    expect(keyWrites.map((w) => ({ isDelete: w.isDelete, byConsent: w.txId.startsWith(txOf(consent.consentId)) }))).toEqual([
      { isDelete: false, byConsent: true },
      { isDelete: true, byConsent: false },
    ]);
    const accessBlock = onB.find((w) => w.txId.startsWith(txOf(eventId)))?.block;
    expect(accessBlock).toBeDefined();
    expect(keyWrites[0].block).toBeLessThan(accessBlock!);
    expect(keyWrites[1].block).toBeGreaterThan(accessBlock!);
    // B's peer never sees A's own collection; A's peer never sees B's (it holds the share it keeps for B).
    expect(onB.some((w) => w.collection === A_KEYS)).toBe(false);
    const onA = (await inspectA.privateWrites(from, to)).filter((w) => w.namespace === chaincode);
    expect(onA.some((w) => w.collection === B_OWN)).toBe(false);
    expect(onA.some((w) => w.collection === A_KEYS && w.key.includes(recordId))).toBe(true);
  });

  it('the access event of a read is committed on the ledger before the first byte of content arrives', async () => {
    const patient = await as(a!, 'pat-x');
    const doctorA = await as(a!, 'doc-a');
    const doctorB = await as(b!, 'doc-b');
    const file = someBytes(4 * 1024 * 1024, 11);
    const { body: rec } = await doctorA.upload('pat-x', file).expect(201);
    const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
    await patient
      .post('/v1/patients/pat-x/consents', { grantee: { kind: 'user', userId: 'doc-b' }, scope: { recordIds: [rec.recordId] }, purposes: ['TREAT'], expiresAt })
      .expect(201);

    const res = await doctorB.download(`/v1/records/${rec.recordId}/content?purpose=TREAT`);
    expect(res.statusCode).toBe(200);
    const first = await new Promise<Buffer>((resolve) => res.once('data', resolve));
    res.pause();
    // Read from Hospital A's ledger (the patient's own log) while the content has only begun to flow.
    const log = await patient.get(`/v1/patients/pat-x/access-log?recordId=${rec.recordId}`).expect(200);
    expect(log.body.events).toEqual([expect.objectContaining({ eventId: res.headers['x-access-event'], actorId: 'doc-b', actorOrg: 'HospitalBMSP', outcome: 'GRANTED' })]);
    res.resume();
    const rest = await body(res);
    expect(Buffer.compare(Buffer.concat([first, rest]), file)).toBe(0);
  });

  it('a gateway refuses to start with another key-encryption key than the one its org registered', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'careledger-other-kek-'));
    try {
      await expect(openHospital('hospital-a', chaincode, dataDir)).rejects.toThrow(/registered on the ledger with another key-encryption key/);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('a gateway never registers an org whose identity it does not hold', async () => {
    const namespace = await freshChaincodeNamespace();
    const alone = await openHospital('hospital-a', namespace);
    try {
      expect((await inspectA.registeredOrgs(namespace)).map((o) => o.mspId)).toEqual(['HospitalAMSP']);
    } finally {
      await closeHospital(alone);
    }
  });
});
