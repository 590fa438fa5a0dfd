import type { Auth, DecodedIdToken } from 'firebase-admin/auth';
import { AppError } from '../../domain/app-error.js';
import { AuthError } from '../../ports/authenticator.js';
import { AUTH_EMULATOR_VARIABLE, FirebaseAuthenticator } from './firebase-authenticator.js';

/** A well-formed (unsigned) JWT; what is in it does not matter to the stand-in Auth. */
const A_TOKEN = `${Buffer.from('{"alg":"RS256","kid":"k"}').toString('base64url')}.${Buffer.from('{"sub":"u-1"}').toString('base64url')}.c2ln`;

/** An Auth stand-in whose verifyIdToken answers `outcome` and records how it was called. */
function anAuth(outcome: () => Promise<Partial<DecodedIdToken>>): { auth: Auth; calls: unknown[][] } {
  const calls: unknown[][] = [];
  const auth = {
    verifyIdToken: (...args: unknown[]) => {
      calls.push(args);
      return outcome();
    },
  };
  return { auth: auth as unknown as Auth, calls };
}

/** A firebase-admin style error: a code, and a message that quotes the token's claims. */
const firebaseError = (code: string): Error =>
  Object.assign(new Error('Firebase ID token has incorrect "aud" claim: secret-claim'), { code });

let savedVariable: string | undefined;
beforeEach(() => {
  savedVariable = process.env[AUTH_EMULATOR_VARIABLE];
  delete process.env[AUTH_EMULATOR_VARIABLE];
});
afterEach(() => {
  if (savedVariable !== undefined) process.env[AUTH_EMULATOR_VARIABLE] = savedVariable;
});

describe('FirebaseAuthenticator (stand-in Auth)', () => {
  it('answers the uid of the verified token', async () => {
    const { auth } = anAuth(async () => ({ uid: 'u-1', role: 'admin' }));
    await expect(new FirebaseAuthenticator({ auth }).verify(A_TOKEN)).resolves.toStrictEqual({
      userId: 'u-1',
    });
  });

  it('asks for the revocation check unless told not to', async () => {
    const { auth, calls } = anAuth(async () => ({ uid: 'u-1' }));
    await new FirebaseAuthenticator({ auth }).verify(A_TOKEN);
    await new FirebaseAuthenticator({ auth, checkRevoked: false }).verify(A_TOKEN);
    expect(calls).toEqual([
      [A_TOKEN, true],
      [A_TOKEN, false],
    ]);
  });

  it.each([
    ['auth/id-token-expired', 'expired'],
    ['auth/argument-error', 'invalid'],
    ['auth/id-token-revoked', 'invalid'],
    ['auth/user-disabled', 'invalid'],
    ['auth/user-not-found', 'invalid'],
  ])('maps %s to a refusal (%s) without the message', async (code, reason) => {
    const { auth } = anAuth(() => Promise.reject(firebaseError(code)));
    const err = await new FirebaseAuthenticator({ auth }).verify(A_TOKEN).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect(err).toMatchObject({ reason, code: 'UNAUTHENTICATED' });
    expect((err as Error).message).not.toContain('secret-claim');
  });

  it('reports Firebase Auth being unreachable as UNAVAILABLE, not as a bad token', async () => {
    const { auth } = anAuth(() => Promise.reject(firebaseError('app/network-error')));
    const err = await new FirebaseAuthenticator({ auth }).verify(A_TOKEN).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'UNAVAILABLE', status: 503 });
    expect((err as Error).message).not.toContain('secret-claim');
    expect((err as Error).cause).toBeUndefined();
  });

  it('answers UNAVAILABLE naming auth when Firebase Auth does not answer within the deadline', async () => {
    const { auth } = anAuth(() => new Promise(() => undefined));
    const started = Date.now();
    const err = await new FirebaseAuthenticator({ auth, timeoutMs: 60 }).verify(A_TOKEN).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'UNAVAILABLE', status: 503, dependency: 'auth', type: 'https://careledger.dev/problems/auth-unavailable' });
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('does not call Firebase for a missing or malformed token', async () => {
    const { auth, calls } = anAuth(async () => ({ uid: 'u-1' }));
    const authenticator = new FirebaseAuthenticator({ auth });
    await expect(authenticator.verify('')).rejects.toMatchObject({ reason: 'missing' });
    await expect(authenticator.verify('x.y')).rejects.toMatchObject({ reason: 'malformed' });
    expect(calls).toEqual([]);
  });

  it(`refuses to start with ${AUTH_EMULATOR_VARIABLE} set unless the emulator is allowed`, () => {
    process.env[AUTH_EMULATOR_VARIABLE] = '127.0.0.1:9099';
    const { auth } = anAuth(async () => ({ uid: 'u-1' }));
    expect(() => new FirebaseAuthenticator({ auth })).toThrow(AUTH_EMULATOR_VARIABLE);
    expect(() => new FirebaseAuthenticator({ auth, allowEmulator: true })).not.toThrow();
  });
});
