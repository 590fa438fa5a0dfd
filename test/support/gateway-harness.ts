/**
 * Runs the real gateway in process for integration tests: a fresh data dir, supertest for HTTP and small
 * factories for users and uploads. On the embedded profile (default) a fresh in-process ledger with a
 * movable clock and dev tokens; with `CARELEDGER_TEST_PROFILE=network` the network profile on the running
 * development network (`npm run network:up`), holding both hospitals' Fabric identities, with Firebase Auth
 * emulator tokens, a fresh chaincode namespace and a fresh Firestore prefix per harness — so the suites'
 * fixed ids (pat-1, doc-a, hospital-a-admin) never meet another test's on the shared ledger.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Express } from 'express';
import request from 'supertest';
import { loadConfig, type Config } from '../../gateway/src/config.js';
import type { RunningGateway } from '../../gateway/src/build-services.js';
import { openEmbeddedGateway, type EmbeddedOptions } from '../../gateway/src/embedded-gateway.js';
import { createApp } from '../../gateway/src/http/app.js';
import type { Logger } from '../../gateway/src/ports/logger.js';
import { openNetworkGateway } from '../../gateway/src/network-gateway.js';
import { emulatorIdToken, freshChaincodeNamespace, uniqueName } from './network-fixture.js';
import { onNetwork } from './test-profile.js';

const silent = { info() {}, warn() {}, error() {} };
let openapi: object | undefined;

/** A movable clock for the ledger (consent expiry, break-glass windows). */
export class TestClock {
  private offset = 0;
  readonly now = (): Date => new Date(Date.now() + this.offset);
  advance(ms: number): void {
    this.offset += ms;
  }
}

export interface HarnessOptions {
  dataDir?: string;
  /** Embedded profile only (the ledger clock of real peers does not move). */
  clock?: TestClock;
  env?: Record<string, string>;
  /** Embedded profile only. */
  wrapLedger?: EmbeddedOptions['wrapLedger'];
  /** Embedded profile only. */
  wrapBlobs?: EmbeddedOptions['wrapBlobs'];
  /** Where the gateway logs (default: nowhere); a test may capture the lines to check what they hold. */
  log?: Logger;
}

/** The ledger namespace and Firestore prefix of a network harness's data dir, so a restart finds its data again. */
const networkSlots = new Map<string, { chaincode: string; firestorePrefix: string }>();

export class GatewayHarness {
  private constructor(
    readonly app: Express,
    readonly gateway: RunningGateway,
    readonly config: Config,
    readonly clock: TestClock,
    private readonly ownsDir: boolean,
    private readonly env?: Record<string, string>,
  ) {}

  static async start(options: HarnessOptions = {}): Promise<GatewayHarness> {
    openapi ??= JSON.parse(await readFile(path.resolve('openapi/openapi.json'), 'utf8')) as object;
    const dataDir = options.dataDir ?? (await mkdtemp(path.join(tmpdir(), 'careledger-it-')));
    const clock = options.clock ?? new TestClock();
    let config: Config;
    let gateway: RunningGateway;
    if (onNetwork) {
      if (options.wrapLedger || options.wrapBlobs || options.clock) throw new Error('wrapLedger, wrapBlobs and clock exist on the embedded profile only (describeEmbeddedOnly)');
      let slot = networkSlots.get(dataDir);
      if (!slot) networkSlots.set(dataDir, (slot = { chaincode: await freshChaincodeNamespace(), firestorePrefix: uniqueName('it') }));
      config = loadConfig({
        CARELEDGER_PROFILE: 'network',
        CARELEDGER_ORG: 'hospital-a',
        CARELEDGER_DATA_DIR: dataDir,
        CARELEDGER_FIRESTORE_PREFIX: slot.firestorePrefix,
        CARELEDGER_AUTH_EMULATOR: 'true',
        CARELEDGER_LOG_LEVEL: 'silent',
        ...options.env,
      });
      // One in-process gateway speaking for both hospitals, so the suites run unchanged.
      gateway = await openNetworkGateway(config, options.log ?? silent, { orgs: ['hospital-a', 'hospital-b'], chaincode: slot.chaincode });
    } else {
      config = loadConfig({ CARELEDGER_DATA_DIR: dataDir, CARELEDGER_LOG_LEVEL: 'silent', ...options.env });
      gateway = await openEmbeddedGateway(config, options.log ?? silent, { now: clock.now, wrapLedger: options.wrapLedger, wrapBlobs: options.wrapBlobs });
    }
    const app = createApp(gateway.services, { openapi, corsOrigins: ['http://portal.test'], jsonLimit: config.jsonLimit, publicUrl: config.publicUrl, log: options.log ?? silent });
    return new GatewayHarness(app, gateway, config, clock, !options.dataDir, options.env);
  }

