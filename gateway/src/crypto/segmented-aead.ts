import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

import { CiphertextError } from './ciphertext-error.js';
import {
  DATA_KEY_LENGTH,
  DEFAULT_SEGMENT_SIZE,
  HEADER_LENGTH,
  MAGIC,
  MAX_SEGMENTS,
  NONCE_PREFIX_LENGTH,
  TAG_LENGTH,
  VERSION_1,
  VERSION_OFFSET,
  hasMagic,
  isValidSegmentSize,
  readHeaderV1,
  segmentNonce,
  writeHeaderV1,
} from './format-v1.js';

/** Options of {@link encryptStream}. */
export interface EncryptOptions {
  /** Plaintext bytes per segment (1 KiB to 4 MiB); 64 KiB by default. */
  segmentSize?: number;
  /**
   * The 7-byte nonce prefix, random by default. Fixing it is for known-answer tests only: the same prefix
   * with the same data key makes GCM reuse nonces.
   */
  noncePrefix?: Uint8Array;
}

/**
 * Encrypts a byte stream into the CareLedger segmented ciphertext format, version 1 (see FORMAT.md):
 * AES-256-GCM over fixed-size segments with STREAM nonces, so truncation, reordering and bit flips are
 * detected. Memory stays at about two segments whatever the stream length.
 *
 * @param dataKey 32-byte data key, fresh for each file.
 */
export function encryptStream(dataKey: Uint8Array, options: EncryptOptions = {}): Transform {
  checkDataKey(dataKey);
  const segmentSize = options.segmentSize ?? DEFAULT_SEGMENT_SIZE;
  if (!isValidSegmentSize(segmentSize)) {
    throw new RangeError(`segment size must be an integer from 1024 to 4194304, got ${segmentSize}`);
  }
  const noncePrefix = options.noncePrefix ?? randomBytes(NONCE_PREFIX_LENGTH);
  if (noncePrefix.length !== NONCE_PREFIX_LENGTH) {
    throw new RangeError(`nonce prefix must be ${NONCE_PREFIX_LENGTH} bytes`);
  }
  return new EncryptTransform(dataKey, segmentSize, Buffer.from(noncePrefix));
}

/**
 * Decrypts what {@link encryptStream} wrote, any version ever written. Plaintext leaves a segment only
 * after that segment's tag checked; a truncated stream is only known at its end, so a consumer must
 * discard everything it received when the stream fails with a {@link CiphertextError}.
 *
 * @param dataKey the 32-byte data key the file was encrypted with.
 */
export function decryptStream(dataKey: Uint8Array): Transform {
  checkDataKey(dataKey);
  return new DecryptTransform(dataKey);
}

function checkDataKey(dataKey: Uint8Array): void {
  // isView rather than instanceof: buffers from another realm (vm contexts, workers) are still keys.
  if (!ArrayBuffer.isView(dataKey) || dataKey.byteLength !== DATA_KEY_LENGTH) {
    throw new RangeError(`data key must be ${DATA_KEY_LENGTH} bytes`);
  }
}

class EncryptTransform extends Transform {
  readonly #segmentSize: number;
  readonly #noncePrefix: Buffer;
  readonly #segmentKey: Buffer;
  #header: Buffer | undefined;
  // A full segment is held back until more input arrives: only then is it known not to be the last one.
  readonly #pending: Buffer;
  #filled = 0;
  #counter = 0;

