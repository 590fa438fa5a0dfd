import path from 'node:path';
import { z } from 'zod';
import { DEFAULT_CONNECTION_FILE } from './network-connection.js';

/** One hospital org this gateway speaks for: its MSP id and registry name. */
export interface OrgConfig {
  mspId: string;
  name: string;
}

/** The consortium's orgs: the embedded profile seeds them all; on the network each gateway speaks for one. */
export const DEFAULT_ORGS: OrgConfig[] = [
  { mspId: 'HospitalAMSP', name: 'hospital-a' },
  { mspId: 'HospitalBMSP', name: 'hospital-b' },
];

/** Default listen port of each org's network gateway (one gateway per org: docs/DECISIONS.md#one-gateway-per-hospital). */
const NETWORK_PORTS: Record<string, number> = { 'hospital-a': 3001, 'hospital-b': 3002 };

const bool = z.enum(['true', 'false', '1', '0', '']).transform((v) => v === 'true' || v === '1');
/** A deadline in ms: at least 100 ms, at most 10 minutes. */
const ms = (fallback: number) => z.coerce.number().int().min(100).max(600_000).default(fallback);
const optional = z.string().optional().transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const schema = z.object({
  CARELEDGER_PROFILE: z.enum(['embedded', 'network']).default('embedded'),
  CARELEDGER_HOST: z.string().default('127.0.0.1'),
  // Defaults depend on the profile and org (see loadConfig).
  CARELEDGER_PORT: optional.pipe(z.coerce.number<string | undefined>().int().min(0).max(65535).optional()),
  CARELEDGER_DATA_DIR: optional,
  CARELEDGER_MAX_UPLOAD_BYTES: z.coerce.number().int().positive().default(2 * 1024 ** 3),
  CARELEDGER_JSON_LIMIT: z.string().default('100kb'),
  CARELEDGER_CORS_ORIGINS: z.string().default(''),
  CARELEDGER_CACHE_BYTES: z.coerce.number().int().min(0).default(256 * 1024 ** 2),
  CARELEDGER_CACHE_ENTRY_BYTES: z.coerce.number().int().min(0).default(16 * 1024 ** 2),
  CARELEDGER_TOKEN_TTL_SECONDS: z.coerce.number().int().positive().default(3600),
  CARELEDGER_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  CARELEDGER_CONSENT_DAYS: z.coerce.number().int().positive().default(30),
  CARELEDGER_PUBLIC_URL: optional.pipe(z.url({ protocol: /^https?$/ }).optional()),
  CARELEDGER_RECLAIM_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(60_000),
  CARELEDGER_ERASE_PAGE_KEYS: z.coerce.number().int().min(1).max(500).default(500),
  CARELEDGER_REGISTRY_CACHE_MS: z.coerce.number().int().min(0).max(300_000).default(10_000),
  // Deadlines of the calls to each dependency (see Timeouts).
  CARELEDGER_LEDGER_TIMEOUT_MS: ms(7_000),
  CARELEDGER_BLOB_TIMEOUT_MS: ms(8_000),
  CARELEDGER_PERMISSION_STORE_TIMEOUT_MS: ms(5_000),
  CARELEDGER_AUTH_TIMEOUT_MS: ms(5_000),
  CARELEDGER_READY_TIMEOUT_MS: z.coerce.number().int().min(100).max(2_000).default(1_500),
  CARELEDGER_SSE_HEARTBEAT_SECONDS: z.coerce.number().int().min(1).max(300).default(15),
  CARELEDGER_CONSENT_EXPIRY_SWEEP_SECONDS: z.coerce.number().int().min(1).max(86_400).default(300),
  CARELEDGER_EMERGENCY_KEY_WAIT_MS: z.coerce.number().int().min(0).max(60_000).default(5_000),
  CARELEDGER_EMERGENCY_SWEEP_SECONDS: z.coerce.number().int().min(1).max(3_600).default(60),
  CARELEDGER_ORPHAN_GRACE_SECONDS: z.coerce.number().int().min(1).max(86_400).default(600),
  CARELEDGER_ORPHAN_SWEEP_SECONDS: z.coerce.number().int().min(1).max(86_400).default(300),
  CARELEDGER_WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  CARELEDGER_WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(10),
  CARELEDGER_WEBHOOK_RETRY_BASE_MS: z.coerce.number().int().min(10).max(3_600_000).default(5_000),
  CARELEDGER_WEBHOOK_RETRY_MAX_MS: z.coerce.number().int().min(10).max(86_400_000).default(3_600_000),
  // network profile
  CARELEDGER_ORG: optional.pipe(z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'must be an org name such as hospital-a').optional()),
  CARELEDGER_NETWORK_CONNECTION: z.string().default(DEFAULT_CONNECTION_FILE),
  CARELEDGER_CHAINCODE: optional.pipe(z.string().regex(/^[A-Za-z0-9]+([-_][A-Za-z0-9]+)*$/, 'must be a chaincode name').optional()),
  CARELEDGER_KUBO_API_URL: optional.pipe(z.url({ protocol: /^https?$/ }).optional()),
  CARELEDGER_KUBO_SWARM_READS: bool.default(false),
  CARELEDGER_REPLICA_SWEEP_SECONDS: z.coerce.number().int().min(1).max(3_600).default(60),
  CARELEDGER_FIREBASE_PROJECT: optional.pipe(z.string().regex(/^[a-z0-9-]{4,40}$/, 'must be a Firebase project id').optional()),
  CARELEDGER_FIREBASE_WEB_API_KEY: optional.pipe(z.string().regex(/^[A-Za-z0-9_-]{10,100}$/, 'must be a Firebase web API key').optional()),
  CARELEDGER_FIRESTORE_PREFIX: optional.pipe(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/, "must be letters, digits, '_' or '-'").optional()),
  CARELEDGER_AUTH_EMULATOR: bool.default(false),
});

