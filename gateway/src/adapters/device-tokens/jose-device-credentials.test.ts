import { mkdtemp, rm, stat, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DevAuthenticator } from '../dev-auth/dev-authenticator.js';
import { JoseDeviceCredentials } from './jose-device-credentials.js';

describe('JoseDeviceCredentials', () => {
  let dir = '';
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'careledger-devices-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const subject = { deviceId: 'dev_abc', patientId: 'pat-1', org: 'HospitalAMSP' };

  it('issues a credential that verifies to its device, patient and org; the key file is 0600', async () => {
    const credentials = new JoseDeviceCredentials({ keyFile: path.join(dir, 'keys', 'device.json'), ttlSeconds: 60 });
    const { token, expiresIn } = await credentials.issue(subject);
    expect(expiresIn).toBe(60);
    await expect(credentials.verify(token)).resolves.toEqual(subject);
    expect((await stat(path.join(dir, 'keys', 'device.json'))).mode & 0o777).toBe(0o600);
    // Another instance on the same key file accepts it (a restart).
    await expect(new JoseDeviceCredentials({ keyFile: path.join(dir, 'keys', 'device.json') }).verify(token)).resolves.toEqual(subject);
  });

  it('a device credential is not a user token, and a user token is not a device credential', async () => {
    const credentials = new JoseDeviceCredentials({ keyFile: path.join(dir, 'device.json') });
    const users = new DevAuthenticator({ keyFile: path.join(dir, 'dev.json') });
    const deviceToken = (await credentials.issue(subject)).token;
    const userToken = (await users.issue('pat-1')).token;
    await expect(users.verify(deviceToken)).rejects.toMatchObject({ reason: 'invalid' });
    await expect(credentials.verify(userToken)).rejects.toMatchObject({ reason: 'invalid' });
  });

  it.each([
    ['missing', ''],
    ['malformed', 'not-a-jwt'],
  ])('refuses a %s token', async (reason, token) => {
    const credentials = new JoseDeviceCredentials({ keyFile: path.join(dir, 'device.json') });
    await expect(credentials.verify(token)).rejects.toMatchObject({ reason });
  });

  it('refuses an expired credential', async () => {
    const credentials = new JoseDeviceCredentials({ keyFile: path.join(dir, 'device.json'), ttlSeconds: 1 });
    const { token } = await credentials.issue(subject);
    await new Promise((r) => setTimeout(r, 2100));
    await expect(credentials.verify(token)).rejects.toMatchObject({ reason: 'expired' });
  });

  it('refuses a key file others can read, and a bad lifetime', async () => {
    const file = path.join(dir, 'device.json');
    await new JoseDeviceCredentials({ keyFile: file }).ready();
    await chmod(file, 0o644);
    await expect(new JoseDeviceCredentials({ keyFile: file }).ready()).rejects.toThrow(/chmod 600/);
    await writeFile(path.join(dir, 'rsa.json'), JSON.stringify({ kty: 'RSA' }), { mode: 0o600 });
    await expect(new JoseDeviceCredentials({ keyFile: path.join(dir, 'rsa.json') }).ready()).rejects.toThrow(/P-256/);
    expect(() => new JoseDeviceCredentials({ keyFile: file, ttlSeconds: 0 })).toThrow(RangeError);
  });
});
