/**
 * An ID token for any user id from the Firebase Auth emulator at `host` (`127.0.0.1:9099`): an unsigned
 * custom token (the emulator accepts those) exchanged with `accounts:signInWithCustomToken`, which also
 * creates the account on first use — what a portal gets from the Firebase client SDK after its own
 * sign-in. Development network and tests only: the emulator's ID tokens are unsigned too, and a gateway
 * accepts them only with CARELEDGER_AUTH_EMULATOR=true.
 */
export async function emulatorIdToken(host: string, uid: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const customToken = `${part({ alg: 'none', typ: 'JWT' })}.${part({
    iss: 'careledger-dev@demo.invalid',
    sub: 'careledger-dev@demo.invalid',
    aud: 'https://identitytoolkit.googleapis.com/google.identity.identitytoolkit.v1.IdentityToolkit',
    iat: now,
    exp: now + 3600,
    uid,
  })}.`;
  const response = await fetch(`http://${host}/identitytoolkit.googleapis.com/v1/accounts:signInWithCustomToken?key=fake-api-key`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: customToken, returnSecureToken: true }),
  });
  const body = (await response.json()) as { idToken?: string; error?: unknown };
  if (!response.ok || typeof body.idToken !== 'string') throw new Error(`the Auth emulator refused a token for ${uid}: ${JSON.stringify(body.error)}`);
  return body.idToken;
}
