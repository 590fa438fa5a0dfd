import { chmod, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  decodeJwt,
  decodeProtectedHeader,
  generateKeyPair,
  importJWK,
  SignJWT,
  type CryptoKey,
  type JWK,
} from 'jose';
import { AuthError } from '../../ports/authenticator.js';
import { DEV_AUDIENCE, DEV_ISSUER, DevAuthenticator } from './dev-authenticator.js';

let dir: string;
let keyFile: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'careledger-dev-auth-'));
  keyFile = join(dir, 'keys', 'dev-signing-key.json');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function storedKey(): Promise<CryptoKey> {
  return (await importJWK(JSON.parse(await readFile(keyFile, 'utf8')) as JWK, 'ES256')) as CryptoKey;
}

/** A token with the dev issuer's claims, signed by `key`; override claims with `claims`. */
async function aToken(
  key: CryptoKey,
  claims: { iss?: string; aud?: string; exp?: number } = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: 'ES256' })
    .setSubject('u-1')
    .setIssuer(claims.iss ?? DEV_ISSUER)
    .setAudience(claims.aud ?? DEV_AUDIENCE)
    .setIssuedAt(now - 7200)
    .setExpirationTime(claims.exp ?? now + 600)
    .sign(key);
}

async function refusal(auth: DevAuthenticator, token: string): Promise<AuthError> {
  const err: unknown = await auth.verify(token).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AuthError);
  return err as AuthError;
}

describe('DevAuthenticator', () => {
  it('verifies the tokens it issues as their user', async () => {
    const auth = new DevAuthenticator({ keyFile });
    const { token } = await auth.issue('hospital-a-admin');
    await expect(auth.verify(token)).resolves.toEqual({ userId: 'hospital-a-admin' });
  });

  it('issues ES256 tokens with its issuer, audience and lifetime', async () => {
    const auth = new DevAuthenticator({ keyFile, ttlSeconds: 60 });
    const { token, expiresIn } = await auth.issue('u-1');
    const claims = decodeJwt(token);
    expect(decodeProtectedHeader(token).alg).toBe('ES256');
    expect(claims).toMatchObject({ iss: 'careledger-dev', aud: 'careledger', sub: 'u-1' });
    expect(expiresIn).toBe(60);
    expect(Number(claims.exp) - Number(claims.iat)).toBe(60);
  });

  it('creates its key file with mode 0600', async () => {
    await new DevAuthenticator({ keyFile }).ready();
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
  });

  it('refuses a token whose payload was changed', async () => {
    const auth = new DevAuthenticator({ keyFile });
    const { token } = await auth.issue('u-1');
    const [header, , signature] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ ...decodeJwt(token), sub: 'admin' })).toString('base64url');
    expect((await refusal(auth, `${header}.${forged}.${signature}`)).reason).toBe('invalid');
  });

  it('refuses an expired token', async () => {
    const auth = new DevAuthenticator({ keyFile });
    await auth.ready();
    const token = await aToken(await storedKey(), { exp: Math.floor(Date.now() / 1000) - 60 });
    expect((await refusal(auth, token)).reason).toBe('expired');
  });

  it('refuses a token signed by another key', async () => {
    const auth = new DevAuthenticator({ keyFile });
    const { privateKey } = await generateKeyPair('ES256');
    expect((await refusal(auth, await aToken(privateKey))).reason).toBe('invalid');
  });

  it.each([{ iss: 'someone-else' }, { aud: 'another-service' }])(
    'refuses a token with the wrong %o',
    async (claims) => {
      const auth = new DevAuthenticator({ keyFile });
      await auth.ready();
      await refusal(auth, await aToken(await storedKey(), claims));
    },
  );

  it('refuses an unsigned token', async () => {
    const auth = new DevAuthenticator({ keyFile });
    const header = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url');
    const payload = Buffer.from(JSON.stringify({ sub: 'u-1', iss: DEV_ISSUER, aud: DEV_AUDIENCE })).toString(
      'base64url',
    );
    await refusal(auth, `${header}.${payload}.`);
  });

  it.each(['', 'not-a-jwt'])('refuses a missing or malformed token (%p)', async (token) => {
    const err = await refusal(new DevAuthenticator({ keyFile }), token);
    expect(err).toMatchObject({ name: 'AuthError', code: 'UNAUTHENTICATED' });
  });

  it('says nothing about the token in its error', async () => {
    const auth = new DevAuthenticator({ keyFile });
    await auth.ready();
    const token = await aToken(await storedKey(), { aud: 'secret-audience-value' });
    const err = await refusal(auth, token);
    expect(err.message).not.toContain('secret-audience-value');
    expect(JSON.stringify({ ...err, message: err.message, cause: err.cause })).not.toContain('u-1');
  });

  it('keeps its key across restarts, so earlier tokens stay valid', async () => {
    const { token } = await new DevAuthenticator({ keyFile }).issue('u-1');
    const before = await readFile(keyFile, 'utf8');
    const restarted = new DevAuthenticator({ keyFile });
    await expect(restarted.verify(token)).resolves.toEqual({ userId: 'u-1' });
    expect(await readFile(keyFile, 'utf8')).toBe(before);
  });

  it('refuses to start with a key file others can read', async () => {
    await new DevAuthenticator({ keyFile }).ready();
    await chmod(keyFile, 0o644);
    await expect(new DevAuthenticator({ keyFile }).ready()).rejects.toThrow('chmod 600');
  });

  it('refuses a lifetime that is not a positive number of seconds', () => {
    expect(() => new DevAuthenticator({ keyFile, ttlSeconds: 0 })).toThrow(RangeError);
  });
});