  constructor(dataKey: Uint8Array, segmentSize: number, noncePrefix: Buffer) {
    super();
    const { header, segmentKey } = writeHeaderV1(dataKey, segmentSize, noncePrefix);
    this.#header = header;
    this.#segmentKey = segmentKey;
    this.#segmentSize = segmentSize;
    this.#noncePrefix = noncePrefix;
    this.#pending = Buffer.alloc(segmentSize);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.#pushHeaderOnce();
      let offset = 0;
      while (offset < chunk.length) {
        if (this.#filled === this.#segmentSize) this.#seal(false);
        const copied = chunk.copy(this.#pending, this.#filled, offset);
        this.#filled += copied;
        offset += copied;
      }
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      this.#pushHeaderOnce();
      this.#seal(true);
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _destroy(error: Error | null, callback: (error: Error | null) => void): void {
    this.#segmentKey.fill(0);
    this.#pending.fill(0);
    callback(error);
  }

  #pushHeaderOnce(): void {
    if (this.#header === undefined) return;
    this.push(this.#header);
    this.#header = undefined;
  }

  #seal(last: boolean): void {
    if (this.#counter >= MAX_SEGMENTS) {
      throw new RangeError('plaintext is longer than the format allows (2^32 segments)');
    }
    const nonce = segmentNonce(this.#noncePrefix, this.#counter, last);
    const cipher = createCipheriv('aes-256-gcm', this.#segmentKey, nonce, { authTagLength: TAG_LENGTH });
    const body = cipher.update(this.#pending.subarray(0, this.#filled));
    const tail = cipher.final();
    this.push(Buffer.concat([body, tail, cipher.getAuthTag()]));
    this.#counter += 1;
    this.#filled = 0;
  }
}

/** What a decoder needs once a header has been read and checked. */
interface SegmentState {
  key: Buffer;
  noncePrefix: Buffer;
  /** Ciphertext bytes of a full segment: segment size + tag. */
  segmentLength: number;
}

class DecryptTransform extends Transform {
  readonly #dataKey: Buffer;
  readonly #header = Buffer.alloc(HEADER_LENGTH);
  #headerFilled = 0;
  #state: SegmentState | undefined;
  // Holds one ciphertext segment: whether it is the final one is only known once more input arrives.
  #pending = Buffer.alloc(0);
  #filled = 0;
  #counter = 0;

  constructor(dataKey: Uint8Array) {
    super();
    this.#dataKey = Buffer.from(dataKey);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      let offset = 0;
      let state = this.#state;
      if (state === undefined) {
        offset = this.#readHeader(chunk);
        state = this.#state;
        if (state === undefined) return callback();
      }
      while (offset < chunk.length) {
        if (this.#filled === state.segmentLength) this.#openInnerSegment(state);
        const copied = chunk.copy(this.#pending, this.#filled, offset);
        this.#filled += copied;
        offset += copied;
      }
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      this.#openFinalSegment();
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _destroy(error: Error | null, callback: (error: Error | null) => void): void {
    this.#dataKey.fill(0);
    this.#state?.key.fill(0);
    this.#pending.fill(0);
    callback(error);
  }

  /** Consumes header bytes from the chunk; returns where the segments start in it. */
  #readHeader(chunk: Buffer): number {
    const copied = chunk.copy(this.#header, this.#headerFilled, 0);
    this.#headerFilled += copied;
    // Magic and version are judged as soon as they are in, so a future version with another header
    // length is reported as unsupported rather than as truncated or corrupt.
    if (this.#headerFilled >= MAGIC.length && !hasMagic(this.#header)) {
      throw new CiphertextError('CIPHERTEXT_CORRUPT', 'not a CareLedger ciphertext (bad magic bytes)');
    }
    if (this.#headerFilled > VERSION_OFFSET) {
      const version = this.#header.readUInt8(VERSION_OFFSET);
      if (version !== VERSION_1) {
        throw new CiphertextError(
          'CIPHERTEXT_UNSUPPORTED_VERSION',
          `ciphertext format version ${version} is not supported`,
        );
      }
    }
    if (this.#headerFilled < HEADER_LENGTH) return chunk.length;
    const header = readHeaderV1(this.#dataKey, this.#header);
    const segmentLength = header.segmentSize + TAG_LENGTH;
    this.#state = { key: header.segmentKey, noncePrefix: header.noncePrefix, segmentLength };
    this.#pending = Buffer.alloc(segmentLength);
    return copied;
  }

  #openInnerSegment(state: SegmentState): void {
    const segment = this.#pending;
    const plaintext = this.#open(state, segment, false);
    if (plaintext === undefined) {
      // Only a diagnosis: a segment that opens as final but is followed by more bytes is still refused.
      if (this.#open(state, segment, true) !== undefined) {
        throw new CiphertextError('CIPHERTEXT_CORRUPT', 'data follows the final segment');
      }
      throw new CiphertextError('CIPHERTEXT_CORRUPT', `segment ${this.#counter} failed authentication`);
    }
    this.push(plaintext);
    this.#counter += 1;
    this.#filled = 0;
  }

  #openFinalSegment(): void {
    const state = this.#state;
    if (state === undefined) {
      throw new CiphertextError('CIPHERTEXT_TRUNCATED', 'ciphertext ends inside its header');
    }
    if (this.#filled < TAG_LENGTH) {
      throw new CiphertextError(
        'CIPHERTEXT_TRUNCATED',
        this.#filled === 0 ? 'ciphertext ends before its final segment' : 'ciphertext ends inside a segment',
      );
    }
    const segment = this.#pending.subarray(0, this.#filled);
    const plaintext = this.#open(state, segment, true);
    if (plaintext === undefined) {
      if (this.#filled === state.segmentLength && this.#open(state, segment, false) !== undefined) {
        throw new CiphertextError('CIPHERTEXT_TRUNCATED', 'ciphertext ends before its final segment');
      }
      throw new CiphertextError('CIPHERTEXT_CORRUPT', `segment ${this.#counter} failed authentication`);
    }
    // The encoder writes an empty final segment only for an empty file; anything else is not its output.
    if (plaintext.length === 0 && this.#counter > 0) {
      throw new CiphertextError('CIPHERTEXT_CORRUPT', 'empty final segment after data');
    }
    if (plaintext.length > 0) this.push(plaintext);
    this.#filled = 0;
  }

  /** The segment's plaintext, or undefined when its tag does not check. */
  #open(state: SegmentState, segment: Buffer, last: boolean): Buffer | undefined {
    if (this.#counter >= MAX_SEGMENTS) {
      throw new CiphertextError('CIPHERTEXT_CORRUPT', 'more segments than the format allows');
    }
    const nonce = segmentNonce(state.noncePrefix, this.#counter, last);
    const decipher = createDecipheriv('aes-256-gcm', state.key, nonce, { authTagLength: TAG_LENGTH });
    const tagStart = segment.length - TAG_LENGTH;
    decipher.setAuthTag(segment.subarray(tagStart));
    const body = decipher.update(segment.subarray(0, tagStart));
    let tail: Buffer;
    try {
      tail = decipher.final();
    } catch {
      return undefined;
    }
    // GCM is a stream mode: final() yields nothing, so the common path avoids a copy.
    return tail.length === 0 ? body : Buffer.concat([body, tail]);
  }
}
