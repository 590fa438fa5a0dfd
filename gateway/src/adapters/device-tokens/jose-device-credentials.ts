import { randomUUID } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { calculateJwkThumbprint, errors, exportJWK, generateKeyPair, importJWK, jwtVerify, SignJWT, type CryptoKey, type JWK } from 'jose';
import { AuthError } from '../../ports/authenticator.js';
import type { DeviceCredentials, DeviceSubject, IssuedDeviceCredential } from '../../ports/device-credentials.js';

/** `iss` of device credentials. */
export const DEVICE_ISSUER = 'careledger-devices';
/** `aud` of device credentials: the ingest path only (user authentication never accepts it). */
export const DEVICE_AUDIENCE = 'careledger-device-ingest';
const ALG = 'ES256';
const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{2,63}$/;

export interface JoseDeviceCredentialsOptions {
  /** JWK file of the P-256 signing key; created with mode 0600 on first start. */
  keyFile: string;
  /** Credential lifetime in seconds (default 365 days; a revoked device is refused by the ledger before that). */
  ttlSeconds?: number;
}

interface SigningKeys {
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  kid: string;
}

/**
 * Device credentials as ES256 JWTs signed by the gateway's own device key (`<dataDir>/keys/`): `sub` is
 * the device, `pid` its patient, `org` the registering org. Separate from user tokens on purpose: another
 * key, issuer and audience, so a device token is never a user's and a user token never a device's, on
 * either profile (Firebase Auth cannot mint device-scoped tokens).
 */
export class JoseDeviceCredentials implements DeviceCredentials {
  private readonly ttlSeconds: number;
  private loading: Promise<SigningKeys> | undefined;

  constructor(private readonly options: JoseDeviceCredentialsOptions) {
    this.ttlSeconds = options.ttlSeconds ?? 365 * 86_400;
    if (!Number.isSafeInteger(this.ttlSeconds) || this.ttlSeconds <= 0) throw new RangeError('ttlSeconds must be a positive integer');
  }

  async ready(): Promise<void> {
    await this.keys();
  }

  async issue(subject: DeviceSubject): Promise<IssuedDeviceCredential> {
    const { privateKey, kid } = await this.keys();
    const token = await new SignJWT({ pid: subject.patientId, org: subject.org, scope: 'observations:write' })
      .setProtectedHeader({ alg: ALG, typ: 'JWT', kid })
      .setIssuer(DEVICE_ISSUER)
      .setAudience(DEVICE_AUDIENCE)
      .setSubject(subject.deviceId)
      .setJti(randomUUID())
      .setIssuedAt()
      .setExpirationTime(`${this.ttlSeconds}s`)
      .sign(privateKey);
    return { token, expiresIn: this.ttlSeconds };
  }

  async verify(token: string): Promise<DeviceSubject> {
    if (typeof token !== 'string' || token === '') throw new AuthError('missing');
    const { publicKey } = await this.keys();
    try {
      const { payload } = await jwtVerify(token, publicKey, { algorithms: [ALG], issuer: DEVICE_ISSUER, audience: DEVICE_AUDIENCE, requiredClaims: ['sub', 'exp', 'iat'] });
      const { sub, pid, org } = payload as { sub?: unknown; pid?: unknown; org?: unknown };
      if (![sub, pid, org].every((v) => typeof v === 'string' && ID.test(v))) throw new AuthError('invalid');
      return { deviceId: sub as string, patientId: pid as string, org: org as string };
    } catch (err) {
      // jose's errors can carry the claims: keep only the category.
      if (err instanceof AuthError) throw err;
      if (err instanceof errors.JWTExpired) throw new AuthError('expired');
      if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid) throw new AuthError('malformed');
      if (err instanceof errors.JOSEError) throw new AuthError('invalid');
      throw err;
    }
  }

  private keys(): Promise<SigningKeys> {
    this.loading ??= loadOrCreateKey(this.options.keyFile).catch((err: unknown) => {
      this.loading = undefined;
      throw err;
    });
    return this.loading;
  }
}

async function loadOrCreateKey(file: string): Promise<SigningKeys> {
  try {
    return await loadKey(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const { privateKey } = await generateKeyPair(ALG, { extractable: true });
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  try {
    // 'wx' never overwrites: a key another process wrote first wins, and its credentials stay valid.
    await writeFile(file, `${JSON.stringify({ ...(await exportJWK(privateKey)), alg: ALG })}\n`, { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return loadKey(file);
}

async function loadKey(file: string): Promise<SigningKeys> {
  const { mode } = await stat(file);
  if ((mode & 0o077) !== 0) throw new Error(`device signing key ${file} is accessible to other users; restrict it with chmod 600`);
  const jwk = JSON.parse(await readFile(file, 'utf8')) as JWK;
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || typeof jwk.d !== 'string') throw new Error(`device signing key ${file} is not a P-256 private JWK`);
  const publicJwk: JWK = { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y };
  return {
    privateKey: (await importJWK(jwk, ALG)) as CryptoKey,
    publicKey: (await importJWK(publicJwk, ALG)) as CryptoKey,
    kid: await calculateJwkThumbprint(publicJwk),
  };
}
