/**
 * `npm run start:network -- --org <org>` as processes: the built gateway (`gateway/dist/main.js`, which
 * `npm run test:network` builds first) started once per hospital on the running development network, each
 * on its own port with its own org's identity, on a fresh chaincode namespace; the Postman collection
 * runs against Hospital A's with the network environment and emulator tokens.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { emulatorIdToken, freshChaincodeNamespace, uniqueName } from '../support/network-fixture.js';

interface GatewayProcess {
  child: ChildProcess;
  url: string;
  banner: string;
  dataDir: string;
}

async function startGateway(org: string, chaincode: string): Promise<GatewayProcess> {
  const dataDir = await mkdtemp(path.join(tmpdir(), `careledger-process-${org}-`));
  const child = spawn(process.execPath, ['gateway/dist/main.js', '--org', org], {
    env: {
      ...process.env,
      NODE_OPTIONS: '',
      CARELEDGER_PORT: '0',
      CARELEDGER_DATA_DIR: dataDir,
      CARELEDGER_CHAINCODE: chaincode,
      CARELEDGER_FIRESTORE_PREFIX: uniqueName(org),
      CARELEDGER_AUTH_EMULATOR: 'true',
      CARELEDGER_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let banner = '';
  let errors = '';
  child.stderr!.on('data', (d: Buffer) => (errors += d.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      banner += d.toString();
      const m = /API\s+http:\/\/127\.0\.0\.1:(\d+)\/v1/.exec(banner);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`the ${org} gateway exited with ${code}: ${errors}`)));
  });
  return { child, url: `http://127.0.0.1:${port}`, banner, dataDir };
}

async function stopGateway(g: GatewayProcess | undefined): Promise<void> {
  if (!g) return;
  if (g.child.exitCode === null) {
    const exited = new Promise((resolve) => g.child.once('exit', resolve));
    g.child.kill('SIGTERM');
    await exited;
  }
  await rm(g.dataDir, { recursive: true, force: true });
}

describe('npm run start:network -- --org <org>', () => {
  let a: GatewayProcess | undefined;
  let b: GatewayProcess | undefined;

  beforeAll(async () => {
    const chaincode = await freshChaincodeNamespace();
    [a, b] = await Promise.all([startGateway('hospital-a', chaincode), startGateway('hospital-b', chaincode)]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([stopGateway(a), stopGateway(b)]);
  });

  it('names its org, its data dir and that it accepts emulator tokens', () => {
    expect(a!.banner).toContain('network profile for hospital-a (HospitalAMSP)');
    expect(b!.banner).toContain('network profile for hospital-b (HospitalBMSP)');
    expect(a!.banner).toContain(a!.dataDir);
    expect(a!.banner).toContain('Firebase Auth EMULATOR');
  });

  it('is ready: ledger, Kubo, Firestore, keys and Firebase Auth all answer', async () => {
    for (const g of [a!, b!]) {
      const res = await request(g.url).get('/ready').expect(200);
      expect(res.body).toMatchObject({ status: 'ok', profile: 'network' });
      expect(Object.values(res.body.checks).every((c) => c === 'ok')).toBe(true);
    }
  });

  it("serves its own org's users and refuses the other org's", async () => {
    const adminA = `Bearer ${await emulatorIdToken('hospital-a-admin')}`;
    const adminB = `Bearer ${await emulatorIdToken('hospital-b-admin')}`;
    expect((await request(a!.url).get('/v1/me').set('Authorization', adminA).expect(200)).body).toMatchObject({ userId: 'hospital-a-admin', homeOrg: 'HospitalAMSP' });
    expect((await request(b!.url).get('/v1/me').set('Authorization', adminB).expect(200)).body).toMatchObject({ userId: 'hospital-b-admin', homeOrg: 'HospitalBMSP' });
    expect((await request(a!.url).get('/v1/me').set('Authorization', adminB).expect(403)).body.code).toBe('WRONG_ORG');
    expect((await request(b!.url).get('/v1/me').set('Authorization', adminA).expect(403)).body.code).toBe('WRONG_ORG');
  });

  it('issues no dev tokens', async () => {
    await request(a!.url).post('/v1/dev/tokens').send({ userId: 'hospital-a-admin' }).expect(404);
  });

  it('refuses to start with the Auth emulator variable set unless told to accept emulator tokens', async () => {
    const child = spawn(process.execPath, ['gateway/dist/main.js', '--org', 'hospital-a'], {
      env: { ...process.env, NODE_OPTIONS: '', CARELEDGER_PORT: '0', CARELEDGER_AUTH_EMULATOR: 'false', FIREBASE_AUTH_EMULATOR_HOST: '127.0.0.1:9099', CARELEDGER_DATA_DIR: path.join(tmpdir(), uniqueName('unused')) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    expect(stderr).toContain('FIREBASE_AUTH_EMULATOR_HOST is set');
  });

  it("passes the whole Postman collection with the network environment and the operator's tokens", async () => {
    // What postman/README.md tells an operator to do: fill in postman/network-hospital-a's tokens.
    const ids = { adminUserId: 'hospital-a-admin', doctorId: uniqueName('pm-doc'), patientId: uniqueName('pm-pat') };
    const tokens = { adminToken: ids.adminUserId, doctorToken: ids.doctorId, patientToken: ids.patientId };
    const values: Record<string, string> = { ...ids };
    for (const [key, uid] of Object.entries(tokens)) values[key] = await emulatorIdToken(uid);
    // The "Cross-hospital care" folder: a practitioner registered at Hospital B's gateway, which it calls.
    values.otherDoctorId = uniqueName('pm-doc-b');
    await request(b!.url).post('/v1/users').set('Authorization', `Bearer ${await emulatorIdToken('hospital-b-admin')}`).send({ userId: values.otherDoctorId, role: 'practitioner' }).expect(201);
    values.otherDoctorToken = await emulatorIdToken(values.otherDoctorId);
    values.otherBaseUrl = b!.url;
    const environment = JSON.parse(await readFile('postman/network-hospital-a.postman_environment.json', 'utf8')) as { values: { key: string; value: string }[] };
    for (const v of environment.values) if (v.key in values) v.value = values[v.key]!;
    for (const key of Object.keys(values)) if (!environment.values.some((v) => v.key === key)) environment.values.push({ key, value: values[key]! });
    const file = path.join(a!.dataDir, 'network.postman_environment.json');
    await writeFile(file, JSON.stringify(environment));

    const outcome = await promisify(execFile)(process.execPath, ['test/postman/run-newman.mjs', '--environment', file, '--base-url', a!.url], { env: { ...process.env, NODE_OPTIONS: '' }, maxBuffer: 64 * 1024 * 1024 }).then(
      ({ stdout }) => ({ code: 0, stdout }),
      (error: { code?: number; stdout?: string }) => ({ code: error.code ?? 1, stdout: error.stdout ?? '' }),
    );
    const summary = /run-newman: (\d+) requests \((\d+) failed\), (\d+) assertions \((\d+) failed\)/.exec(outcome.stdout);
    expect({ code: outcome.code, summary: summary?.[0] ?? outcome.stdout.slice(-4000) }).toEqual({ code: 0, summary: expect.stringMatching(/ \(0 failed\), \d+ assertions \(0 failed\)/) });
    expect(Number(summary![1])).toBeGreaterThan(150);
  }, 300_000);
});
