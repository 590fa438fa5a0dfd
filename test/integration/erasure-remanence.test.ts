/**
 * Erasure that survives storage remanence: after a patient is erased and the gateway stopped cleanly, someone
 * holding the whole data folder — and a copy of the patient's ciphertext taken before the erasure (a backup,
 * a block no garbage collector reached) — reads every raw file (LevelDB logs and tables decoded, the
 * permission store, the blob folder, the keys) and finds nothing of the patient's private data, and no
 * wrapped key that anything left on disk unwraps into a key that opens the patient's ciphertext.
 */
import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { sha256 } from 'multiformats/hashes/sha2';
import { LocalKeyService } from '../../gateway/src/adapters/local-keys/local-key-service.js';
import { wrappedKeyId } from '../../gateway/src/crypto/data-key.js';
import { decryptStream } from '../../gateway/src/crypto/segmented-aead.js';
import { GatewayHarness, someBytes } from '../support/gateway-harness.js';
import { filesContaining, readRawStorage, type RawFile } from '../support/raw-storage.js';
import { describeEmbeddedOnly } from '../support/test-profile.js';
import { eraseAndWait } from '../support/erasure.js';

const A = 'HospitalAMSP';
const B = 'HospitalBMSP';
// Compact JWS/JWE header starts `eyJ` ('{"'); five base64url parts.
const COMPACT_JWE = /eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/g;

/** Every block file of the embedded blob store: name -> bytes. Files under 256 KiB are one raw block each. */
async function blockFiles(dataDir: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  const root = path.join(dataDir, 'blobs', 'blocks');
  for (const shard of await readdir(root)) {
    for (const name of await readdir(path.join(root, shard))) out.set(name, await readFile(path.join(root, shard, name)));
  }
  return out;
}

/** The CID string a single raw block of ciphertext is stored under (what the ledger keeps). */
async function cidOf(block: Buffer): Promise<string> {
  return CID.create(1, raw.code, await sha256.digest(block)).toString();
}

/** Whether `ciphertext` decrypts and verifies under `dataKey`. */
async function opens(ciphertext: Buffer, dataKey: Uint8Array): Promise<boolean> {
  try {
    await pipeline(Readable.from([ciphertext]), decryptStream(dataKey), async (source: AsyncIterable<Buffer>) => {
      for await (const _ of source) {
        // drain: the last segment's tag is checked at the end
      }
    });
    return true;
  } catch {
    return false;
  }
}

/** Every data key that a compact JWE found in the files unwraps to, with the keys left in the data folder. */
async function unwrappableKeys(files: RawFile[], dataDir: string): Promise<{ jwes: number; dataKeys: Uint8Array[] }> {
  const jwes = new Set<string>();
  for (const f of files) for (const t of f.texts) for (const m of t.matchAll(COMPACT_JWE)) jwes.add(m[0]);
  const keys = await LocalKeyService.open({ file: path.join(dataDir, 'keys', 'kek.json'), orgs: [A, B] });
  const dataKeys: Uint8Array[] = [];
  for (const jwe of jwes) {
    for (const org of [A, B]) {
      const key = await keys.unwrap(org, jwe).catch(() => undefined);
      if (key) dataKeys.push(key);
    }
  }
  return { jwes: jwes.size, dataKeys };
}

