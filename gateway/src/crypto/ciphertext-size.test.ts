import { CiphertextError } from './ciphertext-error.js';
import { ciphertextSize, plaintextSize } from './ciphertext-size.js';

const KiB = 1024;

describe('ciphertextSize', () => {
  it.each([
    [0, 48 + 16],
    [1, 48 + 1 + 16],
    [64 * KiB - 1, 48 + 64 * KiB - 1 + 16],
    [64 * KiB, 48 + 64 * KiB + 16],
    [64 * KiB + 1, 48 + 64 * KiB + 1 + 2 * 16],
    [160 * KiB, 48 + 160 * KiB + 3 * 16],
  ])('gives the exact ciphertext length of a %i-byte plaintext', (plaintextLength, expected) => {
    expect(ciphertextSize(plaintextLength)).toBe(expected);
  });

  it('counts one tag per segment of a non-default size', () => {
    expect(ciphertextSize(10 * KiB, 4 * KiB)).toBe(48 + 10 * KiB + 3 * 16);
  });

  it('refuses a negative or fractional length', () => {
    expect(() => ciphertextSize(-1)).toThrow(RangeError);
    expect(() => ciphertextSize(1.5)).toThrow(RangeError);
  });

  it('refuses a plaintext longer than 2^32 segments', () => {
    expect(() => ciphertextSize(2 ** 32 * KiB + 1, KiB)).toThrow(RangeError);
  });
});

describe('plaintextSize', () => {
  it('inverts ciphertextSize around every segment boundary', () => {
    const segmentSize = KiB;
    for (let length = 0; length <= 4 * segmentSize + 2; length += 1) {
      expect(plaintextSize(ciphertextSize(length, segmentSize), segmentSize)).toBe(length);
    }
  });

  it.each([
    ['shorter than a header and a tag', 63],
    ['one byte past a full final segment', 48 + 64 * KiB + 16 + 1],
    ['an empty segment after a full one', 48 + 64 * KiB + 16 + 16],
  ])('refuses a ciphertext length that no file has: %s', (_label, length) => {
    expect(() => plaintextSize(length)).toThrow(CiphertextError);
  });
});
