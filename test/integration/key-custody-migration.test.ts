import { execFile } from 'node:child_process';
import { chmod, cp, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { GatewayHarness, binary, someBytes } from '../support/gateway-harness.js';
import { filesContaining, readRawStorage } from '../support/raw-storage.js';
import { describeEmbeddedOnly } from '../support/test-profile.js';
import { eraseAndWait } from '../support/erasure.js';

const run = promisify(execFile);
const FIXTURE = path.resolve('test/fixtures/org-wrapped-data');
const COMPACT_JWE = /eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/g;

interface FixtureRecord {
  recordId: string;
  patientId: string;
  seed: number;
  size: number;
}

/** A copy of the fixture's data folder (written by the gateway before patient keys existed), keys made private again. */
async function oldDataFolder(): Promise<{ dir: string; records: FixtureRecord[] }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'careledger-old-'));
  await cp(path.join(FIXTURE, 'data'), dir, { recursive: true });
  // git keeps no 0600 modes; the key service refuses key files others may read.
  await chmod(path.join(dir, 'keys'), 0o700);
  for (const name of await readdir(path.join(dir, 'keys'))) await chmod(path.join(dir, 'keys', name), 0o600);
  const { records } = JSON.parse(await readFile(path.join(FIXTURE, 'manifest.json'), 'utf8')) as { records: FixtureRecord[] };
  return { dir, records };
}

/** `npm run keys:migrate` as an operator runs it (the built tool), on a stopped gateway's data folder. */
async function migrateCommand(dataDir: string): Promise<string> {
  const { stdout } = await run(process.execPath, ['gateway/dist/tools/migrate-key-custody.js'], {
    env: { ...process.env, CARELEDGER_DATA_DIR: dataDir, CARELEDGER_LOG_LEVEL: 'silent' },
  });
  return stdout;
}

describeEmbeddedOnly('data written before patient keys existed', 'reads the embedded stores on disk', () => {
  let dir: string;
  let records: FixtureRecord[];
  let h: GatewayHarness | undefined;
  beforeEach(async () => {
    ({ dir, records } = await oldDataFolder());
  });
  afterEach(async () => {
    await h?.close();
    h = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  const read = async (userId: string, record: FixtureRecord, purpose: string) => {
    const client = await h!.as(userId);
    const res = await client.get(`/v1/records/${record.recordId}/content?purpose=${purpose}`).buffer(true).parse(binary).expect(200);
    expect(Buffer.compare(res.body as Buffer, someBytes(record.size, record.seed))).toBe(0);
  };

  it('stays readable by the patient and by the org a consent shares it with, before and after the migration', async () => {
    const [first, other, shared] = records as [FixtureRecord, FixtureRecord, FixtureRecord];
    h = await GatewayHarness.start({ dataDir: dir });
    await read('pat-1', first, 'PATRQT');
    await read('pat-2', other, 'PATRQT');
    await read('doc-b', shared, 'TREAT');
    await h.gateway.close();
    h = undefined;

    expect(await migrateCommand(dir)).toContain('hospital-a: 3 of 3 data keys moved into patient custody');

    h = await GatewayHarness.start({ dataDir: dir });
    await read('pat-1', first, 'PATRQT');
    await read('pat-2', other, 'PATRQT');
    await read('doc-b', shared, 'TREAT');
  }, 60_000);

  it('moves each patient into their own key, once (a second run moves nothing)', async () => {
    h = await GatewayHarness.start({ dataDir: dir });
    const admin = { userId: 'hospital-a-admin', org: 'HospitalAMSP', role: 'admin' as const };

    expect(await h.gateway.custody.migrate(admin)).toEqual({ examined: 3, rewrapped: 3 });
    expect(await h.gateway.custody.migrate(admin)).toEqual({ examined: 3, rewrapped: 0 });
    const keyFiles = (await readdir(path.join(dir, 'keys', 'patients', 'HospitalAMSP'))).filter((n) => n.endsWith('.key'));
    expect(keyFiles).toHaveLength(2);
  }, 60_000);

  it('after the migration, erasing a patient destroys the one key their records were moved under; other patients stay readable', async () => {
    const [first, other] = records as [FixtureRecord, FixtureRecord];
    h = await GatewayHarness.start({ dataDir: dir });
    await h.gateway.custody.migrate({ userId: 'hospital-a-admin', org: 'HospitalAMSP', role: 'admin' });

    await eraseAndWait(await h.as('pat-1'), 'pat-1');

    await (await h.as('hospital-a-admin')).get(`/v1/records/${first.recordId}`).expect(410);
    await read('pat-2', other, 'PATRQT');
    expect((await readdir(path.join(dir, 'keys', 'patients', 'HospitalAMSP'))).filter((n) => n.endsWith('.key'))).toHaveLength(1);

    // Every wrapped key the old folder held (the org-wrapped home copies, Hospital B's copies) has left
    // every file: replaced or purged, then compacted away.
    await h.gateway.close();
    const oldKeys = new Set<string>();
    for (const f of await readRawStorage(path.join(FIXTURE, 'data'))) for (const t of f.texts) for (const m of t.matchAll(COMPACT_JWE)) oldKeys.add(m[0]);
    expect(oldKeys.size).toBe(5);
    const now = await readRawStorage(dir);
    for (const jwe of oldKeys) expect(filesContaining(now, jwe)).toEqual([]);
  }, 60_000);

  it('refuses the migration to anyone but an admin of the org', async () => {
    h = await GatewayHarness.start({ dataDir: dir });

    await expect(h.gateway.custody.migrate({ userId: 'doc-a', org: 'HospitalAMSP', role: 'admin' })).rejects.toMatchObject({ code: 'WRONG_ROLE' });
    await expect(h.gateway.custody.migrate({ userId: 'hospital-a-admin', org: 'HospitalBMSP', role: 'admin' })).rejects.toMatchObject({ code: 'WRONG_ORG' });
  }, 60_000);
});