describeEmbeddedOnly('erasure that survives storage remanence', 'reads the embedded stores on disk', () => {
  it('leaves nothing of the erased patient in the raw files, and nothing on disk opens their ciphertext', async () => {
    const h = await GatewayHarness.start();
    const dataDir = h.config.dataDir;
    try {
      const marker = `remanence-${randomBytes(6).toString('hex')}`;
      const { patient, doctor, otherHospital } = await h.aCareTeam();
      await h.register('pat-2', 'patient');

      // The patient to erase: records, an org consent (Hospital B gets transit copies of the keys), a read
      // by B, an access request with a free-text reason.
      const erased: { recordId: string; sha256: string }[] = [];
      for (let i = 0; i < 4; i++) {
        const { body } = await doctor.upload('pat-1', someBytes(20_000 + i, i), { title: `${marker} letter ${i}` }).expect(201);
        erased.push(body);
      }
      const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
      await patient.post('/v1/patients/pat-1/consents', { grantee: { kind: 'org', org: B }, scope: { categories: ['report'] }, purposes: ['TREAT'], expiresAt }).expect(201);
      const { body: shared } = await doctor.upload('pat-1', someBytes(30_000, 99), { title: `${marker} shared` }).expect(201);
      erased.push(shared);
      await otherHospital.get(`/v1/records/${shared.recordId}/content?purpose=TREAT`).expect(200);
      await doctor.post('/v1/patients/pat-1/access-requests', { purpose: 'TREAT', scope: { categories: ['report'] }, reason: `${marker} reason` }).expect(201);
      // Another patient, who stays.
      const kept = await doctor.upload('pat-2', someBytes(25_000, 42), { title: 'kept letter' }).expect(201);

      // Before: the markers are in the raw files (so the search below can see them), and every block is copied
      // as an attacker's backup would be.
      const before = await readRawStorage(dataDir);
      expect(filesContaining(before, `${marker} letter 0`).length).toBeGreaterThan(0);
      expect(filesContaining(before, `${marker} reason`).length).toBeGreaterThan(0);
      const blocksBefore = await blockFiles(dataDir);

      await eraseAndWait(patient, 'pat-1');
      const blocksAfter = await blockFiles(dataDir);
      await h.gateway.close(); // a clean stop

      const erasedBlocks = [...blocksBefore].filter(([name]) => !blocksAfter.has(name)).map(([, bytes]) => bytes);
      const keptBlocks = [...blocksAfter.values()];
      expect(erasedBlocks).toHaveLength(erased.length);
      expect(keptBlocks).toHaveLength(1);

      const after = await readRawStorage(dataDir);
      // No metadata or free text of the patient, in any file.
      expect(filesContaining(after, marker)).toEqual([]);
      for (const r of erased) expect(filesContaining(after, r.sha256)).toEqual([]);
      for (const block of erasedBlocks) expect(filesContaining(after, await cidOf(block))).toEqual([]);
      // The permission store forgot the patient entirely (the ledger's public registry keeps the pseudonymous
      // id, marked ERASED, by design).
      expect(filesContaining(after.filter((f) => f.file.includes(`${path.sep}permissions${path.sep}`)), 'pat-1')).toEqual([]);
      // Of every stored object naming the patient, only the erasure receipt is left (the home admin resolves
      // a PatientErased event with it); no record, consent, request, access event or key.
      const naming = new Set<string>();
      for (const f of after) for (const t of f.texts) for (const m of t.matchAll(/\{[^{}]*"patientId":"pat-1"[^{}]*\}/g)) naming.add(m[0]);
      expect([...naming].map((json) => Object.keys(JSON.parse(json) as object).sort())).toEqual([['at', 'erasureId', 'events', 'keys', 'pages', 'patientId', 'records', 'startedAt']]);

      // Every wrapped key left anywhere, tried with every key left in the folder: none opens the patient's
      // ciphertext, while the kept patient's still opens (so the search does find and unwrap keys).
      const { jwes, dataKeys } = await unwrappableKeys(after, dataDir);
      expect(jwes).toBeGreaterThan(0);
      for (const block of erasedBlocks) {
        for (const key of dataKeys) expect(await opens(block, key)).toBe(false);
      }
      const keptOpens = await Promise.all(dataKeys.map((key) => opens(keptBlocks[0]!, key)));
      expect(keptOpens).toContain(true);
      expect(kept.body.recordId).toMatch(/^rec_/);

      // Crypto-shredding on its own: the home org's copies of the patient's keys, as a backup taken before
      // the erasure holds them, no longer unwrap with anything left in the folder.
      const keys = await LocalKeyService.open({ file: path.join(dataDir, 'keys', 'kek.json'), orgs: [A, B] });
      const homeCopies = new Set<string>();
      for (const f of before) for (const t of f.texts) for (const m of t.matchAll(COMPACT_JWE)) if (wrappedKeyId(m[0]).startsWith('patient:')) homeCopies.add(m[0]);
      expect(homeCopies.size).toBe(erased.length + 1);
      const results = await Promise.allSettled([...homeCopies].map((jwe) => keys.unwrap(A, jwe)));
      // The kept patient's copy still opens; every one of the erased patient's is refused: their key is gone.
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results.filter((r) => r.status === 'rejected')) expect(r.reason).toMatchObject({ code: 'DATA_KEY_DESTROYED' });
    } finally {
      await h.close();
    }
  }, 120_000);
});
