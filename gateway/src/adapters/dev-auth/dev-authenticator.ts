import { randomUUID } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  calculateJwkThumbprint,
  errors,
  exportJWK,
  generateKeyPair,
  importJWK,
  jwtVerify,
  SignJWT,
  type CryptoKey,
  type JWK,
} from 'jose';
import { AuthError, type AuthenticatedSubject, type Authenticator } from '../../ports/authenticator.js';

/** `iss` of the dev issuer's tokens. */
export const DEV_ISSUER = 'careledger-dev';
/** `aud` of the dev issuer's tokens. */
export const DEV_AUDIENCE = 'careledger';
const ALG = 'ES256';

/** Where the dev issuer keeps its key, and how long its tokens live. */
export interface DevAuthenticatorOptions {
  /** JWK file of the P-256 signing key; created with mode 0600 on first start. */
  keyFile: string;
  /** Token lifetime in seconds (default 3600). */
  ttlSeconds?: number;
}

/** A token from {@link DevAuthenticator.issue}: the `POST /v1/dev/tokens` answer. */
export interface IssuedToken {
  token: string;
  /** Seconds until the token expires. */
  expiresIn: number;
}

interface SigningKeys {
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  kid: string;
}

/**
 * The embedded profile's token issuer and verifier: ES256 JWTs signed with a key kept in a local file.
 * Only for the embedded profile: whoever can call `issue` can become any user.
 */
export class DevAuthenticator implements Authenticator {
  private readonly ttlSeconds: number;
  private loading: Promise<SigningKeys> | undefined;

  constructor(private readonly options: DevAuthenticatorOptions) {
    this.ttlSeconds = options.ttlSeconds ?? 3600;
    if (!Number.isSafeInteger(this.ttlSeconds) || this.ttlSeconds <= 0) {
      throw new RangeError('ttlSeconds must be a positive integer');
    }
  }

  /** Loads the signing key, creating the key file on first start. */
  async ready(): Promise<void> {
    await this.keys();
  }

  /** Signs a token for a user; whether the user is registered is the caller's check. */
  async issue(userId: string): Promise<IssuedToken> {
    if (typeof userId !== 'string' || userId === '') throw new TypeError('userId must be a non-empty string');
    const { privateKey, kid } = await this.keys();
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: ALG, typ: 'JWT', kid })
      .setIssuer(DEV_ISSUER)
      .setAudience(DEV_AUDIENCE)
      .setSubject(userId)
      .setJti(randomUUID())
      .setIssuedAt()
      .setExpirationTime(`${this.ttlSeconds}s`)
      .sign(privateKey);
    return { token, expiresIn: this.ttlSeconds };
  }

  /** Checks signature, algorithm, issuer, audience and expiry; throws {@link AuthError} on any of them. */
  async verify(token: string): Promise<AuthenticatedSubject> {
    if (typeof token !== 'string' || token === '') throw new AuthError('missing');
    const { publicKey } = await this.keys();
    try {
      const { payload } = await jwtVerify(token, publicKey, {
        algorithms: [ALG],
        issuer: DEV_ISSUER,
        audience: DEV_AUDIENCE,
        requiredClaims: ['sub', 'exp', 'iat'],
      });
      if (typeof payload.sub !== 'string' || payload.sub === '') throw new AuthError('invalid');
      return { userId: payload.sub };
    } catch (err) {
      // jose's errors can carry the claims (JWTClaimValidationFailed.payload): keep only the category.
      if (err instanceof AuthError) throw err;
      if (err instanceof errors.JWTExpired) throw new AuthError('expired');
      if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid)
        throw new AuthError('malformed');
      if (err instanceof errors.JOSEError) throw new AuthError('invalid');
      throw err;
    }
  }

  private keys(): Promise<SigningKeys> {
    this.loading ??= loadOrCreateKey(this.options.keyFile).catch((err: unknown) => {
      // Let a later call retry (e.g. once the operator fixed the file's mode).
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
  const jwk = { ...(await exportJWK(privateKey)), alg: ALG };
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  try {
    // 'wx' never overwrites: a key that another process created first wins, and tokens stay valid.
    await writeFile(file, `${JSON.stringify(jwk)}\n`, { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return loadKey(file);
}

async function loadKey(file: string): Promise<SigningKeys> {
  const { mode } = await stat(file);
  if ((mode & 0o077) !== 0) {
    throw new Error(`dev signing key ${file} is accessible to other users; restrict it with chmod 600`);
  }
  const jwk = JSON.parse(await readFile(file, 'utf8')) as JWK;
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || typeof jwk.d !== 'string') {
    throw new Error(`dev signing key ${file} is not a P-256 private JWK`);
  }
  const publicJwk: JWK = { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y };
  return {
    privateKey: (await importJWK(jwk, ALG)) as CryptoKey,
    publicKey: (await importJWK(publicJwk, ALG)) as CryptoKey,
    kid: await calculateJwkThumbprint(publicJwk),
  };
}
