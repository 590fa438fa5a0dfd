import { CiphertextError } from './ciphertext-error.js';
import {
  DEFAULT_SEGMENT_SIZE,
  HEADER_LENGTH,
  MAX_SEGMENTS,
  TAG_LENGTH,
  isValidSegmentSize,
} from './format-v1.js';

/**
 * The exact length of the version-1 ciphertext of a plaintext: header, then one tag per segment, where an
 * empty plaintext still has one (empty) final segment.
 *
 * @param segmentSize the encoder's segment size; 64 KiB unless it was told otherwise.
 */
export function ciphertextSize(plaintextLength: number, segmentSize: number = DEFAULT_SEGMENT_SIZE): number {
  checkSegmentSize(segmentSize);
  if (!Number.isSafeInteger(plaintextLength) || plaintextLength < 0) {
    throw new RangeError('plaintext length must be a non-negative safe integer');
  }
  const segments = Math.max(1, Math.ceil(plaintextLength / segmentSize));
  if (segments > MAX_SEGMENTS)
    throw new RangeError('plaintext is longer than the format allows (2^32 segments)');
  return HEADER_LENGTH + plaintextLength + segments * TAG_LENGTH;
}

/**
 * The plaintext length behind a version-1 ciphertext of this length. Throws a {@link CiphertextError}
 * (`CIPHERTEXT_CORRUPT`) when no ciphertext the encoder writes has that length.
 */
export function plaintextSize(ciphertextLength: number, segmentSize: number = DEFAULT_SEGMENT_SIZE): number {
  checkSegmentSize(segmentSize);
  if (!Number.isSafeInteger(ciphertextLength) || ciphertextLength < 0) {
    throw new RangeError('ciphertext length must be a non-negative safe integer');
  }
  const body = ciphertextLength - HEADER_LENGTH;
  const segmentLength = segmentSize + TAG_LENGTH;
  const segments = Math.ceil(body / segmentLength);
  const lastLength = body - (segments - 1) * segmentLength;
  // Only the final segment may be short, and it is empty only when it is the only one.
  const valid =
    body >= TAG_LENGTH && lastLength >= TAG_LENGTH + (segments > 1 ? 1 : 0) && segments <= MAX_SEGMENTS;
  if (!valid) {
    throw new CiphertextError('CIPHERTEXT_CORRUPT', `no ciphertext is ${ciphertextLength} bytes long`);
  }
  return body - segments * TAG_LENGTH;
}

function checkSegmentSize(segmentSize: number): void {
  if (!isValidSegmentSize(segmentSize)) {
    throw new RangeError(`segment size must be an integer from 1024 to 4194304, got ${segmentSize}`);
  }
}
