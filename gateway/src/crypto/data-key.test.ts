import { generateKeyPairSync, type KeyObject } from 'node:crypto';

import { decodeProtectedHeader } from 'jose';

import type { PublicJwk } from '../ports/key-service.js';
import { DataKeyError } from './data-key-error.js';
import { newDataKey, recipientKeyId, unwrapDataKey, wrapDataKey, wrappedKeyId } from './data-key.js';

function aRecipient(namedCurve = 'P-256'): { publicJwk: PublicJwk; privateKey: KeyObject } {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve });
  return { publicJwk: publicKey.export({ format: 'jwk' }) as PublicJwk, privateKey };
}

describe('data keys', () => {
  it('draws a fresh 32-byte key each time', () => {
    const first = newDataKey();

    expect(first).toHaveLength(32);
    expect(Buffer.from(first).equals(Buffer.from(newDataKey()))).toBe(false);
  });

  it('unwraps what it wrapped for the recipient', async () => {
    const recipient = aRecipient();
    const dataKey = newDataKey();

    const jwe = await wrapDataKey(dataKey, recipient.publicJwk);

    expect(Buffer.from(await unwrapDataKey(jwe, recipient.privateKey)).equals(Buffer.from(dataKey))).toBe(
      true,
    );
  });

  it('wraps as compact JWE with ECDH-ES+A256KW, A256GCM and the recipient thumbprint as kid', async () => {
    const recipient = aRecipient();

    const jwe = await wrapDataKey(newDataKey(), recipient.publicJwk);

    expect(jwe.split('.')).toHaveLength(5);
    expect(decodeProtectedHeader(jwe)).toMatchObject({
      alg: 'ECDH-ES+A256KW',
      enc: 'A256GCM',
      kid: await recipientKeyId(recipient.publicJwk),
    });
    expect(wrappedKeyId(jwe)).toBe(await recipientKeyId(recipient.publicJwk));
  });

  it('refuses to unwrap with another recipient key', async () => {
    const jwe = await wrapDataKey(newDataKey(), aRecipient().publicJwk);

    await expect(unwrapDataKey(jwe, aRecipient().privateKey)).rejects.toMatchObject({
      name: 'DataKeyError',
      code: 'DATA_KEY_UNWRAP_FAILED',
    });
  });

  it('refuses a tampered wrapped key', async () => {
    const recipient = aRecipient();
    const parts = (await wrapDataKey(newDataKey(), recipient.publicJwk)).split('.');
    parts[3] = (parts[3][0] === 'A' ? 'B' : 'A') + parts[3].slice(1);

    await expect(unwrapDataKey(parts.join('.'), recipient.privateKey)).rejects.toBeInstanceOf(DataKeyError);
  });

  it('refuses a recipient key that is not EC P-256', async () => {
    await expect(wrapDataKey(newDataKey(), aRecipient('P-384').publicJwk)).rejects.toMatchObject({
      code: 'DATA_KEY_INVALID_RECIPIENT',
    });
  });

  it('keeps the private part of a JWK out of the wrapped key', async () => {
    const { privateKey } = aRecipient();
    const privateJwk = privateKey.export({ format: 'jwk' }) as PublicJwk;

    const jwe = await wrapDataKey(newDataKey(), privateJwk);

    expect(JSON.stringify(decodeProtectedHeader(jwe))).not.toContain(String(privateJwk.d));
  });

  it('reports a malformed wrapped key', () => {
    expect(() => wrappedKeyId('not-a-jwe')).toThrow(DataKeyError);
  });
});
