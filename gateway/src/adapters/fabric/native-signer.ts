import { sign, type KeyObject } from 'node:crypto';

/** Orders of the curves Fabric identities use, by the name Node reports in asymmetricKeyDetails. */
const CURVE_ORDERS: Record<string, bigint> = {
  prime256v1: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
  secp384r1: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
};

/**
 * An ECDSA signer for @hyperledger/fabric-gateway that signs with Node's native crypto (OpenSSL) instead
 * of the pure-JavaScript curve arithmetic behind `signers.newPrivateKeySigner`, which took about a fifth
 * of the network gateway's CPU under load (bench/RESULTS.md). Use it with `hash: hash.none`: it receives
 * the whole message and hashes it with SHA-256 itself. Fabric accepts only low-S signatures, so a high S
 * is replaced by n - S (the same signature, in the form Fabric's MSP checks for).
 */
export function newNativeEcdsaSigner(privateKey: KeyObject): (message: Uint8Array) => Promise<Uint8Array> {
  const curve = privateKey.asymmetricKeyDetails?.namedCurve;
  const n = curve === undefined ? undefined : CURVE_ORDERS[curve];
  if (privateKey.asymmetricKeyType !== 'ec' || n === undefined) throw new Error(`unsupported signing key: ${privateKey.asymmetricKeyType} ${curve ?? ''}`.trim());
  return (message) => Promise.resolve(lowS(sign('sha256', message, { key: privateKey, dsaEncoding: 'der' }), n));
}

/** A DER ECDSA signature with S ≤ n/2 (BIP-62 / Fabric's "low-S" rule). */
export function lowS(der: Uint8Array, n: bigint): Uint8Array {
  const { r, s } = parseDer(der);
  return s > n >> 1n ? encodeDer(r, n - s) : der;
}

function parseDer(der: Uint8Array): { r: bigint; s: bigint } {
  // SEQUENCE { INTEGER r, INTEGER s }; the sequence length is one byte for P-256, may be 0x81 xx for P-384.
  let at = 2;
  if (der[0] !== 0x30) throw new Error('not a DER ECDSA signature');
  if (der[1] === 0x81) at = 3;
  const integer = (): bigint => {
    if (der[at] !== 0x02) throw new Error('not a DER ECDSA signature');
    const length = der[at + 1]!;
    const value = BigInt(`0x${Buffer.from(der.subarray(at + 2, at + 2 + length)).toString('hex') || '0'}`);
    at += 2 + length;
    return value;
  };
  const r = integer();
  return { r, s: integer() };
}

function encodeDer(r: bigint, s: bigint): Uint8Array {
  const integer = (x: bigint): Buffer => {
    let hex = x.toString(16);
    if (hex.length % 2) hex = `0${hex}`;
    let bytes = Buffer.from(hex, 'hex');
    if (bytes[0]! & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
    return Buffer.concat([Buffer.from([0x02, bytes.length]), bytes]);
  };
  const body = Buffer.concat([integer(r), integer(s)]);
  const length = body.length < 0x80 ? Buffer.from([body.length]) : Buffer.from([0x81, body.length]);
  return Buffer.concat([Buffer.from([0x30]), length, body]);
}
