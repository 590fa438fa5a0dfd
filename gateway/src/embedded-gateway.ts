import path from 'node:path';
import { contracts } from '@careledger/chaincode';
import { CachingBlobStore } from './adapters/caching/caching-blob-store.js';
import { DevAuthenticator } from './adapters/dev-auth/dev-authenticator.js';
import { JoseDeviceCredentials } from './adapters/device-tokens/jose-device-credentials.js';
import { EmbeddedLedger } from './adapters/embedded-ledger/embedded-ledger.js';
import { LocalKeyService } from './adapters/local-keys/local-key-service.js';
import { LocalPermissionStore } from './adapters/local-permissions/local-permission-store.js';
import { UnixfsBlobStore } from './adapters/unixfs/unixfs-blob-store.js';
import type { Config } from './config.js';
import type { BlobStore } from './ports/blob-store.js';
import type { Ledger } from './ports/ledger.js';
import { buildServices, runGateway, type RunningGateway } from './build-services.js';
import type { Logger } from './ports/logger.js';

/** Test hooks: a ledger clock (consent expiry, break-glass windows) and a way to wrap the ledger (failure injection). */
export interface EmbeddedOptions {
  now?: () => Date;
  wrapLedger?: (ledger: Ledger) => Ledger;
  /** A way to wrap the blob store (failure injection: a store that stalls or fails). */
  wrapBlobs?: (blobs: BlobStore) => BlobStore;
  /** Whether to follow the ledger's events into the permission store (default true). */
  follow?: boolean;
}

/**
 * The embedded profile: the real chaincode in process on LevelDB, UnixFS blocks on disk, a local
 * permission store, local KEKs and the dev token issuer, all under `config.dataDir`. First start seeds
 * the configured orgs and their admins.
 */
export async function openEmbeddedGateway(config: Config, log: Logger, options: EmbeddedOptions = {}): Promise<RunningGateway> {
  const dir = (name: string) => path.join(config.dataDir, name);
  const orgs = config.orgs.map((o) => o.mspId);
  const keys = await LocalKeyService.open({ file: dir('keys/kek.json'), orgs });
  const ledger = await EmbeddedLedger.open({ dataDir: dir('ledger'), contracts, orgs, now: options.now });
  const blobStore = new UnixfsBlobStore({ dir: dir('blobs') });
  await blobStore.ready();
  // CARELEDGER_CACHE_BYTES=0 turns the cache off whatever the entry limit says.
  const blobs = new CachingBlobStore(blobStore, { maxBytes: config.cacheBytes, maxEntryBytes: Math.min(config.cacheEntryBytes, config.cacheBytes) });
  const permissions = new LocalPermissionStore({ dir: dir('permissions') });
  await permissions.ready();
  const auth = new DevAuthenticator({ keyFile: dir('keys/dev-token-signing.json'), ttlSeconds: config.tokenTtlSeconds });
  await auth.ready();
  const deviceCredentials = new JoseDeviceCredentials({ keyFile: dir('keys/device-token-signing.json') });
  await deviceCredentials.ready();

  // After an erasure these compact, so that purged values leave the LevelDB files (ledger, permission store, pin index).
  const reclaimers = [
    { name: 'ledger', reclaim: () => ledger.reclaim() },
    { name: 'permission store', reclaim: () => permissions.reclaim() },
    { name: 'blob store', reclaim: () => blobStore.reclaim() },
  ];
  const built = buildServices({ config, log, ledger: options.wrapLedger?.(ledger) ?? ledger, blobs: options.wrapBlobs?.(blobs) ?? blobs, keys, permissions, authenticator: auth, devTokens: auth, deviceCredentials, reclaimers, now: options.now });
  await built.services.registry.seed();
  return runGateway(built, log, options.follow !== false, () => Promise.allSettled([ledger.close(), blobs.close(), permissions.close()]));
}
