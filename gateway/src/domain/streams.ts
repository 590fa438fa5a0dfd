import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { AppError } from './app-error.js';

/** Counts bytes and fails with PAYLOAD_TOO_LARGE past `max`. */
export class ByteLimit extends Transform {
  bytes = 0;
  constructor(private readonly max: number) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.max) return done(new AppError('PAYLOAD_TOO_LARGE', `the file is larger than ${this.max} bytes`));
    done(null, chunk);
  }
}

/** Passes bytes through while computing their SHA-256 (hex, available after the end). */
export class Sha256Tap extends Transform {
  private readonly hash = createHash('sha256');
  digest = '';
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    done(null, chunk);
  }
  override _flush(done: TransformCallback): void {
    this.digest = this.hash.digest('hex');
    done();
  }
}

/**
 * Passes plaintext through and, at the end, compares its SHA-256 with the expected one; a mismatch fails
 * the stream before it ends, so an HTTP response is aborted rather than completed.
 */
export class Sha256Verifier extends Transform {
  private readonly hash = createHash('sha256');
  constructor(private readonly expected: string) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    done(null, chunk);
  }
  override _flush(done: TransformCallback): void {
    const actual = this.hash.digest('hex');
    done(actual === this.expected ? null : new AppError('INTEGRITY_VIOLATION', 'the content does not match the ledger hash'));
  }
}
