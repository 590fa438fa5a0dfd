import { createPrivateKey, createPublicKey, generateKeyPair, type KeyObject } from 'node:crypto';
import { mkdir, rename, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

import { DataKeyError } from '../../crypto/data-key-error.js';
import {
  KEY_WRAP_ALGORITHM,
  isPatientKeyId,
  recipientKeyId,
  unwrapDataKey,
  unwrapDataKeyForPatient,
  wrapDataKeyForPatient,
  wrappedKeyId,
} from '../../crypto/data-key.js';
import type { KeyService, PublicJwk } from '../../ports/key-service.js';
import { LocalKeyError } from './local-key-error.js';
import { PatientKeyStore } from './patient-key-store.js';
import { checkPrivate, readPrivate, syncFolder, writeSyncedTemporary } from './private-files.js';

const generateEcKeyPair = promisify(generateKeyPair);

/** Options of {@link LocalKeyService.open}. */
export interface LocalKeyServiceOptions {
  /** Path of the key file; created (mode 0600, parent folders 0700) when missing. */
  file: string;
  /** MSP ids this gateway holds keys for; missing ones get a new key on open. */
  orgs: string[];
}

// On disk: { "version": 1, "orgs": { "<mspId>": [ { kid, createdAt, jwk } ] } }. Each org has a list so a
// key can be rotated later without losing the older keys that still unwrap existing records; the last
// entry is the current key.
const KEY_FILE_VERSION = 1;

interface StoredKey {
  kid: string;
  createdAt: string;
  jwk: { kty: 'EC'; crv: 'P-256'; x: string; y: string; d: string };
}

interface KeyFile {
  version: typeof KEY_FILE_VERSION;
  orgs: Record<string, StoredKey[]>;
}

interface OrgKey {
  kid: string;
  privateKey: KeyObject;
  publicJwk: PublicJwk;
}

/**
 * The `local` KeyService: each org's P-256 key-encryption key in one JSON file readable by the gateway's
 * user only, and each org's patient keys beside it, one file per patient, in `patients/<mspId>/` (see
 * {@link PatientKeyStore}). Enough for one hospital's own gateway; a KMS adapter can replace it behind the
 * same port.
 */
export class LocalKeyService implements KeyService {
  readonly #file: string;
  readonly #keys: ReadonlyMap<string, readonly OrgKey[]>;
  readonly #patientKeys: ReadonlyMap<string, PatientKeyStore>;

  private constructor(file: string, keys: ReadonlyMap<string, readonly OrgKey[]>, patientKeys: ReadonlyMap<string, PatientKeyStore>) {
    this.#file = file;
    this.#keys = keys;
    this.#patientKeys = patientKeys;
  }

  /** The folder of an org's patient keys, next to the key file. */
  static patientKeyFolder(file: string, mspId: string): string {
    return join(dirname(file), 'patients', encodeURIComponent(mspId));
  }

  /**
   * Loads the key file, creating it on first start and adding a key for every org not yet in it. Refuses a
   * file that group or others may access ({@link LocalKeyError} `KEY_FILE_INSECURE`).
   */
  static async open(options: LocalKeyServiceOptions): Promise<LocalKeyService> {
    const { file, orgs } = options;
    for (const org of orgs) {
      if (typeof org !== 'string' || org.length === 0) {
        throw new TypeError('org ids must be non-empty strings');
      }
    }
    const stored = (await readKeyFile(file)) ?? { version: KEY_FILE_VERSION, orgs: {} };
    const missing = [...new Set(orgs)].filter((org) => !Object.hasOwn(stored.orgs, org));
    if (missing.length > 0) {
      const added = await Promise.all(
        missing.map(async (org): Promise<[string, StoredKey[]]> => [org, [await newStoredKey()]]),
      );
      const updated: KeyFile = {
        version: KEY_FILE_VERSION,
        orgs: { ...stored.orgs, ...Object.fromEntries(added) },
      };
      await writeKeyFile(file, updated);
      return new LocalKeyService(file, await loadKeys(file, updated), await openPatientKeys(file, Object.keys(updated.orgs)));
    }
    return new LocalKeyService(file, await loadKeys(file, stored), await openPatientKeys(file, Object.keys(stored.orgs)));
  }

  /** The org's current public key-encryption key, with its `kid` (RFC 7638 thumbprint). */
  async publicKey(mspId: string): Promise<PublicJwk> {
    const keys = this.#orgKeys(mspId);
    return { ...keys[keys.length - 1].publicJwk };
  }

  /**
   * Unwraps a data key wrapped for one of this org's keys. A key wrapped for another org (or an unknown
   * key) is refused with {@link DataKeyError} `DATA_KEY_WRONG_RECIPIENT` before any decryption.
   */
  async unwrap(mspId: string, wrapped: string): Promise<Uint8Array> {
    const kid = wrappedKeyId(wrapped);
    if (isPatientKeyId(kid)) {
      const patientKey = await this.#patientStore(mspId).keyById(kid);
      if (patientKey === undefined) {
        throw new DataKeyError('DATA_KEY_DESTROYED', `wrapped data key names a patient key ${mspId} does not hold`);
      }
      return unwrapDataKeyForPatient(wrapped, patientKey);
    }
    const key = this.#orgKeys(mspId).find((candidate) => candidate.kid === kid);
    if (key === undefined) {
      throw new DataKeyError('DATA_KEY_WRONG_RECIPIENT', `wrapped data key is not for a key of ${mspId}`);
    }
    return unwrapDataKey(wrapped, key.privateKey);
  }

  /** Wraps a data key under the patient's key of this org, creating that key on first use. */
  async wrapForPatient(mspId: string, patientId: string, dataKey: Uint8Array): Promise<string> {
    const { kid, key } = await this.#patientStore(mspId).keyFor(patientId);
    return wrapDataKeyForPatient(dataKey, key, kid);
  }

  /** Destroys the patient's key of this org: overwritten, synced and unlinked. True when one existed. */
  async destroyPatientKey(mspId: string, patientId: string): Promise<boolean> {
    return this.#patientStore(mspId).destroy(patientId);
  }

  /** Resolves while the key file is still in place and private; the keys themselves are in memory. */
  async ready(): Promise<void> {
    const stats = await stat(this.#file);
    checkPrivate(this.#file, stats.mode);
  }

  #patientStore(mspId: string): PatientKeyStore {
    const store = this.#patientKeys.get(mspId);
    if (store === undefined) throw new LocalKeyError('KEY_ORG_UNKNOWN', `no key-encryption key for org ${mspId}`);
    return store;
  }

  #orgKeys(mspId: string): readonly OrgKey[] {
    const keys = this.#keys.get(mspId);
    if (keys === undefined || keys.length === 0) {
      throw new LocalKeyError('KEY_ORG_UNKNOWN', `no key-encryption key for org ${mspId}`);
    }
    return keys;
  }
}

async function openPatientKeys(file: string, orgs: string[]): Promise<Map<string, PatientKeyStore>> {
  const stores = new Map<string, PatientKeyStore>();
  for (const org of orgs) stores.set(org, await PatientKeyStore.open(LocalKeyService.patientKeyFolder(file, org)));
  return stores;
}

/** The parsed key file, or undefined when there is none yet. */
async function readKeyFile(file: string): Promise<KeyFile | undefined> {
  const text = await readPrivate(file);
  return text === undefined ? undefined : parseKeyFile(file, text);
}

function parseKeyFile(file: string, text: string): KeyFile {
  const invalid = (why: string, cause?: unknown) =>
    new LocalKeyError('KEY_FILE_INVALID', `key file ${file} is not usable: ${why}`, { cause });
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw invalid('not JSON', error);
  }
  if (!isRecord(parsed) || parsed.version !== KEY_FILE_VERSION || !isRecord(parsed.orgs)) {
    throw invalid(`expected {"version": ${KEY_FILE_VERSION}, "orgs": {...}}`);
  }
  for (const [org, keys] of Object.entries(parsed.orgs)) {
    if (!Array.isArray(keys) || keys.length === 0 || !keys.every(isStoredKey)) {
      throw invalid(`the keys of org ${org} are malformed`);
    }
  }
  return parsed as unknown as KeyFile;
}

