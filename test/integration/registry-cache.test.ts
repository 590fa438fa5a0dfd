/**
 * The gateway keeps the users it read from the ledger registry between requests; a change on the ledger must reach
 * the next request anyway. The cache's own expiry is set to 5 minutes here, so only the ledger's registry events and
 * the gateway's own erasure submits can make these changes show: each test would fail on a cache that kept them.
 */
import { FabricLedger } from '../../gateway/src/adapters/fabric/fabric-ledger.js';
import { submitJson } from '../../gateway/src/ledger-client/call.js';
import { organizationOf } from '../../gateway/src/network-connection.js';
import type { Ledger } from '../../gateway/src/ports/ledger.js';
import { GatewayHarness } from '../support/gateway-harness.js';
import { networkConnection, uniqueName } from '../support/network-fixture.js';
import { onNetwork } from '../support/test-profile.js';

const ORG_A = 'HospitalAMSP';

/** The gateway and a client of the same ledger beside it (Hospital A's identity), as another gateway would be. */
async function start(): Promise<{ h: GatewayHarness; ledger: Ledger; close(): Promise<void> }> {
  const env = { CARELEDGER_REGISTRY_CACHE_MS: '300000' };
  if (!onNetwork) {
    let ledger: Ledger | undefined;
    const h = await GatewayHarness.start({ env, wrapLedger: (l) => (ledger = l) });
    return { h, ledger: ledger!, close: () => h.close() };
  }
  const h = await GatewayHarness.start({ env });
  const connection = await networkConnection();
  const org = organizationOf(connection, 'hospital-a');
  const ledger = await FabricLedger.connect({
    channel: connection.channel,
    chaincode: h.chaincode,
    timeoutMs: 30_000,
    orgs: [{ mspId: org.mspId, peerEndpoint: org.peerEndpoint, peerHostAlias: org.peerHostAlias, tlsRootCertPath: org.tlsCaCertPath, certPath: org.clientCertPath, keyPath: org.clientKeyPath }],
  });
  return { h, ledger, close: async () => (await ledger.close(), await h.close()) };
}

/** Asks until the answer has `status` (at most 5 s, far below the cache's 5 minutes); how long that took. */
async function until(ask: () => PromiseLike<{ status: number; body: { code?: string } }>, status: number): Promise<{ ms: number; code?: string }> {
  const t0 = Date.now();
  for (;;) {
    const res = await ask();
    if (res.status === status) return { ms: Date.now() - t0, code: res.body.code };
    if (Date.now() - t0 > 5_000) throw new Error(`still ${res.status} after 5 s`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('registry users cached by the gateway', () => {
  let world: Awaited<ReturnType<typeof start>>;
  beforeAll(async () => {
    world = await start();
  }, 120_000);
  afterAll(() => world?.close());

  const setRole = (userId: string, role: string) =>
    submitJson(world.ledger, ORG_A, { name: 'registry:SetUserRole', args: ['hospital-a-admin', userId, role], endorsingOrgs: [ORG_A] });

  it('an admin demoted on the ledger (not through this gateway) is refused the admin-only routes as soon as the event arrives', async () => {
    const { h } = world;
    const admin = await h.register(uniqueName('adm'), 'admin');
    const client = await h.as(admin);
    // Read twice: the second answer comes from the cache, which serves (the watch follows the ledger).
    await client.get('/v1/webhooks').expect(200);
    await client.get('/v1/webhooks').expect(200);
    expect(h.gateway.registryWatch?.serving).toBe(true);
    await setRole(admin, 'practitioner');
    const refused = await until(() => client.get('/v1/webhooks'), 403);
    expect(refused.code).toBe('WRONG_ROLE');
    console.info(`registry cache (${onNetwork ? 'network' : 'embedded'}): demotion refused ${refused.ms} ms after its commit`);
    const me = await client.get('/v1/me').expect(200);
    expect(me.body.role).toBe('practitioner');
  }, 60_000);

  it('a practitioner promoted on the ledger gets the admin-only routes as soon as the event arrives', async () => {
    const { h } = world;
    const doctor = await h.register(uniqueName('doc'), 'practitioner');
    const client = await h.as(doctor);
    await client.get('/v1/webhooks').expect(403);
    await client.get('/v1/webhooks').expect(403);
    await setRole(doctor, 'admin');
    const allowed = await until(() => client.get('/v1/webhooks'), 200);
    console.info(`registry cache (${onNetwork ? 'network' : 'embedded'}): promotion seen ${allowed.ms} ms after its commit`);
  }, 60_000);

  it('a patient whose erasure began is refused on the very next request (no wait), and after it ended too', async () => {
    const { h } = world;
    const patient = await h.register(uniqueName('pat'), 'patient');
    const client = await h.as(patient);
    await client.get('/v1/me').expect(200);
    await client.get('/v1/me').expect(200);
    await client.post(`/v1/patients/${patient}/erasure`).expect(202);
    const refused = await client.get('/v1/me');
    expect(refused.status).toBe(401);
    // The erasure's own status stays open to them; once it ended, every other route still refuses.
    for (let i = 0; i < 400; i++) {
      const status = await client.get(`/v1/patients/${patient}/erasure`).expect(200);
      if (status.body.finished === true) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    await client.get('/v1/me').expect(401);
  }, 90_000);
});
