import { randomUUID } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';
import { loadOrCreateEs256Key, toAuthError, ES256, type SigningKeys } from '../jose-keys/es256-key-file.js';
import { AuthError, type AuthenticatedSubject, type Authenticator } from '../../ports/authenticator.js';

/** `iss` of the dev issuer's tokens. */
export const DEV_ISSUER = 'careledger-dev';
/** `aud` of the dev issuer's tokens. */
export const DEV_AUDIENCE = 'careledger';
const ALG = ES256;

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
      throw toAuthError(err);
    }
  }

  private keys(): Promise<SigningKeys> {
    this.loading ??= loadOrCreateEs256Key(this.options.keyFile, 'dev signing key').catch((err: unknown) => {
      // Let a later call retry (e.g. once the operator fixed the file's mode).
      this.loading = undefined;
      throw err;
    });
    return this.loading;
  }
}
