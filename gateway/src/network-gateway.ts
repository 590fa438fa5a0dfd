import path from 'node:path';
import { CachingBlobStore } from './adapters/caching/caching-blob-store.js';
import { JoseDeviceCredentials } from './adapters/device-tokens/jose-device-credentials.js';
import { FabricLedger } from './adapters/fabric/fabric-ledger.js';
import { AUTH_EMULATOR_VARIABLE, FirebaseAuthenticator } from './adapters/firebase-auth/firebase-authenticator.js';
import { createFirebaseAuth } from './adapters/firebase-auth/create-firebase-auth.js';
import { createFirestore } from './adapters/firestore/create-firestore.js';
import { FirestorePermissionStore } from './adapters/firestore/firestore-permission-store.js';
import { KuboBlobStore } from './adapters/kubo/kubo-blob-store.js';
import { LocalKeyService } from './adapters/local-keys/local-key-service.js';
import type { Config, NetworkConfig, OrgConfig } from './config.js';
import { AppError } from './domain/app-error.js';
import { organizationOf, readNetworkConnection, type NetworkConnection } from './network-connection.js';
import type { KeyService } from './ports/key-service.js';
import { buildServices, runGateway, type RunningGateway } from './build-services.js';
import { ChaincodeClient } from './ledger-client/chaincode-client.js';
import { FilePendingUploads } from './services/pending-uploads.js';
import type { Logger } from './ports/logger.js';
import { ReplicaKeeper } from './services/replica-keeper.js';

/** What a test (or a tool) may change about the network profile's wiring. */
export interface NetworkOptions {
  /**
   * Orgs (registry names or MSP ids) whose Fabric identities this gateway holds and whose users it serves.
   * Default: the configured org only — one gateway per org (docs/DECISIONS.md#one-gateway-per-hospital).
   * The integration tests hold both.
   */
  orgs?: string[];
  /** Chaincode name on the channel (default: the connection profile's); tests use a fresh one per run. */
  chaincode?: string;
  /** Whether to follow the ledger's events into the permission store (default true). */
  follow?: boolean;
  /** An already read connection profile (default: read `config.network.connectionFile`). */
  connection?: NetworkConnection;
}

/** How long the first ledger call may wait for the peers (a gateway started together with the network). */
const LEDGER_WAIT_MS = 60_000;

/**
 * The network profile: the chaincode on real Fabric peers (FabricLedger, one client identity per held org),
 * encrypted files on Kubo behind the ciphertext cache, the permission projection in Firestore, Firebase Auth
 * ID tokens, and the org's key-encryption key in `<dataDir>/keys/kek.json`. On start each held org registers
 * itself on the ledger (once) with its own public key; a gateway never registers an org it holds no identity
 * of, and refuses to start when its org was registered with another key-encryption key.
 */
export async function openNetworkGateway(config: Config, log: Logger, options: NetworkOptions = {}): Promise<RunningGateway> {
  const network = config.network;
  if (!network) throw new Error('the network profile needs its settings (CARELEDGER_PROFILE=network, CARELEDGER_ORG)');
  const connection = options.connection ?? (await readNetworkConnection(network.connectionFile));
  const held = (options.orgs ?? [network.org]).map((org) => organizationOf(connection, org));
  const orgs: OrgConfig[] = held.map((o) => ({ mspId: o.mspId, name: o.name }));
  const projectId = network.firebaseProject ?? connection.firestore.projectId;

  const authenticator = await openAuthenticator(network, connection, projectId, config.timeouts.authMs);
  const keys = await LocalKeyService.open({ file: path.join(config.dataDir, 'keys', 'kek.json'), orgs: orgs.map((o) => o.mspId) });
  const firestoreEmulator = process.env.FIRESTORE_EMULATOR_HOST || connection.firestore.emulatorHost;
  // Against the emulator the Google client need not look for a metadata server (a probe that fails offline).
  if (firestoreEmulator) process.env.METADATA_SERVER_DETECTION ??= 'none';
  const firestore = createFirestore({ projectId, emulatorHost: firestoreEmulator });
  const permissions = new FirestorePermissionStore({ firestore, prefix: network.firestorePrefix, callTimeoutMs: config.timeouts.permissionStoreMs });
  // Garbage is collected once per erasure (with a deadline), not after every single unpin.
  const kubo = new KuboBlobStore({ url: network.kuboApiUrl ?? connection.kubo.apiUrl, gcOnRemove: false, timeoutMs: config.timeouts.blobStoreMs, readFromSwarm: network.kuboSwarmReads });
  // CARELEDGER_CACHE_BYTES=0 turns the cache off whatever the entry limit says (as on the embedded profile).
  const blobs = new CachingBlobStore(kubo, { maxBytes: config.cacheBytes, maxEntryBytes: Math.min(config.cacheEntryBytes, config.cacheBytes) });
  // Device credentials are the gateway's own (signed with a key in its data dir), on every profile.
  const deviceCredentials = new JoseDeviceCredentials({ keyFile: path.join(config.dataDir, 'keys', 'device-token-signing.json') });
  const ledger = await FabricLedger.connect({
    channel: connection.channel,
    chaincode: options.chaincode ?? network.chaincode ?? connection.chaincode,
    timeoutMs: config.timeouts.ledgerMs,
    // Each retry is counted in the log (the count per submit is bounded by the adapter's retry limit).
    onRetry: (kind) => log.info({ retry: kind }, 'ledger submit retried'),
    orgs: held.map((o) => ({
      mspId: o.mspId,
      peerEndpoint: o.peerEndpoint,
      peerHostAlias: o.peerHostAlias,
      tlsRootCertPath: o.tlsCaCertPath,
      certPath: o.clientCertPath,
      keyPath: o.clientKeyPath,
    })),
  });
  const closeAdapters = () => Promise.allSettled([ledger.close(), blobs.close(), permissions.close()]);

  try {
    await Promise.all([waitForLedger(ledger, log), kubo.ready(), permissions.ready(), deviceCredentials.ready()]);
    // Fabric peers and Firestore manage their own storage; Kubo's unpinned blocks go with its garbage collector.
    const reclaimers = [{ name: 'blob store', reclaim: (o?: { signal?: AbortSignal }) => kubo.reclaim(o) }];
    // Uploads between Kubo and the ledger, kept in the data dir: after a kill, their blobs are swept at the next start.
    const pendingUploads = new FilePendingUploads(path.join(config.dataDir, 'pending-uploads'));
    const built = buildServices({ config: { ...config, orgs }, log, ledger, blobs, keys, permissions, authenticator, deviceCredentials, reclaimers, pendingUploads });
    await seedOrgs(() => built.services.registry.seed());
    await checkRegisteredKeys(new ChaincodeClient(ledger), keys, orgs, path.join(config.dataDir, 'keys', 'kek.json'));
    const follow = options.follow !== false;
    // Each hospital's own node in a private swarm: keep replicas of the records this org holds data keys of.
    const keeper = follow && network.kuboSwarmReads && held.length === 1
      ? new ReplicaKeeper(ledger.recordFacts(held[0]!.mspId), kubo, held[0]!.mspId, log, { sweepMs: network.replicaSweepMs }).start()
      : undefined;
    const running = runGateway(built, log, follow, closeAdapters);
    if (!keeper) return running;
    const close = running.close.bind(running);
    return { ...running, close: async () => (await keeper.stop(), await close()) };
  } catch (error) {
    await closeAdapters();
    throw error;
  }
}

