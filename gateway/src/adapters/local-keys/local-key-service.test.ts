import { chmod, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { newDataKey, wrapDataKey, wrappedKeyId } from '../../crypto/data-key.js';
import { LocalKeyService } from './local-key-service.js';

describe('LocalKeyService', () => {
  let folder: string;
  let file: string;

  beforeEach(async () => {
    folder = await mkdtemp(join(tmpdir(), 'careledger-keys-'));
    file = join(folder, 'keys', 'kek.json');
  });

  afterEach(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  const openFor = (orgs: string[]) => LocalKeyService.open({ file, orgs });

  it('creates the key file with mode 0600 on first start', async () => {
    await openFor(['Org1MSP']);

    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('creates a missing key folder with mode 0700', async () => {
    await openFor(['Org1MSP']);

    expect((await stat(join(folder, 'keys'))).mode & 0o777).toBe(0o700);
  });

  it('reloads the same keys after a restart', async () => {
    const first = await openFor(['Org1MSP', 'Org2MSP']);

    const restarted = await openFor(['Org1MSP', 'Org2MSP']);

    expect(await restarted.publicKey('Org1MSP')).toEqual(await first.publicKey('Org1MSP'));
    expect(await restarted.publicKey('Org2MSP')).toEqual(await first.publicKey('Org2MSP'));
  });

  it('gives each org its own key', async () => {
    const keys = await openFor(['Org1MSP', 'Org2MSP']);

    expect((await keys.publicKey('Org1MSP')).kid).not.toBe((await keys.publicKey('Org2MSP')).kid);
  });

  it('adds a key for a new org and keeps the existing ones', async () => {
    const before = await openFor(['Org1MSP']);

    const after = await openFor(['Org1MSP', 'Org2MSP']);

    expect(await after.publicKey('Org1MSP')).toEqual(await before.publicKey('Org1MSP'));
    expect((await after.publicKey('Org2MSP')).kty).toBe('EC');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('publishes only the public part of a key', async () => {
    const keys = await openFor(['Org1MSP']);

    expect(await keys.publicKey('Org1MSP')).toEqual({
      kty: 'EC',
      crv: 'P-256',
      x: expect.any(String),
      y: expect.any(String),
      kid: expect.any(String),
      alg: 'ECDH-ES+A256KW',
      use: 'enc',
    });
  });

  it("unwraps what wrapDataKey wrapped for the org's public key", async () => {
    const keys = await openFor(['Org1MSP']);
    const dataKey = newDataKey();

    const wrapped = await wrapDataKey(dataKey, await keys.publicKey('Org1MSP'));

    expect(Buffer.from(await keys.unwrap('Org1MSP', wrapped)).equals(Buffer.from(dataKey))).toBe(true);
  });

  it('unwraps after a restart what was wrapped before it', async () => {
    const dataKey = newDataKey();
    const wrapped = await wrapDataKey(dataKey, await (await openFor(['Org1MSP'])).publicKey('Org1MSP'));

    const restarted = await openFor(['Org1MSP']);

    expect(Buffer.from(await restarted.unwrap('Org1MSP', wrapped)).equals(Buffer.from(dataKey))).toBe(true);
  });

  it("refuses to unwrap another org's wrapped key", async () => {
    const keys = await openFor(['Org1MSP', 'Org2MSP']);
    const wrappedForOrg2 = await wrapDataKey(newDataKey(), await keys.publicKey('Org2MSP'));

    await expect(keys.unwrap('Org1MSP', wrappedForOrg2)).rejects.toMatchObject({
      name: 'DataKeyError',
      code: 'DATA_KEY_WRONG_RECIPIENT',
    });
  });

  it('refuses an org it holds no key for', async () => {
    const keys = await openFor(['Org1MSP']);

    await expect(keys.publicKey('Org9MSP')).rejects.toMatchObject({ code: 'KEY_ORG_UNKNOWN' });
  });

  it('refuses a key file that group or others can read (0644)', async () => {
    await openFor(['Org1MSP']);
    await chmod(file, 0o644);

    await expect(openFor(['Org1MSP'])).rejects.toMatchObject({
      name: 'LocalKeyError',
      code: 'KEY_FILE_INSECURE',
      message: expect.stringContaining('chmod 600'),
    });
  });

  it('reports not ready once the key file became readable by others', async () => {
    const keys = await openFor(['Org1MSP']);
    await expect(keys.ready()).resolves.toBeUndefined();

    await chmod(file, 0o640);

    await expect(keys.ready()).rejects.toMatchObject({ code: 'KEY_FILE_INSECURE' });
  });

  it('refuses a key file that is not JSON', async () => {
    await openFor(['Org1MSP']);
    await writeFile(file, 'not json', { mode: 0o600 });

    await expect(openFor(['Org1MSP'])).rejects.toMatchObject({ code: 'KEY_FILE_INVALID' });
  });

  it("refuses a key file whose kid does not match the org's key", async () => {
    await openFor(['Org1MSP', 'Org2MSP']);
    const content = JSON.parse(await readFile(file, 'utf8')) as {
      orgs: Record<string, { kid: string }[]>;
    };
    content.orgs.Org1MSP[0].kid = content.orgs.Org2MSP[0].kid;
    await writeFile(file, JSON.stringify(content), { mode: 0o600 });

    await expect(openFor(['Org1MSP'])).rejects.toMatchObject({ code: 'KEY_FILE_INVALID' });
  });

  describe('patient keys', () => {
    const patientFolder = (org: string) => LocalKeyService.patientKeyFolder(file, org);
    const keyFiles = async (org: string) => (await readdir(patientFolder(org))).filter((n) => n.endsWith('.key'));

    it("wraps a data key under the patient's key and unwraps it", async () => {
      const keys = await openFor(['Org1MSP']);
      const dataKey = newDataKey();

      const wrapped = await keys.wrapForPatient('Org1MSP', 'pat-1', dataKey);

      expect(wrappedKeyId(wrapped)).toMatch(/^patient:[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(await keys.unwrap('Org1MSP', wrapped)).equals(Buffer.from(dataKey))).toBe(true);
    });

    it('keeps one key file per patient, mode 0600, named without the patient id', async () => {
      const keys = await openFor(['Org1MSP']);
      await keys.wrapForPatient('Org1MSP', 'pat-1', newDataKey());
      await keys.wrapForPatient('Org1MSP', 'pat-1', newDataKey());
      await keys.wrapForPatient('Org1MSP', 'pat-2', newDataKey());

      const files = await keyFiles('Org1MSP');
      expect(files).toHaveLength(2);
      for (const name of files) {
        expect(name).not.toContain('pat-');
        expect((await stat(join(patientFolder('Org1MSP'), name))).mode & 0o777).toBe(0o600);
        expect(await readFile(join(patientFolder('Org1MSP'), name), 'utf8')).not.toContain('pat-');
      }
      expect((await stat(patientFolder('Org1MSP'))).mode & 0o777).toBe(0o700);
    });

    it('gives each patient its own key', async () => {
      const keys = await openFor(['Org1MSP']);

      const one = await keys.wrapForPatient('Org1MSP', 'pat-1', newDataKey());
      const two = await keys.wrapForPatient('Org1MSP', 'pat-2', newDataKey());

      expect(wrappedKeyId(one)).not.toBe(wrappedKeyId(two));
    });

    it('unwraps after a restart what was wrapped before it', async () => {
      const dataKey = newDataKey();
      const wrapped = await (await openFor(['Org1MSP'])).wrapForPatient('Org1MSP', 'pat-1', dataKey);

      const restarted = await openFor(['Org1MSP']);

      expect(Buffer.from(await restarted.unwrap('Org1MSP', wrapped)).equals(Buffer.from(dataKey))).toBe(true);
    });

    it('creates one key when many uploads for a new patient wrap at once', async () => {
      const keys = await openFor(['Org1MSP']);
      const dataKey = newDataKey();

      const wrapped = await Promise.all(Array.from({ length: 8 }, () => keys.wrapForPatient('Org1MSP', 'pat-1', dataKey)));

      expect(await keyFiles('Org1MSP')).toHaveLength(1);
      const restarted = await openFor(['Org1MSP']);
      for (const jwe of wrapped) expect(Buffer.from(await restarted.unwrap('Org1MSP', jwe)).equals(Buffer.from(dataKey))).toBe(true);
    });

    it("refuses to unwrap with another org's patient keys", async () => {
      const keys = await openFor(['Org1MSP', 'Org2MSP']);
      const wrapped = await keys.wrapForPatient('Org1MSP', 'pat-1', newDataKey());

      await expect(keys.unwrap('Org2MSP', wrapped)).rejects.toMatchObject({ name: 'DataKeyError', code: 'DATA_KEY_DESTROYED' });
    });

    it("destroying a patient's key makes every copy of their wrapped keys undecryptable, even after a restart", async () => {
      const keys = await openFor(['Org1MSP']);
      const wrapped = await keys.wrapForPatient('Org1MSP', 'pat-1', newDataKey());
      const other = await keys.wrapForPatient('Org1MSP', 'pat-2', newDataKey());

      expect(await keys.destroyPatientKey('Org1MSP', 'pat-1')).toBe(true);

      await expect(keys.unwrap('Org1MSP', wrapped)).rejects.toMatchObject({ code: 'DATA_KEY_DESTROYED' });
      const restarted = await openFor(['Org1MSP']);
      await expect(restarted.unwrap('Org1MSP', wrapped)).rejects.toMatchObject({ code: 'DATA_KEY_DESTROYED' });
      await expect(restarted.unwrap('Org1MSP', other)).resolves.toHaveLength(32);
      expect(await keyFiles('Org1MSP')).toHaveLength(1);
    });

    it('overwrites the key file before unlinking it (an open descriptor sees random bytes, not the key)', async () => {
      const keys = await openFor(['Org1MSP']);
      await keys.wrapForPatient('Org1MSP', 'pat-1', newDataKey());
      const [name] = await keyFiles('Org1MSP');
      const { open } = await import('node:fs/promises');
      const handle = await open(join(patientFolder('Org1MSP'), name!), 'r');
      const before = await handle.readFile('utf8');

      await keys.destroyPatientKey('Org1MSP', 'pat-1');

      const after = Buffer.alloc(before.length);
      await handle.read(after, 0, after.length, 0);
      await handle.close();
      const key = (JSON.parse(before) as { key: string }).key;
      expect(after.toString('latin1')).not.toContain(key);
      expect(after.toString('latin1')).not.toContain('"kid"');
    });

    it('answers false when destroying a key that does not exist', async () => {
      const keys = await openFor(['Org1MSP']);

      expect(await keys.destroyPatientKey('Org1MSP', 'pat-never')).toBe(false);
    });

    it('refuses a patient key file that group or others can read', async () => {
      const keys = await openFor(['Org1MSP']);
      const wrapped = await keys.wrapForPatient('Org1MSP', 'pat-1', newDataKey());
      const [name] = await keyFiles('Org1MSP');
      await chmod(join(patientFolder('Org1MSP'), name!), 0o644);

      await expect((await openFor(['Org1MSP'])).unwrap('Org1MSP', wrapped)).rejects.toMatchObject({ code: 'KEY_FILE_INSECURE' });
    });
  });
});
