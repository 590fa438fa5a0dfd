import {
  CompactEncrypt,
  calculateJwkThumbprint,
  compactDecrypt,
  decodeProtectedHeader,
  importJWK,
  type CryptoKey,
  type JWK_EC_Public,
  type KeyObject,
} from 'jose';

import type { PublicJwk } from '../ports/key-service.js';
import { DataKeyError } from './data-key-error.js';
import { DATA_KEY_LENGTH } from './format-v1.js';

/** JWE key management algorithm of wrapped data keys: ephemeral-static ECDH on P-256, then AES key wrap. */
export const KEY_WRAP_ALGORITHM = 'ECDH-ES+A256KW';
/** JWE content encryption of wrapped data keys. */
export const KEY_WRAP_ENCRYPTION = 'A256GCM';
const CURVE = 'P-256';

/** A fresh 32-byte data key from the system CSPRNG; one per file, never reused. */
export function newDataKey(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(DATA_KEY_LENGTH));
}

/** The `kid` a recipient's wrapped keys carry: the RFC 7638 SHA-256 thumbprint of its public JWK. */
export async function recipientKeyId(publicJwk: PublicJwk): Promise<string> {
  return calculateJwkThumbprint(toPublicEcJwk(publicJwk), 'sha256');
}

/**
 * Wraps a data key for one recipient as a compact JWE (ECDH-ES+A256KW on P-256, A256GCM). Only the public
 * part of the JWK is used, so passing a private JWK does not leak it into the header.
 */
export async function wrapDataKey(dataKey: Uint8Array, recipientPublicJwk: PublicJwk): Promise<string> {
  if (dataKey.length !== DATA_KEY_LENGTH) throw new RangeError(`data key must be ${DATA_KEY_LENGTH} bytes`);
  const jwk = toPublicEcJwk(recipientPublicJwk);
  const key = await importJWK(jwk, KEY_WRAP_ALGORITHM);
  const kid = await calculateJwkThumbprint(jwk, 'sha256');
  return new CompactEncrypt(dataKey)
    .setProtectedHeader({ alg: KEY_WRAP_ALGORITHM, enc: KEY_WRAP_ENCRYPTION, kid })
    .encrypt(key);
}

/** The `kid` of a wrapped data key (unauthenticated until unwrapped: use it to pick a key, nothing more). */
export function wrappedKeyId(jwe: string): string {
  let kid: unknown;
  try {
    kid = decodeProtectedHeader(jwe).kid;
  } catch (error) {
    throw new DataKeyError('DATA_KEY_MALFORMED', 'wrapped data key is not a compact JWE', { cause: error });
  }
  if (typeof kid !== 'string' || kid === '') {
    throw new DataKeyError('DATA_KEY_MALFORMED', 'wrapped data key has no kid');
  }
  return kid;
}

/**
 * Unwraps a data key wrapped by {@link wrapDataKey}. Only ECDH-ES+A256KW with A256GCM is accepted, so a JWE
 * cannot downgrade the algorithm; anything that does not decrypt to a 32-byte key is refused.
 */
export async function unwrapDataKey(jwe: string, privateKey: KeyObject | CryptoKey): Promise<Uint8Array> {
  return decryptDataKey(jwe, privateKey, KEY_WRAP_ALGORITHM);
}

/** Decrypts a wrapped data key with the one key-management algorithm its kind allows (no downgrade). */
async function decryptDataKey(jwe: string, key: KeyObject | CryptoKey | Uint8Array, algorithm: string): Promise<Uint8Array> {
  let plaintext: Uint8Array;
  try {
    ({ plaintext } = await compactDecrypt(jwe, key, {
      keyManagementAlgorithms: [algorithm],
      contentEncryptionAlgorithms: [KEY_WRAP_ENCRYPTION],
    }));
  } catch (error) {
    throw new DataKeyError('DATA_KEY_UNWRAP_FAILED', 'wrapped data key does not decrypt with this key', {
      cause: error,
    });
  }
  if (plaintext.length !== DATA_KEY_LENGTH) {
    throw new DataKeyError('DATA_KEY_UNWRAP_FAILED', 'wrapped data key is not a 32-byte key');
  }
  return plaintext;
}

/** JWE key management algorithm of data keys in patient custody: AES key wrap under the patient's own key. */
export const PATIENT_KEY_WRAP_ALGORITHM = 'A256KW';
/** `kid` prefix of a patient key: never a JWK thumbprint (base64url has no `:`), so the two kinds never mix. */
export const PATIENT_KEY_ID_PREFIX = 'patient:';
/** Length of a patient key in bytes (AES-256). */
export const PATIENT_KEY_LENGTH = 32;

/** Whether a wrapped key's `kid` names a patient key (rather than an org's key-encryption key). */
export function isPatientKeyId(kid: string): boolean {
  return kid.startsWith(PATIENT_KEY_ID_PREFIX);
}

/**
 * Wraps a data key under a patient key (compact JWE, A256KW + A256GCM, `kid` = the patient key's id). The
 * patient key never leaves its KeyService; destroying it makes every copy of this JWE useless.
 */
export async function wrapDataKeyForPatient(dataKey: Uint8Array, patientKey: Uint8Array, kid: string): Promise<string> {
  if (dataKey.length !== DATA_KEY_LENGTH) throw new RangeError(`data key must be ${DATA_KEY_LENGTH} bytes`);
  if (patientKey.length !== PATIENT_KEY_LENGTH) throw new RangeError(`patient key must be ${PATIENT_KEY_LENGTH} bytes`);
  if (!isPatientKeyId(kid)) throw new RangeError('a patient key id starts with "patient:"');
  return new CompactEncrypt(dataKey)
    .setProtectedHeader({ alg: PATIENT_KEY_WRAP_ALGORITHM, enc: KEY_WRAP_ENCRYPTION, kid })
    .encrypt(patientKey);
}

/** Unwraps a data key wrapped by {@link wrapDataKeyForPatient}; only A256KW with A256GCM is accepted. */
export async function unwrapDataKeyForPatient(jwe: string, patientKey: Uint8Array): Promise<Uint8Array> {
  return decryptDataKey(jwe, patientKey, PATIENT_KEY_WRAP_ALGORITHM);
}

function toPublicEcJwk(jwk: PublicJwk): JWK_EC_Public {
  const { kty, crv, x, y } = jwk;
  if (kty !== 'EC' || crv !== CURVE || typeof x !== 'string' || typeof y !== 'string') {
    throw new DataKeyError('DATA_KEY_INVALID_RECIPIENT', 'recipient key must be an EC P-256 public JWK');
  }
  return { kty, crv, x, y };
}
