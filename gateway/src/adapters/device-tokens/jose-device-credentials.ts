import { randomUUID } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';
import { loadOrCreateEs256Key, toAuthError, ES256, type SigningKeys } from '../jose-keys/es256-key-file.js';
import { AuthError } from '../../ports/authenticator.js';
import type { DeviceCredentials, DeviceSubject, IssuedDeviceCredential } from '../../ports/device-credentials.js';

/** `iss` of device credentials. */
export const DEVICE_ISSUER = 'careledger-devices';
/** `aud` of device credentials: the ingest path only (user authentication never accepts it). */
export const DEVICE_AUDIENCE = 'careledger-device-ingest';
const ALG = ES256;
const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{2,63}$/;

export interface JoseDeviceCredentialsOptions {
  /** JWK file of the P-256 signing key; created with mode 0600 on first start. */
  keyFile: string;
  /** Credential lifetime in seconds (default 365 days; a revoked device is refused by the ledger before that). */
  ttlSeconds?: number;
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
      throw toAuthError(err);
    }
  }

  private keys(): Promise<SigningKeys> {
    this.loading ??= loadOrCreateEs256Key(this.options.keyFile, 'device signing key').catch((err: unknown) => {
      this.loading = undefined;
      throw err;
    });
    return this.loading;
  }
}