/** Settings of the network profile (real Fabric peers, Kubo, Firestore, Firebase Auth). */
export interface NetworkConfig {
  /** The org (registry name, e.g. `hospital-a`) whose identity this gateway holds and whose users it serves. */
  org: string;
  /** The connection profile written by `npm run network:up` (peers, identities, Kubo, emulators). */
  connectionFile: string;
  /** The chaincode on the channel; default: the connection profile's. */
  chaincode?: string;
  /** Kubo's RPC API; default: the connection profile's. */
  kuboApiUrl?: string;
  /** Read blobs this hospital's Kubo node does not hold from its swarm peers, keeping a replica (consortium topology). */
  kuboSwarmReads: boolean;
  /**
   * With swarm reads: how often the replica keeper compares the node's replica pins with the data keys the org
   * holds and repairs the difference (ms).
   */
  replicaSweepMs: number;
  /** Firebase project of Firestore and Auth; default: the connection profile's. */
  firebaseProject?: string;
  /** The Firebase web app's API key the portal's sign-in uses (public by design); not needed with the Auth emulator. */
  firebaseWebApiKey?: string;
  /** Prefix of this gateway's Firestore collections (default: the org name, so two orgs can share a database). */
  firestorePrefix: string;
  /**
   * Accept the Firebase Auth emulator's unsigned tokens (local network and tests only). When true and
   * `FIREBASE_AUTH_EMULATOR_HOST` is unset, the connection profile's emulator is used.
   */
  authEmulator: boolean;
}

/**
 * How long the gateway waits for each dependency before it answers 503 naming it. The defaults keep a request
 * that meets one hung dependency under 10 s in all (a download makes a few quick ledger calls before it reads the
 * blob store), and `/ready` under 2 s.
 */
export interface Timeouts {
  /** One ledger call: an evaluate, or a submit with its endorsement, ordering, commit and conflict retries. */
  ledgerMs: number;
  /** One blob-store call; for a stream (upload or download), the longest wait for the store to take or give bytes. */
  blobStoreMs: number;
  /** One permission-store (Firestore) call. */
  permissionStoreMs: number;
  /** One token verification by Firebase Auth. */
  authMs: number;
  /** Each adapter's readiness probe; `/ready` probes them all at once. */
  readyMs: number;
}

