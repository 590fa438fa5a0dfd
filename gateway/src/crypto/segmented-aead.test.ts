import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { Readable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import { ciphertextSize } from './ciphertext-size.js';
import { CiphertextError, type CiphertextErrorCode } from './ciphertext-error.js';
import { segmentNonce, writeHeaderV1 } from './format-v1.js';
import { decryptStream, encryptStream, type EncryptOptions } from './segmented-aead.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const SEGMENT = 64 * KiB;
const HEADER = 48;
const TAG = 16;
const SEGMENT_LENGTH = SEGMENT + TAG;

function aKey(): Uint8Array {
  return randomBytes(32);
}

function* chunksOf(bytes: Uint8Array, size: number): Generator<Buffer> {
  for (let offset = 0; offset < bytes.length; offset += size) {
    yield Buffer.from(bytes.subarray(offset, offset + size));
  }
}

async function run(transform: Transform, input: Uint8Array, chunkSize: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  await pipeline(
    Readable.from(chunksOf(input, chunkSize)),
    transform,
    async (source: AsyncIterable<Buffer>) => {
      for await (const part of source) parts.push(part);
    },
  );
  return Buffer.concat(parts);
}

function encrypt(key: Uint8Array, plaintext: Uint8Array, options?: EncryptOptions, chunkSize = 10_000) {
  return run(encryptStream(key, options), plaintext, chunkSize);
}

function decrypt(key: Uint8Array, ciphertext: Uint8Array, chunkSize = 7_777) {
  return run(decryptStream(key), ciphertext, chunkSize);
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function flipBit(bytes: Buffer, offset: number): Buffer {
  const copy = Buffer.from(bytes);
  copy[offset] ^= 0x01;
  return copy;
}

async function expectRejected(promise: Promise<unknown>, code: CiphertextErrorCode): Promise<void> {
  const error: unknown = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(CiphertextError);
  expect(error).toMatchObject({ name: 'CiphertextError', code });
}

describe('segmented AEAD round trips', () => {
  it.each([
    ['0 B', 0],
    ['1 B', 1],
    ['64 KiB - 1', SEGMENT - 1],
    ['exactly 64 KiB', SEGMENT],
    ['64 KiB + 1', SEGMENT + 1],
    ['5 MiB + 123 B', 5 * MiB + 123],
  ])('decrypts what it encrypted for %s of random content', async (_label, length) => {
    const key = aKey();
    const plaintext = randomBytes(length);

    const ciphertext = await encrypt(key, plaintext);

    expect(ciphertext.length).toBe(ciphertextSize(length));
    expect((await decrypt(key, ciphertext)).equals(plaintext)).toBe(true);
  });

  it('accepts input in any chunking, down to single bytes', async () => {
    const key = aKey();
    const plaintext = randomBytes(3 * KiB + 5);
    const options = { segmentSize: KiB };

    const ciphertext = await encrypt(key, plaintext, options, 1);

    const sameInOneChunk = await encrypt(key, plaintext, {
      ...options,
      noncePrefix: ciphertext.subarray(9, 16),
    });
    expect(ciphertext.equals(sameInOneChunk)).toBe(true);
    expect((await decrypt(key, ciphertext, 1)).equals(plaintext)).toBe(true);
  });

  it('round-trips with a non-default segment size carried in the header', async () => {
    const key = aKey();
    const plaintext = randomBytes(10 * KiB);

    const ciphertext = await encrypt(key, plaintext, { segmentSize: 4 * KiB });

    expect(ciphertext.length).toBe(ciphertextSize(plaintext.length, 4 * KiB));
    expect((await decrypt(key, ciphertext)).equals(plaintext)).toBe(true);
  });

  it('writes a different ciphertext each time for the same key and plaintext (random nonce prefix)', async () => {
    const key = aKey();
    const plaintext = Buffer.from('same content');

    const [first, second] = await Promise.all([encrypt(key, plaintext), encrypt(key, plaintext)]);

    expect(first.equals(second)).toBe(false);
  });
});

describe('segmented AEAD refuses tampered ciphertext', () => {
  // 2.5 segments: two full inner segments and a half-full final one.
  const key = aKey();
  const plaintext = randomBytes(2.5 * SEGMENT);
  let ciphertext: Buffer;
  const segmentAt = (index: number) => HEADER + index * SEGMENT_LENGTH;

  beforeAll(async () => {
    ciphertext = await encrypt(key, plaintext);
  });

  it.each([
    ['magic', 0, 'CIPHERTEXT_CORRUPT'],
    ['version', 4, 'CIPHERTEXT_UNSUPPORTED_VERSION'],
    ['segment size', 7, 'CIPHERTEXT_CORRUPT'],
    ['nonce prefix', 12, 'CIPHERTEXT_CORRUPT'],
    ['key commitment', 40, 'CIPHERTEXT_CORRUPT'],
  ] as const)('refuses a bit flipped in the header %s', async (_field, offset, code) => {
    await expectRejected(decrypt(key, flipBit(ciphertext, offset)), code);
  });

  it('refuses a bit flipped in a middle segment', async () => {
    await expectRejected(decrypt(key, flipBit(ciphertext, segmentAt(1) + 1000)), 'CIPHERTEXT_CORRUPT');
  });

  it('refuses a bit flipped in a tag', async () => {
    await expectRejected(decrypt(key, flipBit(ciphertext, segmentAt(1) - 3)), 'CIPHERTEXT_CORRUPT');
  });

  it('refuses a bit flipped in the final tag', async () => {
    await expectRejected(decrypt(key, flipBit(ciphertext, ciphertext.length - 1)), 'CIPHERTEXT_CORRUPT');
  });

  it('reports a dropped final segment as truncated', async () => {
    await expectRejected(decrypt(key, ciphertext.subarray(0, segmentAt(2))), 'CIPHERTEXT_TRUNCATED');
  });

  it('reports a ciphertext that ends after its header as truncated', async () => {
    await expectRejected(decrypt(key, ciphertext.subarray(0, HEADER)), 'CIPHERTEXT_TRUNCATED');
  });

  it('reports a ciphertext that ends inside its header as truncated', async () => {
    await expectRejected(decrypt(key, ciphertext.subarray(0, 20)), 'CIPHERTEXT_TRUNCATED');
  });

  it('reports empty input as truncated', async () => {
    await expectRejected(decrypt(key, Buffer.alloc(0)), 'CIPHERTEXT_TRUNCATED');
  });

  it('refuses a ciphertext cut inside a segment', async () => {
    await expectRejected(decrypt(key, ciphertext.subarray(0, segmentAt(1) + 500)), 'CIPHERTEXT_CORRUPT');
  });

  it('refuses two swapped segments', async () => {
    const swapped = Buffer.concat([
      ciphertext.subarray(0, segmentAt(0)),
      ciphertext.subarray(segmentAt(1), segmentAt(2)),
      ciphertext.subarray(segmentAt(0), segmentAt(1)),
      ciphertext.subarray(segmentAt(2)),
    ]);

    await expectRejected(decrypt(key, swapped), 'CIPHERTEXT_CORRUPT');
  });

  it('refuses a duplicated segment', async () => {
    const duplicated = Buffer.concat([
      ciphertext.subarray(0, segmentAt(1)),
      ciphertext.subarray(segmentAt(0), segmentAt(1)),
      ciphertext.subarray(segmentAt(1)),
    ]);

    await expectRejected(decrypt(key, duplicated), 'CIPHERTEXT_CORRUPT');
  });

  it('refuses bytes appended after the final segment', async () => {
    await expectRejected(decrypt(key, Buffer.concat([ciphertext, Buffer.of(0)])), 'CIPHERTEXT_CORRUPT');
  });

  it('refuses a whole segment appended after a full final segment', async () => {
    const oneSegment = await encrypt(key, randomBytes(SEGMENT));
    const appended = Buffer.concat([oneSegment, oneSegment.subarray(HEADER)]);

    await expectRejected(decrypt(key, appended), 'CIPHERTEXT_CORRUPT');
    await expect(decrypt(key, appended)).rejects.toThrow('data follows the final segment');
  });

  it('refuses an empty final segment after data (not what the encoder writes)', async () => {
    const noncePrefix = randomBytes(7);
    const twoSegments = await encrypt(key, randomBytes(SEGMENT + 1), { noncePrefix });
    // Seal an empty final segment at counter 1 with the file's own segment key: valid crypto, wrong layout.
    const { segmentKey } = writeHeaderV1(key, SEGMENT, noncePrefix);
    const cipher = createCipheriv('aes-256-gcm', segmentKey, segmentNonce(Buffer.from(noncePrefix), 1, true));
    const emptyFinal = Buffer.concat([cipher.update(Buffer.alloc(0)), cipher.final(), cipher.getAuthTag()]);
    const spliced = Buffer.concat([twoSegments.subarray(0, segmentAt(1)), emptyFinal]);

    await expectRejected(decrypt(key, spliced), 'CIPHERTEXT_CORRUPT');
  });

  it('refuses the wrong key', async () => {
    await expectRejected(decrypt(aKey(), ciphertext), 'CIPHERTEXT_CORRUPT');
  });

  it('refuses a ciphertext of another format version', async () => {
    const future = Buffer.from(ciphertext);
    future[4] = 2;

    await expectRejected(decrypt(key, future), 'CIPHERTEXT_UNSUPPORTED_VERSION');
  });

  it('never puts key material in an error message', async () => {
    const error = await decrypt(key, flipBit(ciphertext, segmentAt(1) + 1)).catch(
      (caught: unknown) => caught,
    );

    const message = String((error as Error).message);
    expect(message).not.toContain(Buffer.from(key).toString('hex'));
    expect(message).not.toContain(Buffer.from(key).toString('base64'));
  });
});

describe('segmented AEAD argument checks', () => {
  it('refuses a data key that is not 32 bytes', () => {
    expect(() => encryptStream(randomBytes(16))).toThrow(RangeError);
    expect(() => decryptStream(randomBytes(31))).toThrow(RangeError);
  });

  it('refuses a segment size outside 1 KiB to 4 MiB', () => {
    expect(() => encryptStream(aKey(), { segmentSize: 1000 })).toThrow(RangeError);
    expect(() => encryptStream(aKey(), { segmentSize: 8 * MiB })).toThrow(RangeError);
  });

  it('refuses a nonce prefix that is not 7 bytes', () => {
    expect(() => encryptStream(aKey(), { noncePrefix: randomBytes(8) })).toThrow(RangeError);
  });
});

// Known answers: computed by an independent implementation of FORMAT.md (Python `cryptography`) and
// reproduced here. A failure means the format changed: never update these, add a new version instead.
describe('segmented AEAD version 1 known answers', () => {
  const key = Uint8Array.from({ length: 32 }, (_, i) => i);
  const noncePrefix = Buffer.from('f0f1f2f3f4f5f6', 'hex');
  const HEADER_HEX =
    '434c45460100010000f0f1f2f3f4f5f6296c28229745837c975b879cb80da7bf2e24351b6095c2c54820c42ad593b266';

  const vectors = [
    {
      name: 'the empty plaintext',
      plaintext: Buffer.alloc(0),
      length: 64,
      sha256: 'b2c58193b7cedfe6d51dd478e7253b175fa0319d69b1aeded7705e4ce5ab3a9c',
      first64: HEADER_HEX + '54e8a6f97b53cf8c501e20a9378f0df6',
    },
    {
      name: 'a short plaintext',
      plaintext: Buffer.from('CareLedger CLEF v1 known-answer test', 'utf8'),
      length: 100,
      sha256: '73cd71ff304e0a7972d1069bab971823f8e262beac557c9be9692ef3313f273c',
      first64: HEADER_HEX + 'c22cc0623996ef466774daedf8d90f42',
    },
    {
      name: '2.5 segments (byte i = i mod 251)',
      plaintext: Buffer.from(Uint8Array.from({ length: 163840 }, (_, i) => i % 251)),
      length: 163936,
      sha256: '9457ac33a5fcccb0a4d8e331738f4e48dd51f84a96c7e013d2950140c8eac656',
      first64: HEADER_HEX + '8330b9b85732298e452bcbbe5d6d53de',
    },
  ];

  it.each(vectors)('encrypts $name to the committed bytes', async (vector) => {
    const ciphertext = await encrypt(key, vector.plaintext, { noncePrefix });

    expect({
      length: ciphertext.length,
      sha256: sha256(ciphertext),
      first64: ciphertext.subarray(0, 64).toString('hex'),
    }).toEqual({ length: vector.length, sha256: vector.sha256, first64: vector.first64 });
  });

  it('decrypts the committed short ciphertext', async () => {
    const committed = Buffer.from(
      HEADER_HEX +
        'c22cc0623996ef466774daedf8d90f42bc8e2ac2d5c44c459ceeec48242a032e636c73878133be401a997caace0dcec5f90d43a1',
      'hex',
    );

    expect((await decrypt(key, committed)).toString('utf8')).toBe('CareLedger CLEF v1 known-answer test');
  });

  it('decrypts the committed empty ciphertext', async () => {
    const committed = Buffer.from(HEADER_HEX + '54e8a6f97b53cf8c501e20a9378f0df6', 'hex');

    expect((await decrypt(key, committed)).length).toBe(0);
  });
});
