import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { newDataKey, wrapDataKey } from '../../crypto/data-key.js';
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
});
