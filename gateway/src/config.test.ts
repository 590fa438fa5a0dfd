import path from 'node:path';
import { loadConfig } from './config.js';

describe('loadConfig', () => {
  it('defaults to the embedded profile on port 3000 with the data dir .data and no network settings', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ profile: 'embedded', port: 3000, dataDir: path.resolve('.data') });
    expect(config.network).toBeUndefined();
    expect(config.orgs.map((o) => o.name)).toEqual(['hospital-a', 'hospital-b']);
  });

  it("gives each org's network gateway its own port, data dir, Firestore prefix and only its own org", () => {
    const a = loadConfig({ CARELEDGER_PROFILE: 'network', CARELEDGER_ORG: 'hospital-a' });
    const b = loadConfig({ CARELEDGER_PROFILE: 'network', CARELEDGER_ORG: 'hospital-b' });
    expect([a.port, b.port]).toEqual([3001, 3002]);
    expect([a.dataDir, b.dataDir]).toEqual([path.resolve('.data/network/hospital-a'), path.resolve('.data/network/hospital-b')]);
    expect([a.network?.firestorePrefix, b.network?.firestorePrefix]).toEqual(['hospital-a', 'hospital-b']);
    expect(b.orgs).toEqual([{ mspId: 'HospitalBMSP', name: 'hospital-b' }]);
    expect(a.network).toMatchObject({ connectionFile: path.resolve('network/.state/connection.json'), authEmulator: false });
  });

  it('takes the network settings from their variables', () => {
    const config = loadConfig({
      CARELEDGER_PROFILE: 'network',
      CARELEDGER_ORG: 'hospital-a',
      CARELEDGER_PORT: '8443',
      CARELEDGER_NETWORK_CONNECTION: '/etc/careledger/connection.json',
      CARELEDGER_CHAINCODE: 'careledger-v2',
      CARELEDGER_KUBO_API_URL: 'http://10.0.0.5:5001',
      CARELEDGER_FIREBASE_PROJECT: 'hospital-a-prod',
      CARELEDGER_FIRESTORE_PREFIX: 'prod',
      CARELEDGER_AUTH_EMULATOR: 'false',
      CARELEDGER_KUBO_SWARM_READS: 'true',
      CARELEDGER_REPLICA_SWEEP_SECONDS: '15',
    });
    expect(config.port).toBe(8443);
    expect(config.network).toEqual({
      org: 'hospital-a',
      connectionFile: '/etc/careledger/connection.json',
      chaincode: 'careledger-v2',
      kuboApiUrl: 'http://10.0.0.5:5001',
      kuboSwarmReads: true,
      replicaSweepMs: 15_000,
      firebaseProject: 'hospital-a-prod',
      firestorePrefix: 'prod',
      authEmulator: false,
    });
  });

  it('bounds every dependency call by default: 10 s at most per call, 2 s for readiness', () => {
    const { timeouts } = loadConfig({});
    expect(Object.keys(timeouts).sort()).toEqual(['authMs', 'blobStoreMs', 'ledgerMs', 'permissionStoreMs', 'readyMs']);
    for (const ms of Object.values(timeouts)) expect(ms).toBeLessThanOrEqual(10_000);
    expect(timeouts.readyMs).toBeLessThanOrEqual(2_000);
  });

  it('takes each deadline from its variable', () => {
    const { timeouts } = loadConfig({
      CARELEDGER_LEDGER_TIMEOUT_MS: '3000',
      CARELEDGER_BLOB_TIMEOUT_MS: '4000',
      CARELEDGER_PERMISSION_STORE_TIMEOUT_MS: '5000',
      CARELEDGER_AUTH_TIMEOUT_MS: '6000',
      CARELEDGER_READY_TIMEOUT_MS: '700',
    });
    expect(timeouts).toEqual({ ledgerMs: 3000, blobStoreMs: 4000, permissionStoreMs: 5000, authMs: 6000, readyMs: 700 });
  });

  it.each([
    ['the network profile without an org', { CARELEDGER_PROFILE: 'network' }, /CARELEDGER_ORG/],
    ['an org on the embedded profile', { CARELEDGER_ORG: 'hospital-a' }, /CARELEDGER_ORG/],
    ['an org without a default port', { CARELEDGER_PROFILE: 'network', CARELEDGER_ORG: 'hospital-c' }, /CARELEDGER_PORT/],
    ['an org name that is not a name', { CARELEDGER_PROFILE: 'network', CARELEDGER_ORG: 'Hospital A' }, /CARELEDGER_ORG/],
    ['a Kubo URL that is not http', { CARELEDGER_PROFILE: 'network', CARELEDGER_ORG: 'hospital-a', CARELEDGER_KUBO_API_URL: 'ftp://x' }, /CARELEDGER_KUBO_API_URL/],
    ['an auth emulator switch that is not a boolean', { CARELEDGER_AUTH_EMULATOR: 'yes' }, /CARELEDGER_AUTH_EMULATOR/],
    ['a ledger deadline that is not a number', { CARELEDGER_LEDGER_TIMEOUT_MS: 'soon' }, /CARELEDGER_LEDGER_TIMEOUT_MS/],
    ['a blob-store deadline of zero', { CARELEDGER_BLOB_TIMEOUT_MS: '0' }, /CARELEDGER_BLOB_TIMEOUT_MS/],
    ['a permission-store deadline beyond ten minutes', { CARELEDGER_PERMISSION_STORE_TIMEOUT_MS: '600001' }, /CARELEDGER_PERMISSION_STORE_TIMEOUT_MS/],
    ['an Auth deadline that is not whole', { CARELEDGER_AUTH_TIMEOUT_MS: '1.5' }, /CARELEDGER_AUTH_TIMEOUT_MS/],
    ['a readiness deadline beyond the 2 s that /ready promises', { CARELEDGER_READY_TIMEOUT_MS: '2500' }, /CARELEDGER_READY_TIMEOUT_MS/],
  ])('refuses %s, naming the variable', (_what, env, variable) => {
    expect(() => loadConfig(env)).toThrow(variable);
  });
});
