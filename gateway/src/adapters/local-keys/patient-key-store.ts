import { createHmac, randomBytes } from 'node:crypto';
import { link, mkdir, open, readdir, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

import { PATIENT_KEY_ID_PREFIX, PATIENT_KEY_LENGTH } from '../../crypto/data-key.js';
import { LocalKeyError } from './local-key-error.js';
import { readPrivate, syncFolder, writeSyncedTemporary } from './private-files.js';

// One folder per org: `id-secret` (32 random bytes, the HMAC key that turns a patient id into a key id) and
// one file per patient, `<id>.key`, holding {"version":1,"kid","createdAt","key"} (key: base64url, 32 bytes).
// File names are the HMAC, never the patient id, so a directory listing (or a directory block left on disk
// after an erasure) names no one.
const KEY_FILE_VERSION = 1;
const SECRET_FILE = 'id-secret';
const KEY_SUFFIX = '.key';
const ID_PATTERN = /^[A-Za-z0-9_-]{43}$/;

interface StoredPatientKey {
  version: typeof KEY_FILE_VERSION;
  kid: string;
  createdAt: string;
  key: string;
}

/**
 * The patient keys of one org, one file per patient (mode 0600, folder 0700). A key is created on first use
 * and destroyed by {@link PatientKeyStore.destroy}: the file is overwritten with random bytes, synced,
 * unlinked, and the folder synced, so neither the name nor the bytes of the key stay readable through the
 * file system.
 */
export class PatientKeyStore {
  readonly #folder: string;
  readonly #secret: Buffer;
  readonly #cache = new Map<string, Uint8Array>();
  readonly #pending = new Map<string, Promise<Uint8Array>>();

  private constructor(folder: string, secret: Buffer) {
    this.#folder = folder;
    this.#secret = secret;
  }

  /** Opens (creating if needed) the org's patient-key folder. */
  static async open(folder: string): Promise<PatientKeyStore> {
    await mkdir(folder, { recursive: true, mode: 0o700 });
    return new PatientKeyStore(folder, await readOrCreateSecret(folder));
  }

  /** The key id of a patient's key: `patient:` + HMAC-SHA256(id secret, patient id), base64url. */
  keyId(patientId: string): string {
    return PATIENT_KEY_ID_PREFIX + this.#fileId(patientId);
  }

  /** The patient's key, created (and made durable) on first use. */
  async keyFor(patientId: string): Promise<{ kid: string; key: Uint8Array }> {
    const id = this.#fileId(patientId);
    const kid = PATIENT_KEY_ID_PREFIX + id;
    const cached = this.#cache.get(id);
    if (cached) return { kid, key: cached };
    let pending = this.#pending.get(id);
    if (!pending) {
      pending = (async () => (await this.#read(id)) ?? (await this.#create(id, kid)))();
      this.#pending.set(id, pending);
      void pending.finally(() => this.#pending.delete(id)).catch(() => undefined);
    }
    const key = await pending;
    this.#cache.set(id, key);
    return { kid, key };
  }

  /** The key a wrapped key's `kid` names, or undefined when no such key exists (destroyed, or never here). */
  async keyById(kid: string): Promise<Uint8Array | undefined> {
    if (!kid.startsWith(PATIENT_KEY_ID_PREFIX)) return undefined;
    const id = kid.slice(PATIENT_KEY_ID_PREFIX.length);
    if (!ID_PATTERN.test(id)) return undefined;
    const cached = this.#cache.get(id);
    if (cached) return cached;
    const key = await this.#read(id);
    if (key) this.#cache.set(id, key);
    return key;
  }

  /** Destroys the patient's key (overwrite, sync, unlink, sync the folder). True when a key existed. */
  async destroy(patientId: string): Promise<boolean> {
    const id = this.#fileId(patientId);
    await this.#pending.get(id)?.catch(() => undefined);
    this.#cache.get(id)?.fill(0);
    this.#cache.delete(id);
    const file = this.#path(id);
    let handle: FileHandle;
    try {
      handle = await open(file, 'r+');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
    try {
      const { size } = await handle.stat();
      await handle.write(randomBytes(Math.max(size, 1)), 0, Math.max(size, 1), 0);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await unlink(file);
    await syncFolder(this.#folder);
    return true;
  }

  /** How many patient keys the folder holds (for operators and tests; names nobody). */
  async count(): Promise<number> {
    return (await readdir(this.#folder)).filter((name) => name.endsWith(KEY_SUFFIX)).length;
  }

  #fileId(patientId: string): string {
    if (typeof patientId !== 'string' || patientId.length === 0) throw new TypeError('patient id must be a non-empty string');
    return createHmac('sha256', this.#secret).update(patientId, 'utf8').digest('base64url');
  }

  #path(id: string): string {
    return join(this.#folder, id + KEY_SUFFIX);
  }

  async #read(id: string): Promise<Uint8Array | undefined> {
    const file = this.#path(id);
    const text = await readPrivate(file);
    if (text === undefined) return undefined;
    let parsed: Partial<StoredPatientKey>;
    try {
      parsed = JSON.parse(text) as Partial<StoredPatientKey>;
    } catch (error) {
      throw new LocalKeyError('KEY_FILE_INVALID', `patient key file ${file} is not JSON`, { cause: error });
    }
    const key = typeof parsed.key === 'string' ? Buffer.from(parsed.key, 'base64url') : undefined;
    if (parsed.version !== KEY_FILE_VERSION || parsed.kid !== PATIENT_KEY_ID_PREFIX + id || key?.length !== PATIENT_KEY_LENGTH) {
      throw new LocalKeyError('KEY_FILE_INVALID', `patient key file ${file} is not usable`);
    }
    return new Uint8Array(key);
  }

  async #create(id: string, kid: string): Promise<Uint8Array> {
    const key = new Uint8Array(randomBytes(PATIENT_KEY_LENGTH));
    const stored: StoredPatientKey = { version: KEY_FILE_VERSION, kid, createdAt: new Date().toISOString(), key: Buffer.from(key).toString('base64url') };
    const won = await writeNew(this.#folder, this.#path(id), `${JSON.stringify(stored)}\n`);
    if (won) return key;
    // Another writer created it first (a second process on the same folder): use theirs.
    const existing = await this.#read(id);
    if (!existing) throw new LocalKeyError('KEY_FILE_INVALID', 'a patient key file vanished while it was created');
    return existing;
  }
}

async function readOrCreateSecret(folder: string): Promise<Buffer> {
  const file = join(folder, SECRET_FILE);
  const text = await readPrivate(file);
  if (text !== undefined) {
    const secret = Buffer.from(text.trim(), 'base64url');
    if (secret.length !== 32) throw new LocalKeyError('KEY_FILE_INVALID', `${file} does not hold a 32-byte secret`);
    return secret;
  }
  await writeNew(folder, file, `${randomBytes(32).toString('base64url')}\n`);
  return readOrCreateSecret(folder);
}

/**
 * Writes a new file durably without ever replacing one: a synced temporary file (mode 0600) hard-linked to
 * its name (link fails when the name exists), then the folder synced. False when the name already existed.
 */
async function writeNew(folder: string, file: string, content: string): Promise<boolean> {
  const temporary = await writeSyncedTemporary(folder, content);
  try {
    await link(temporary, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await unlink(temporary).catch(() => undefined);
    await syncFolder(folder);
  }
}

