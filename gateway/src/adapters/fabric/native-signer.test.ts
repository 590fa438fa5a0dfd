import { createHash, generateKeyPairSync, verify } from 'node:crypto';
import { p256, p384 } from '@noble/curves/nist.js';
import { lowS, newNativeEcdsaSigner } from './native-signer.js';

const P256_N = p256.Point.CURVE().n;

describe('newNativeEcdsaSigner', () => {
  for (const [namedCurve, curve] of [['P-256', p256], ['P-384', p384]] as const) {
    it(`signs SHA-256 of the message with a ${namedCurve} key: valid DER, always low-S`, async () => {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve });
      const signer = newNativeEcdsaSigner(privateKey);
      const n = curve.Point.CURVE().n;
      for (let i = 0; i < 64; i++) {
        const message = Buffer.from(`proposal ${i}`);
        const der = await signer(message);
        expect(verify('sha256', message, { key: publicKey, dsaEncoding: 'der' }, der)).toBe(true);
        // What Fabric's MSP checks: the same signature verified over the SHA-256 digest, and S <= n/2.
        const sig = curve.Signature.fromBytes(der, 'der');
        expect(sig.s <= n / 2n).toBe(true);
        const digest = createHash('sha256').update(message).digest();
        const point = publicKey.export({ format: 'der', type: 'spki' }).subarray(namedCurve === 'P-256' ? -65 : -97);
        expect(curve.verify(der, digest, point, { prehash: false, format: 'der' })).toBe(true);
      }
    });
  }

  it('refuses keys of other types', () => {
    expect(() => newNativeEcdsaSigner(generateKeyPairSync('ed25519').privateKey)).toThrow(/unsupported signing key/);
  });
});

describe('lowS', () => {
  it('replaces a high S by n - S and keeps a low S as it is', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-65);
    const digest = createHash('sha256').update('x').digest();
    const d = Buffer.from(privateKey.export({ format: 'jwk' }).d!, 'base64url');
    const low = p256.sign(digest, d, { prehash: false, lowS: true, format: 'der' });
    expect(lowS(low, P256_N)).toBe(low);
    const sig = p256.Signature.fromBytes(low, 'der');
    const high = new p256.Signature(sig.r, P256_N - sig.s).toBytes('der');
    const fixed = lowS(high, P256_N);
    expect(Buffer.from(fixed)).toEqual(Buffer.from(low));
    expect(p256.verify(fixed, digest, raw, { prehash: false, format: 'der' })).toBe(true);
  });
});
