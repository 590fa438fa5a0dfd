import path from 'node:path';
import { z } from 'zod';

/** One hospital org this gateway speaks for: its MSP id and registry name. */
export interface OrgConfig {
  mspId: string;
  name: string;
}

const DEFAULT_ORGS: OrgConfig[] = [
  { mspId: 'HospitalAMSP', name: 'hospital-a' },
  { mspId: 'HospitalBMSP', name: 'hospital-b' },
];

const schema = z.object({
  CARELEDGER_PROFILE: z.enum(['embedded', 'network']).default('embedded'),
  CARELEDGER_HOST: z.string().default('127.0.0.1'),
  CARELEDGER_PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  CARELEDGER_DATA_DIR: z.string().default('.data'),
  CARELEDGER_MAX_UPLOAD_BYTES: z.coerce.number().int().positive().default(2 * 1024 ** 3),
  CARELEDGER_JSON_LIMIT: z.string().default('100kb'),
  CARELEDGER_CORS_ORIGINS: z.string().default(''),
  CARELEDGER_CACHE_BYTES: z.coerce.number().int().min(0).default(256 * 1024 ** 2),
  CARELEDGER_CACHE_ENTRY_BYTES: z.coerce.number().int().min(0).default(16 * 1024 ** 2),
  CARELEDGER_TOKEN_TTL_SECONDS: z.coerce.number().int().positive().default(3600),
  CARELEDGER_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  CARELEDGER_CONSENT_DAYS: z.coerce.number().int().positive().default(30),
});

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
}

/** Validates the environment; throws a readable error naming each bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid configuration: ${problems}`);
  }
  const e = parsed.data;
  return {
    profile: e.CARELEDGER_PROFILE,
    host: e.CARELEDGER_HOST,
    port: e.CARELEDGER_PORT,
    dataDir: path.resolve(e.CARELEDGER_DATA_DIR),
    orgs: DEFAULT_ORGS,
    maxUploadBytes: e.CARELEDGER_MAX_UPLOAD_BYTES,
    jsonLimit: e.CARELEDGER_JSON_LIMIT,
    corsOrigins: e.CARELEDGER_CORS_ORIGINS.split(',').map((s) => s.trim()).filter(Boolean),
    cacheBytes: e.CARELEDGER_CACHE_BYTES,
    cacheEntryBytes: e.CARELEDGER_CACHE_ENTRY_BYTES,
    tokenTtlSeconds: e.CARELEDGER_TOKEN_TTL_SECONDS,
    logLevel: e.CARELEDGER_LOG_LEVEL,
    consentDays: e.CARELEDGER_CONSENT_DAYS,
  };
}