/** How webhook deliveries are attempted: a deadline per call, and retries with a doubling wait. */
export interface WebhookConfig {
  /** Deadline of one delivery call (connect, send, answer). */
  timeoutMs: number;
  /** Attempts before a delivery becomes a dead letter (the first call counts). */
  maxAttempts: number;
  /** Wait before the first retry; each further retry waits twice as long, up to `retryMaxMs`. */
  retryBaseMs: number;
  retryMaxMs: number;
}

/** The gateway's whole configuration: built once from the environment and passed down (no global). */
export interface Config {
  profile: 'embedded' | 'network';
  host: string;
  port: number;
  dataDir: string;
  orgs: OrgConfig[];
  maxUploadBytes: number;
  jsonLimit: string;
  corsOrigins: string[];
  cacheBytes: number;
  cacheEntryBytes: number;
  tokenTtlSeconds: number;
  logLevel: string;
  /** Default lifetime of a consent created by approving a request, when the patient gives none. */
  consentDays: number;
  /**
   * The gateway's public base URL (e.g. `https://gw.hospital-a.example`), from which absolute URLs in FHIR
   * answers are built (`fullUrl`, links, attachment URLs); unset: `http://localhost:<listen port>`.
   */
  publicUrl?: string;
  /** How long an erasure waits for each store's compaction or garbage collection. */
  reclaimTimeoutMs: number;
  /** Ledger keys an erasure purges per transaction (at most 500, what one EraseKeys takes). */
  erasePageKeys: number;
  /** How long a user read from the ledger registry may serve further requests (ms; 0: read it every time). Role changes and erasures clear it at once. */
  registryCacheMs: number;
  /** Deadlines of the calls to each dependency. */
  timeouts: Timeouts;
  notifications: {
    /** How often an idle SSE stream gets a comment line (and looks for notifications another process stored). */
    heartbeatMs: number;
    /** How often the gateway looks for consents that expire within 24 h. */
    expirySweepMs: number;
  };
  /** Break-glass across hospitals. */
  emergency: {
    /** How long a reader's gateway waits for the home hospital to release the keys of a new session before it answers 503. */
    keyWaitMs: number;
    /** How often the home hospital's gateway looks for ended sessions whose released keys it must withdraw. */
    sweepMs: number;
  };
  /** Blobs of uploads that a stopped gateway left without a record. */
  orphans: {
    /** How old an unsettled upload of a previous process must be before its blob is unpinned. */
    graceMs: number;
    /** How often the gateway looks (and once at start). */
    sweepMs: number;
  };
  /** Delivery of the orgs' events to their webhooks. */
  webhooks: WebhookConfig;
  /** Only on the network profile. */
  network?: NetworkConfig;
}

