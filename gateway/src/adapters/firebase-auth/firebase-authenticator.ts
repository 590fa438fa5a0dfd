import type { Auth } from 'firebase-admin/auth';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { AppError } from '../../domain/app-error.js';
import {
  AuthError,
  type AuthenticatedSubject,
  type Authenticator,
  type AuthFailure,
} from '../../ports/authenticator.js';
import { DependencyUnavailableError, withDeadline } from '../../ports/dependency.js';

/** The variable through which firebase-admin talks to the Auth emulator, whose tokens are unsigned. */
export const AUTH_EMULATOR_VARIABLE = 'FIREBASE_AUTH_EMULATOR_HOST';

/** How {@link FirebaseAuthenticator} checks tokens. */
export interface FirebaseAuthenticatorOptions {
  /** firebase-admin Auth of the hospital's Firebase project (`getAuth(app)`, see `createFirebaseAuth`). */
  auth: Auth;
  /**
   * Also ask Firebase Auth whether the user's sessions were revoked or the account disabled: one Auth API
   * call per verification, so that a removed practitioner is locked out at once instead of when the
   * (one-hour) ID token expires. Default true.
   */
  checkRevoked?: boolean;
  /**
   * Accept the Auth emulator's tokens. They are unsigned (`alg: none`), so the authenticator refuses to run
   * with `FIREBASE_AUTH_EMULATOR_HOST` set unless this says so. Tests only.
   */
  allowEmulator?: boolean;
  /**
   * Deadline of one verification, ms (default 10 000): fetching Google's keys, and the revocation check. A
   * Firebase Auth that does not answer within it gives UNAVAILABLE naming `auth`, not a hang.
   */
  timeoutMs?: number;
}

/** Firebase error codes that mean "this token does not authenticate anyone" (401), by our reason. */
const REFUSALS: Record<string, AuthFailure> = {
  'auth/id-token-expired': 'expired',
  'auth/argument-error': 'invalid',
  'auth/invalid-id-token': 'invalid',
  'auth/id-token-revoked': 'invalid',
  'auth/user-disabled': 'invalid',
  'auth/user-not-found': 'invalid',
};

/**
 * The network profile's authenticator: Firebase Auth ID tokens checked by firebase-admin `verifyIdToken`
 * (signature against Google's keys, audience and issuer of the project, expiry, and by default revocation).
 * The subject is the Firebase uid and nothing else: roles and home org come from the ledger registry, so
 * custom claims in the token are ignored on purpose.
 */
export class FirebaseAuthenticator implements Authenticator {
  private readonly auth: Auth;
  private readonly checkRevoked: boolean;
  private readonly timeoutMs: number;

  constructor(options: FirebaseAuthenticatorOptions) {
    this.auth = options.auth;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.checkRevoked = options.checkRevoked ?? true;
    if (isEmulated(this.auth) && options.allowEmulator !== true) {
      throw new Error(
        `${AUTH_EMULATOR_VARIABLE} is set: firebase-admin would accept unsigned emulator tokens. ` +
          'Unset it outside tests (or pass allowEmulator in a test).',
      );
    }
  }

  /** Nothing to load: Google's public keys are fetched and cached by firebase-admin on first use. */
  async ready(): Promise<void> {}

  /**
   * Verifies an ID token and answers its Firebase uid. Throws {@link AuthError} for a refused token (no token
   * contents, no cause) and an UNAVAILABLE {@link AppError} when Firebase Auth cannot be asked.
   */
  async verify(token: string): Promise<AuthenticatedSubject> {
    if (typeof token !== 'string' || token === '') throw new AuthError('missing');
    if (!looksLikeJwt(token)) throw new AuthError('malformed');
    try {
      // firebase-admin takes no signal: the call is raced against the deadline (and left to finish on its own).
      const decoded = await withDeadline('auth', this.timeoutMs, () => this.auth.verifyIdToken(token, this.checkRevoked));
      if (typeof decoded.uid !== 'string' || decoded.uid === '') throw new AuthError('invalid');
      return { userId: decoded.uid };
    } catch (err) {
      if (err instanceof AuthError) throw err;
      if (err instanceof DependencyUnavailableError) throw AppError.unavailable('auth', `Firebase Auth did not answer within ${this.timeoutMs} ms`);
      // firebase-admin's messages quote claims (aud, iss) and its causes carry HTTP responses: keep the code only.
      const code = errorCode(err);
      const reason = code === undefined ? undefined : REFUSALS[code];
      if (reason !== undefined) throw new AuthError(reason);
      throw AppError.unavailable('auth', `Firebase Auth could not check the token (${code ?? 'unknown error'})`);
    }
  }
}

/** firebase-admin reads the variable when `getAuth(app)` creates the Auth; it may have been unset since. */
function isEmulated(auth: Auth): boolean {
  const internal = auth as unknown as { emulatorMode?: unknown };
  return Boolean(process.env[AUTH_EMULATOR_VARIABLE]) || internal.emulatorMode === true;
}

/** A compact JWS whose header and payload are JSON objects; anything else is malformed, not merely invalid. */
function looksLikeJwt(token: string): boolean {
  try {
    decodeProtectedHeader(token);
    decodeJwt(token);
    return true;
  } catch {
    return false;
  }
}

function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined;
  const { code } = err as { code: unknown };
  return typeof code === 'string' && /^[a-z-]+\/[a-z-]+$/.test(code) ? code : undefined;
}