async function loadKeys(file: string, keyFile: KeyFile): Promise<Map<string, OrgKey[]>> {
  const keys = new Map<string, OrgKey[]>();
  for (const [org, stored] of Object.entries(keyFile.orgs)) {
    keys.set(org, await Promise.all(stored.map((entry) => loadKey(file, org, entry))));
  }
  return keys;
}

async function loadKey(file: string, org: string, stored: StoredKey): Promise<OrgKey> {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: stored.jwk, format: 'jwk' });
  } catch (error) {
    throw new LocalKeyError('KEY_FILE_INVALID', `key file ${file} holds an invalid key for org ${org}`, {
      cause: error,
    });
  }
  const { kty, crv, x, y } = createPublicKey(privateKey).export({ format: 'jwk' });
  const publicJwk: PublicJwk = { kty: String(kty), crv, x, y };
  // The kid is recomputed rather than trusted, so an edited file cannot make one org's key answer to another's.
  const kid = await recipientKeyId(publicJwk);
  if (kid !== stored.kid) {
    throw new LocalKeyError('KEY_FILE_INVALID', `key file ${file}: kid of org ${org} does not match its key`);
  }
  return { kid, privateKey, publicJwk: { ...publicJwk, kid, alg: KEY_WRAP_ALGORITHM, use: 'enc' } };
}

async function newStoredKey(): Promise<StoredKey> {
  const { privateKey } = await generateEcKeyPair('ec', { namedCurve: 'P-256' });
  const { x, y, d } = privateKey.export({ format: 'jwk' });
  if (x === undefined || y === undefined || d === undefined)
    throw new Error('P-256 key export lacks x, y or d');
  const jwk = { kty: 'EC', crv: 'P-256', x, y, d } as const;
  return { kid: await recipientKeyId(jwk), createdAt: new Date().toISOString(), jwk };
}

/**
 * Writes the whole file atomically: a temporary file created with `wx` and mode 0600 (never readable by
 * others, not even for a moment), synced, then renamed over the old one, so a crash leaves the old file or
 * the new one and never half a key file.
 */
async function writeKeyFile(file: string, keyFile: KeyFile): Promise<void> {
  const folder = dirname(file);
  await mkdir(folder, { recursive: true, mode: 0o700 });
  const temporary = await writeSyncedTemporary(folder, `${JSON.stringify(keyFile, null, 2)}\n`);
  try {
    await rename(temporary, file);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
  await syncFolder(folder);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStoredKey(value: unknown): value is StoredKey {
  if (!isRecord(value) || typeof value.kid !== 'string' || typeof value.createdAt !== 'string') return false;
  const { jwk } = value;
  return (
    isRecord(jwk) &&
    jwk.kty === 'EC' &&
    jwk.crv === 'P-256' &&
    typeof jwk.x === 'string' &&
    typeof jwk.y === 'string' &&
    typeof jwk.d === 'string'
  );
}
