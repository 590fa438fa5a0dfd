import { randomUUID } from 'node:crypto';
import type { Auth } from 'firebase-admin/auth';
import {
  signInOnEmulator,
  signUpOnEmulator,
  startFirebaseAuthEmulator,
  type EmulatorUser,
  type FirebaseAuthEmulator,
} from '../../../../test/support/firebase-auth-emulator.js';
import { AuthError, type AuthFailure } from '../../ports/authenticator.js';
import { createFirebaseAuth } from './create-firebase-auth.js';
import { AUTH_EMULATOR_VARIABLE, FirebaseAuthenticator } from './firebase-authenticator.js';

const PASSWORD = 'correct horse battery';
const previousHost = process.env[AUTH_EMULATOR_VARIABLE];

let emulator: FirebaseAuthEmulator;
let auth: Auth;
let authenticator: FirebaseAuthenticator;

beforeAll(async () => {
  emulator = await startFirebaseAuthEmulator();
  console.info(`Firebase Auth emulator answered after ${emulator.startupMs} ms`);
  process.env[AUTH_EMULATOR_VARIABLE] = emulator.host;
  auth = await createFirebaseAuth({ projectId: emulator.projectId });
  authenticator = new FirebaseAuthenticator({ auth, allowEmulator: true });
}, 120_000);

afterAll(async () => {
  if (previousHost === undefined) delete process.env[AUTH_EMULATOR_VARIABLE];
  else process.env[AUTH_EMULATOR_VARIABLE] = previousHost;
  await emulator?.stop();
}, 30_000);

/** A new account on the emulator, signed in. */
async function aUser(): Promise<EmulatorUser & { email: string }> {
  const email = `${randomUUID()}@example.test`;
  return { email, ...(await signUpOnEmulator(emulator.host, email, PASSWORD)) };
}

/** The token with its payload changed by `change`; the (empty) signature part is kept. */
function tampered(token: string, change: (payload: Record<string, unknown>) => void): string {
  const [header, payload, signature] = token.split('.');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  change(claims);
  return `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
}

async function refusal(token: string, by: FirebaseAuthenticator = authenticator): Promise<AuthError> {
  const err: unknown = await by.verify(token).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AuthError);
  return err as AuthError;
}

async function refusalReason(token: string): Promise<AuthFailure> {
  return (await refusal(token)).reason;
}

describe('FirebaseAuthenticator on the Auth emulator', () => {
  it('verifies an ID token as the user’s Firebase uid', async () => {
    const user = await aUser();
    await expect(authenticator.verify(user.idToken)).resolves.toStrictEqual({ userId: user.uid });
  });

  it('takes no role or org from the token, even when custom claims carry them', async () => {
    const user = await aUser();
    await auth.setCustomUserClaims(user.uid, { role: 'admin', org: 'hospital-a' });
    const { idToken } = await signInOnEmulator(emulator.host, user.email, PASSWORD);
    await expect(authenticator.verify(idToken)).resolves.toStrictEqual({ userId: user.uid });
  });

  it('refuses a token whose subject was changed to an unknown user', async () => {
    const { idToken } = await aUser();
    const forged = tampered(idToken, (claims) => {
      claims.sub = 'someone-else';
      claims.user_id = 'someone-else';
    });
    expect(await refusalReason(forged)).toBe('invalid');
  });

  it('refuses a token for another Firebase project', async () => {
    const { idToken } = await aUser();
    expect(await refusalReason(tampered(idToken, (claims) => (claims.aud = 'demo-other-project')))).toBe(
      'invalid',
    );
  });

  it('refuses a token that claims a signature algorithm with a forged signature', async () => {
    const { idToken } = await aUser();
    const [, payload] = idToken.split('.');
    const header = Buffer.from(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: 'k' })).toString('base64url');
    expect(await refusalReason(`${header}.${payload}.${Buffer.from('forged').toString('base64url')}`)).toBe(
      'invalid',
    );
  });

  it('refuses an expired token', async () => {
    const { idToken } = await aUser();
    const now = Math.floor(Date.now() / 1000);
    const expired = tampered(idToken, (claims) => {
      claims.iat = now - 7200;
      claims.auth_time = now - 7200;
      claims.exp = now - 3600;
    });
    expect(await refusalReason(expired)).toBe('expired');
  });

  it('refuses the token of a disabled account', async () => {
    const user = await aUser();
    await auth.updateUser(user.uid, { disabled: true });
    expect(await refusalReason(user.idToken)).toBe('invalid');
  });

  it('refuses a token issued before the user’s sessions were revoked', async () => {
    const user = await aUser();
    // Revocation compares whole seconds: the revocation must fall after the token's auth_time.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await auth.revokeRefreshTokens(user.uid);
    expect(await refusalReason(user.idToken)).toBe('invalid');
  });

  it('refuses a missing token', async () => {
    expect(await refusalReason('')).toBe('missing');
  });

  it.each(['not-a-jwt', 'a.b.c', 'eyJhbGciOiJub25lIn0.bm90LWpzb24.'])(
    'refuses the malformed token %p',
    async (token) => {
      expect(await refusalReason(token)).toBe('malformed');
    },
  );

  it('says nothing about the token or its user in its error', async () => {
    const user = await aUser();
    const err = await refusal(tampered(user.idToken, (claims) => (claims.aud = 'secret-audience-value')));
    const told = JSON.stringify({ ...err, message: err.message, stack: err.stack });
    expect(err.cause).toBeUndefined();
    for (const secret of ['secret-audience-value', user.uid, user.email]) expect(told).not.toContain(secret);
  });
});

describe('FirebaseAuthenticator and the emulator variable', () => {
  it(`refuses to run with ${AUTH_EMULATOR_VARIABLE} set unless the emulator is allowed`, () => {
    expect(() => new FirebaseAuthenticator({ auth })).toThrow(AUTH_EMULATOR_VARIABLE);
  });

  it('refuses an unsigned emulator token when it talks to the real Firebase Auth', async () => {
    const { idToken } = await aUser();
    // firebase-admin reads the variable when the Auth is created: lift it for that moment only.
    delete process.env[AUTH_EMULATOR_VARIABLE];
    let production: FirebaseAuthenticator;
    try {
      production = new FirebaseAuthenticator({
        auth: await createFirebaseAuth({ projectId: emulator.projectId }),
      });
    } finally {
      process.env[AUTH_EMULATOR_VARIABLE] = emulator.host;
    }
    // Refused on its missing key id and `alg: none`, before any key would be fetched from Google.
    expect((await refusal(idToken, production)).reason).toBe('invalid');
  });
});