/**
 * Firebase Auth: real ID tokens, or — only when `CARELEDGER_AUTH_EMULATOR=true` — the emulator's unsigned
 * ones (the connection profile's emulator unless `FIREBASE_AUTH_EMULATOR_HOST` names one). firebase-admin
 * reads that variable, not a setting, so it is set here for the process.
 */
async function openAuthenticator(network: NetworkConfig, connection: NetworkConnection, projectId: string, timeoutMs: number): Promise<FirebaseAuthenticator> {
  if (network.authEmulator && !process.env[AUTH_EMULATOR_VARIABLE]) {
    const host = connection.auth?.emulatorHost;
    if (!host) throw new Error(`CARELEDGER_AUTH_EMULATOR=true but neither ${AUTH_EMULATOR_VARIABLE} nor the connection profile names an Auth emulator`);
    process.env[AUTH_EMULATOR_VARIABLE] = host;
  }
  const auth = await createFirebaseAuth({ projectId });
  // Refuses to run against an emulator unless CARELEDGER_AUTH_EMULATOR says so.
  return new FirebaseAuthenticator({ auth, allowEmulator: network.authEmulator, timeoutMs });
}

/**
 * The first ledger call of a gateway started together with the network can meet a peer that is not
 * serving yet (or a chaincode server still starting): wait for it, briefly, instead of failing the start.
 */
async function waitForLedger(ledger: FabricLedger, log: Logger): Promise<void> {
  const deadline = Date.now() + LEDGER_WAIT_MS;
  for (let attempt = 0; ; attempt++) {
    try {
      return await ledger.ready();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      if (attempt === 0) log.warn({ code: (error as { code?: unknown }).code }, 'the ledger does not answer yet; waiting');
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

/** Two gateways of one org starting together race to register it: the loser finds it registered. */
async function seedOrgs(seed: () => Promise<void>): Promise<void> {
  try {
    await seed();
  } catch (error) {
    if (!(error instanceof AppError) || (error.code !== 'ALREADY_EXISTS' && error.code !== 'CONFLICT')) throw error;
    await seed();
  }
}

/**
 * Every held org must be registered with this gateway's key-encryption key: data keys are wrapped with the
 * registered public key, so a gateway with another KEK (another data dir, a lost key file) could never
 * unwrap them. Refuse to start rather than fail every read.
 */
async function checkRegisteredKeys(chaincode: ChaincodeClient, keys: KeyService, orgs: OrgConfig[], keyFile: string): Promise<void> {
  for (const org of orgs) {
    const registered = JSON.parse((await chaincode.getOrg(org.mspId, org.mspId)).publicJwk) as Record<string, unknown>;
    const mine = await keys.publicKey(org.mspId);
    if (registered.x !== mine.x || registered.y !== mine.y) {
      throw new Error(
        `${org.name} (${org.mspId}) is registered on the ledger with another key-encryption key than ${keyFile}: ` +
          "start the gateway with the data dir that registered the org (CARELEDGER_DATA_DIR), or reset the network",
      );
    }
  }
}
