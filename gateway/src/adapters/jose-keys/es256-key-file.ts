import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { calculateJwkThumbprint, errors, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import { AuthError } from '../../ports/authenticator.js';

/** The JWS algorithm of the gateway's own tokens (dev user tokens, device credentials). */
export const ES256 = 'ES256';

/** A P-256 signing key pair and its JWK thumbprint (the tokens' `kid`). */
export interface SigningKeys {
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  kid: string;
}

/**
 * Loads the P-256 signing key of `file`, creating it on first use with mode 0600 (in a 0700 folder).
 * Refuses a file other users can read (as ssh does) or that is not a P-256 private JWK; `what` names the
 * key in those errors.
 */
export async function loadOrCreateEs256Key(file: string, what: string): Promise<SigningKeys> {
  try {
    return await loadKey(file, what);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const { privateKey } = await generateKeyPair(ES256, { extractable: true });
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  try {
    // 'wx' never overwrites: a key that another process created first wins, and its tokens stay valid.
    await writeFile(file, `${JSON.stringify({ ...(await exportJWK(privateKey)), alg: ES256 })}\n`, { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return loadKey(file, what);
}

async function loadKey(file: string, what: string): Promise<SigningKeys> {
  const { mode } = await stat(file);
  if ((mode & 0o077) !== 0) throw new Error(`${what} ${file} is accessible to other users; restrict it with chmod 600`);
  const jwk = JSON.parse(await readFile(file, 'utf8')) as JWK;
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || typeof jwk.d !== 'string') throw new Error(`${what} ${file} is not a P-256 private JWK`);
  const publicJwk: JWK = { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y };
  return {
    privateKey: (await importJWK(jwk, ES256)) as CryptoKey,
    publicKey: (await importJWK(publicJwk, ES256)) as CryptoKey,
    kid: await calculateJwkThumbprint(publicJwk),
  };
}

/** Maps a jose verification failure to an AuthError category; jose's errors can carry the claims, so nothing else is kept. */
export function toAuthError(err: unknown): unknown {
  if (err instanceof AuthError) return err;
  if (err instanceof errors.JWTExpired) return new AuthError('expired');
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid) return new AuthError('malformed');
  if (err instanceof errors.JOSEError) return new AuthError('invalid');
  return err;
}
