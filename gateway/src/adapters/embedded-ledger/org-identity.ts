import { createPrivateKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The identity the embedded ledger signs proposals with for one org (one per MSP id, like a gateway's). */
export interface OrgIdentity {
  mspId: string;
  /** PEM X.509 certificate: what Fabric puts in `SerializedIdentity.id_bytes`. */
  certificate: string;
  privateKey: KeyObject;
}

interface StoredIdentity {
  mspId: string;
  certificate: string;
  caCertificate: string;
  privateKey: string;
}

const MSP_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * Loads the org's identity from `dir`, creating it on first use: a P-256 CA and a client certificate
 * it issued. Persisted so `ctx.clientIdentity.getID()` stays the same across restarts (the chaincode
 * may store it). The file holds a private key, hence mode 0600.
 */
export async function loadOrCreateOrgIdentity(dir: string, mspId: string): Promise<OrgIdentity> {
  if (!MSP_ID.test(mspId)) throw new Error(`invalid MSP id ${JSON.stringify(mspId)}`);
  const file = join(dir, `${mspId}.json`);
  let stored: StoredIdentity;
  try {
    stored = JSON.parse(await readFile(file, 'utf8')) as StoredIdentity;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    stored = createIdentity(mspId);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await writeFile(file, JSON.stringify(stored, null, 2), { mode: 0o600, flag: 'wx' });
  }
  if (stored.mspId !== mspId) throw new Error(`${file} belongs to ${stored.mspId}, not ${mspId}`);
  return { mspId, certificate: stored.certificate, privateKey: createPrivateKey(stored.privateKey) };
}

function createIdentity(mspId: string): StoredIdentity {
  const ca = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const client = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const caName = distinguishedName([
    [OID.organization, mspId],
    [OID.commonName, `ca.${mspId}`],
  ]);
  const clientName = distinguishedName([
    [OID.organization, mspId],
    [OID.organizationalUnit, 'client'],
    [OID.commonName, `gateway.${mspId}`],
  ]);
  const notBefore = new Date();
  const notAfter = new Date(notBefore.getTime() + 10 * 365 * 24 * 3600 * 1000);
  const caDer = certificate({
    issuer: caName,
    subject: caName,
    notBefore,
    notAfter,
    subjectPublicKey: ca.publicKey.export({ type: 'spki', format: 'der' }),
    isCA: true,
    signer: ca.privateKey,
  });
  const clientDer = certificate({
    issuer: caName,
    subject: clientName,
    notBefore,
    notAfter,
    subjectPublicKey: client.publicKey.export({ type: 'spki', format: 'der' }),
    isCA: false,
    signer: ca.privateKey,
  });
  return {
    mspId,
    certificate: toPem(clientDer),
    caCertificate: toPem(caDer),
    privateKey: client.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

// Just enough DER to write an X.509 v3 certificate: node:crypto parses and verifies certificates but
// cannot create them, and a certificate library would be a dependency for ~60 lines.
const OID = {
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  organizationalUnit: '2.5.4.11',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
} as const;

function tlv(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  const len = body.length;
  let header: Buffer;
  if (len < 0x80) header = Buffer.from([tag, len]);
  else if (len < 0x100) header = Buffer.from([tag, 0x81, len]);
  else header = Buffer.from([tag, 0x82, len >> 8, len & 0xff]);
  return Buffer.concat([header, body]);
}

const sequence = (...parts: Buffer[]): Buffer => tlv(0x30, ...parts);
const set = (...parts: Buffer[]): Buffer => tlv(0x31, ...parts);
const utf8String = (text: string): Buffer => tlv(0x0c, Buffer.from(text, 'utf8'));
const bitString = (bytes: Buffer, unusedBits = 0): Buffer => tlv(0x03, Buffer.from([unusedBits]), bytes);
const octetString = (bytes: Buffer): Buffer => tlv(0x04, bytes);
const bool = (value: boolean): Buffer => tlv(0x01, Buffer.from([value ? 0xff : 0x00]));

function positiveInteger(bytes: Buffer): Buffer {
  // DER integers are signed: a leading 1 bit needs a zero byte in front to stay positive.
  return tlv(0x02, (bytes[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
}

function serialNumber(): Buffer {
  // DER wants the minimal form: no leading zero byte, and positive.
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x01;
  return positiveInteger(bytes);
}

function objectId(oid: string): Buffer {
  const [first = 0, second = 0, ...rest] = oid.split('.').map(Number);
  const bytes = [40 * first + second];
  for (const arc of rest) {
    const chunk = [arc & 0x7f];
    for (let v = arc >>> 7; v > 0; v >>>= 7) chunk.unshift((v & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  return tlv(0x06, Buffer.from(bytes));
}

function utcTime(date: Date): Buffer {
  // UTCTime (two-digit years) is what RFC 5280 requires up to 2049.
  const iso = date.toISOString();
  const text = iso.slice(2, 4) + iso.slice(5, 7) + iso.slice(8, 10) + iso.slice(11, 13) + iso.slice(14, 16) + iso.slice(17, 19) + 'Z';
  return tlv(0x17, Buffer.from(text, 'ascii'));
}

function distinguishedName(attributes: Array<[string, string]>): Buffer {
  return sequence(...attributes.map(([oid, value]) => set(sequence(objectId(oid), utf8String(value)))));
}

interface CertificateSpec {
  issuer: Buffer;
  subject: Buffer;
  notBefore: Date;
  notAfter: Date;
  subjectPublicKey: Buffer;
  isCA: boolean;
  signer: KeyObject;
}

function certificate(spec: CertificateSpec): Buffer {
  const algorithm = sequence(objectId(OID.ecdsaWithSha256));
  // keyUsage bits: digitalSignature (bit 0) for clients; keyCertSign (bit 5) for the CA.
  const keyUsage = spec.isCA ? bitString(Buffer.from([0x04]), 2) : bitString(Buffer.from([0x80]), 7);
  const extensions = sequence(
    sequence(objectId(OID.basicConstraints), bool(true), octetString(spec.isCA ? sequence(bool(true)) : sequence())),
    sequence(objectId(OID.keyUsage), bool(true), octetString(keyUsage)),
  );
  const tbs = sequence(
    tlv(0xa0, positiveInteger(Buffer.from([2]))),
    serialNumber(),
    algorithm,
    spec.issuer,
    sequence(utcTime(spec.notBefore), utcTime(spec.notAfter)),
    spec.subject,
    spec.subjectPublicKey,
    tlv(0xa3, extensions),
  );
  return sequence(tbs, algorithm, bitString(sign('sha256', tbs, spec.signer)));
}

function toPem(der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}