  /** The chaincode namespace of a network harness (its own, on the shared channel). */
  get chaincode(): string {
    const slot = networkSlots.get(this.config.dataDir);
    if (!slot) throw new Error('only a network harness has a chaincode namespace');
    return slot.chaincode;
  }

  /** Stops and starts again on the same data dir and settings (what a restart does). */
  async restart(): Promise<GatewayHarness> {
    await this.gateway.close();
    return GatewayHarness.start({ dataDir: this.config.dataDir, clock: onNetwork ? undefined : this.clock, env: this.env });
  }

  async close(): Promise<void> {
    await this.gateway.close();
    if (this.ownsDir) {
      await rm(this.config.dataDir, { recursive: true, force: true });
      networkSlots.delete(this.config.dataDir);
    }
  }

  /** A bearer token for a user: a dev token (embedded) or a Firebase Auth emulator ID token (network). */
  async token(userId: string): Promise<string> {
    if (onNetwork) return emulatorIdToken(userId);
    const res = await request(this.app).post('/v1/dev/tokens').send({ userId }).expect(201);
    return res.body.token as string;
  }

  /** A supertest client that sends `userId`'s bearer token. */
  async as(userId: string) {
    const auth = `Bearer ${await this.token(userId)}`;
    const app = this.app;
    return {
      get: (url: string) => request(app).get(url).set('Authorization', auth),
      post: (url: string, body?: object) => {
        const r = request(app).post(url).set('Authorization', auth);
        return body === undefined ? r : r.send(body);
      },
      delete: (url: string) => request(app).delete(url).set('Authorization', auth),
      upload: (patientId: string, content: Buffer, fields: Record<string, string> = {}, headers: Record<string, string> = {}) => {
        let r = request(app).post(`/v1/patients/${patientId}/records`).set('Authorization', auth);
        for (const [k, v] of Object.entries(headers)) r = r.set(k, v);
        for (const [k, v] of Object.entries({ title: 'Discharge letter', category: 'report', ...fields })) r = r.field(k, v);
        return r.attach('file', content, { filename: 'letter.pdf', contentType: 'application/pdf' });
      },
    };
  }

  /** Registers a user through the org's seeded admin. */
  async register(userId: string, role: 'patient' | 'practitioner' | 'admin', org: 'hospital-a' | 'hospital-b' = 'hospital-a'): Promise<string> {
    const admin = await this.as(`${org}-admin`);
    await admin.post('/v1/users', { userId, role }).expect(201);
    return userId;
  }

  /** Hospital A: patient pat-1, doctors doc-a and doc-a2; Hospital B: doctor doc-b. */
  async aCareTeam() {
    await this.register('pat-1', 'patient');
    await this.register('doc-a', 'practitioner');
    await this.register('doc-a2', 'practitioner');
    await this.register('doc-b', 'practitioner', 'hospital-b');
    return {
      patient: await this.as('pat-1'),
      doctor: await this.as('doc-a'),
      colleague: await this.as('doc-a2'),
      otherHospital: await this.as('doc-b'),
      adminA: await this.as('hospital-a-admin'),
      adminB: await this.as('hospital-b-admin'),
    };
  }
}

/** Deterministic bytes of a given size. */
export function someBytes(size: number, seed = 7): Buffer {
  const out = Buffer.alloc(size);
  for (let i = 0; i < size; i++) out[i] = (i * 31 + seed) % 251;
  return out;
}

/** Collects a binary supertest response body. */
export function binary(res: request.Response, callback: (err: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => callback(null, Buffer.concat(chunks)));
  res.on('error', (e: Error) => callback(e, Buffer.alloc(0)));
}