/** Validates the environment; throws a readable error naming each bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid configuration: ${problems}`);
  }
  const e = parsed.data;
  let network: NetworkConfig | undefined;
  let orgs = DEFAULT_ORGS;
  if (e.CARELEDGER_PROFILE === 'network') {
    if (e.CARELEDGER_ORG === undefined) {
      throw new Error('invalid configuration: CARELEDGER_ORG: the network profile serves one org: set it (or pass --org hospital-a)');
    }
    // The network gateway resolves the org's MSP id from the connection profile when it opens.
    orgs = DEFAULT_ORGS.filter((o) => o.name === e.CARELEDGER_ORG);
    network = {
      org: e.CARELEDGER_ORG,
      connectionFile: path.resolve(e.CARELEDGER_NETWORK_CONNECTION),
      chaincode: e.CARELEDGER_CHAINCODE,
      kuboApiUrl: e.CARELEDGER_KUBO_API_URL,
      kuboSwarmReads: e.CARELEDGER_KUBO_SWARM_READS,
      replicaSweepMs: e.CARELEDGER_REPLICA_SWEEP_SECONDS * 1000,
      firebaseProject: e.CARELEDGER_FIREBASE_PROJECT,
      firebaseWebApiKey: e.CARELEDGER_FIREBASE_WEB_API_KEY,
      firestorePrefix: e.CARELEDGER_FIRESTORE_PREFIX ?? e.CARELEDGER_ORG,
      authEmulator: e.CARELEDGER_AUTH_EMULATOR,
    };
  } else if (e.CARELEDGER_ORG !== undefined) {
    throw new Error('invalid configuration: CARELEDGER_ORG: only the network profile serves a single org (set CARELEDGER_PROFILE=network)');
  }
  const port = e.CARELEDGER_PORT ?? (network ? NETWORK_PORTS[network.org] : 3000);
  if (port === undefined) throw new Error(`invalid configuration: CARELEDGER_PORT: no default port for org ${network?.org}: set it`);
  return {
    profile: e.CARELEDGER_PROFILE,
    host: e.CARELEDGER_HOST,
    port,
    // Each org's gateway keeps its own key-encryption key: never share a data dir between orgs.
    dataDir: path.resolve(e.CARELEDGER_DATA_DIR ?? (network ? path.join('.data', 'network', network.org) : '.data')),
    orgs,
    maxUploadBytes: e.CARELEDGER_MAX_UPLOAD_BYTES,
    jsonLimit: e.CARELEDGER_JSON_LIMIT,
    corsOrigins: e.CARELEDGER_CORS_ORIGINS.split(',').map((s) => s.trim()).filter(Boolean),
    cacheBytes: e.CARELEDGER_CACHE_BYTES,
    cacheEntryBytes: e.CARELEDGER_CACHE_ENTRY_BYTES,
    tokenTtlSeconds: e.CARELEDGER_TOKEN_TTL_SECONDS,
    logLevel: e.CARELEDGER_LOG_LEVEL,
    consentDays: e.CARELEDGER_CONSENT_DAYS,
    ...(e.CARELEDGER_PUBLIC_URL ? { publicUrl: e.CARELEDGER_PUBLIC_URL.replace(/\/+$/, '') } : {}),
    reclaimTimeoutMs: e.CARELEDGER_RECLAIM_TIMEOUT_MS,
    erasePageKeys: e.CARELEDGER_ERASE_PAGE_KEYS,
    registryCacheMs: e.CARELEDGER_REGISTRY_CACHE_MS,
    timeouts: {
      ledgerMs: e.CARELEDGER_LEDGER_TIMEOUT_MS,
      blobStoreMs: e.CARELEDGER_BLOB_TIMEOUT_MS,
      permissionStoreMs: e.CARELEDGER_PERMISSION_STORE_TIMEOUT_MS,
      authMs: e.CARELEDGER_AUTH_TIMEOUT_MS,
      readyMs: e.CARELEDGER_READY_TIMEOUT_MS,
    },
    notifications: {
      heartbeatMs: e.CARELEDGER_SSE_HEARTBEAT_SECONDS * 1000,
      expirySweepMs: e.CARELEDGER_CONSENT_EXPIRY_SWEEP_SECONDS * 1000,
    },
    emergency: {
      keyWaitMs: e.CARELEDGER_EMERGENCY_KEY_WAIT_MS,
      sweepMs: e.CARELEDGER_EMERGENCY_SWEEP_SECONDS * 1000,
    },
    orphans: {
      graceMs: e.CARELEDGER_ORPHAN_GRACE_SECONDS * 1000,
      sweepMs: e.CARELEDGER_ORPHAN_SWEEP_SECONDS * 1000,
    },
    webhooks: {
      timeoutMs: e.CARELEDGER_WEBHOOK_TIMEOUT_MS,
      maxAttempts: e.CARELEDGER_WEBHOOK_MAX_ATTEMPTS,
      retryBaseMs: e.CARELEDGER_WEBHOOK_RETRY_BASE_MS,
      retryMaxMs: Math.max(e.CARELEDGER_WEBHOOK_RETRY_MAX_MS, e.CARELEDGER_WEBHOOK_RETRY_BASE_MS),
    },
    ...(network ? { network } : {}),
  };
}
