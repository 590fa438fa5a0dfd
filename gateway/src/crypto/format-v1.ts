import { hkdfSync, timingSafeEqual } from 'node:crypto';

import { CiphertextError } from './ciphertext-error.js';

// The byte layout of version 1. FORMAT.md is the normative description; change neither without the other,
// and never change what version 1 means: files written today must stay readable.

/** "CLEF": CareLedger Encrypted File. */
export const MAGIC = Buffer.from('CLEF', 'ascii');
/** Offset of the version byte, the same in every version. */
export const VERSION_OFFSET = MAGIC.length;
/** The only version written today. */
export const VERSION_1 = 1;
const SEGMENT_SIZE_OFFSET = VERSION_OFFSET + 1;
const NONCE_PREFIX_OFFSET = SEGMENT_SIZE_OFFSET + 4;
/** Random bytes per file in front of every nonce (12-byte GCM nonce minus counter and flag). */
export const NONCE_PREFIX_LENGTH = 7;
/** The keys are derived from every header byte before the commitment. */
const COMMITMENT_OFFSET = NONCE_PREFIX_OFFSET + NONCE_PREFIX_LENGTH;
const COMMITMENT_LENGTH = 32;
/** magic (4) + version (1) + segment size (4) + nonce prefix (7) + key commitment (32). */
export const HEADER_LENGTH = COMMITMENT_OFFSET + COMMITMENT_LENGTH;

/** Plaintext bytes per segment unless the encoder is told otherwise. */
export const DEFAULT_SEGMENT_SIZE = 64 * 1024;
/** Smallest segment size a version-1 header may carry. */
export const MIN_SEGMENT_SIZE = 1024;
/** Largest segment size a version-1 header may carry: it caps the decoder's buffer. */
export const MAX_SEGMENT_SIZE = 4 * 1024 * 1024;
/** GCM tag bytes after every segment. */
export const TAG_LENGTH = 16;
/** The counter is 32 bits wide: at most 2^32 segments (256 TiB at the default size). */
export const MAX_SEGMENTS = 2 ** 32;
/** AES-256: the data key and the derived segment key are 32 bytes. */
export const DATA_KEY_LENGTH = 32;

const SEGMENT_KEY_INFO = Buffer.from('CareLedger CLEF v1 segment key', 'ascii');
const COMMITMENT_INFO = Buffer.from('CareLedger CLEF v1 key commitment', 'ascii');

/** What the segment layer needs from a parsed, key-checked version-1 header. */
export interface HeaderV1 {
  segmentSize: number;
  noncePrefix: Buffer;
  segmentKey: Buffer;
}

/** Whether a version-1 header may carry this segment size. */
export function isValidSegmentSize(size: number): boolean {
  return Number.isInteger(size) && size >= MIN_SEGMENT_SIZE && size <= MAX_SEGMENT_SIZE;
}

/** Whether the bytes start with the format's magic (given at least its 4 bytes). */
export function hasMagic(bytes: Buffer): boolean {
  return bytes.subarray(0, MAGIC.length).equals(MAGIC);
}

// Deriving the segment key from the header binds every header byte to every segment, and the derived
// commitment makes the file decryptable under one data key only (GCM alone is not key-committing).
function derive(dataKey: Uint8Array, derivationInput: Buffer): { segmentKey: Buffer; commitment: Buffer } {
  return {
    segmentKey: Buffer.from(hkdfSync('sha256', dataKey, derivationInput, SEGMENT_KEY_INFO, DATA_KEY_LENGTH)),
    commitment: Buffer.from(hkdfSync('sha256', dataKey, derivationInput, COMMITMENT_INFO, COMMITMENT_LENGTH)),
  };
}

/** Builds a version-1 header and the key its segments are sealed with. */
export function writeHeaderV1(
  dataKey: Uint8Array,
  segmentSize: number,
  noncePrefix: Uint8Array,
): { header: Buffer; segmentKey: Buffer } {
  const header = Buffer.alloc(HEADER_LENGTH);
  MAGIC.copy(header, 0);
  header.writeUInt8(VERSION_1, VERSION_OFFSET);
  header.writeUInt32BE(segmentSize, SEGMENT_SIZE_OFFSET);
  header.set(noncePrefix, NONCE_PREFIX_OFFSET);
  const { segmentKey, commitment } = derive(dataKey, header.subarray(0, COMMITMENT_OFFSET));
  commitment.copy(header, COMMITMENT_OFFSET);
  return { header, segmentKey };
}

/** Checks a complete version-1 header against the data key and derives the segment key. */
export function readHeaderV1(dataKey: Uint8Array, header: Buffer): HeaderV1 {
  const { segmentKey, commitment } = derive(dataKey, header.subarray(0, COMMITMENT_OFFSET));
  // A wrong key and a damaged header are indistinguishable here, by design of the commitment.
  if (!timingSafeEqual(commitment, header.subarray(COMMITMENT_OFFSET, HEADER_LENGTH))) {
    throw new CiphertextError(
      'CIPHERTEXT_CORRUPT',
      'header authentication failed (damaged header or wrong key)',
    );
  }
  const segmentSize = header.readUInt32BE(SEGMENT_SIZE_OFFSET);
  if (!isValidSegmentSize(segmentSize)) {
    throw new CiphertextError(
      'CIPHERTEXT_CORRUPT',
      `segment size ${segmentSize} is outside the version 1 bounds`,
    );
  }
  const noncePrefix = Buffer.from(header.subarray(NONCE_PREFIX_OFFSET, COMMITMENT_OFFSET));
  return { segmentSize, noncePrefix, segmentKey };
}

/** STREAM nonce: prefix ‖ 32-bit big-endian segment counter ‖ last-segment flag (1 for the final one). */
export function segmentNonce(noncePrefix: Buffer, counter: number, last: boolean): Buffer {
  const nonce = Buffer.alloc(NONCE_PREFIX_LENGTH + 5);
  noncePrefix.copy(nonce, 0);
  nonce.writeUInt32BE(counter, NONCE_PREFIX_LENGTH);
  nonce.writeUInt8(last ? 1 : 0, NONCE_PREFIX_LENGTH + 4);
  return nonce;
}
