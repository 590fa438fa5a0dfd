import { PassThrough, type Readable } from 'node:stream';
import busboy from 'busboy';
import type { Request } from 'express';
import { AppError, badInput } from '../domain/app-error.js';

/** An upload as it starts to arrive: the form fields sent before the file, and the file as a stream. */
export interface IncomingUpload {
  fields: Record<string, string>;
  file: Readable;
  mimeType: string;
}

/**
 * Reads a multipart/form-data upload without buffering the file: resolves as soon as the `file` part
 * starts, with the fields that came before it (so `title` and `category` must precede the file). The
 * plaintext is never written to disk.
 */
export function readMultipartUpload(req: Request): Promise<IncomingUpload> {
  const type = req.headers['content-type'] ?? '';
  if (!type.toLowerCase().startsWith('multipart/form-data')) {
    return Promise.reject(new AppError('UNSUPPORTED_MEDIA_TYPE', 'uploads are multipart/form-data'));
  }
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: { files: 1, fields: 20, fieldSize: 4096, parts: 21 } });
    } catch {
      reject(badInput('body', 'the multipart body is malformed'));
      return;
    }
    const fields: Record<string, string> = {};
    let started = false;
    parser.on('field', (name, value) => {
      fields[name] = value;
    });
    parser.on('file', (name, file, info) => {
      if (name !== 'file' || started) {
        file.resume();
        return;
      }
      started = true;
      // A client that goes away mid-upload must fail the pipeline, not leave it waiting.
      req.on('aborted', () => file.destroy(new AppError('INVALID_ARGUMENT', 'the upload was interrupted', 'file')));
      parser.on('error', () => file.destroy(badInput('file', 'the multipart body is malformed or ends inside the file')));
      // Fields after the file are ignored whatever the chunking: a copy of those that came before.
      resolve({ fields: { ...fields }, file: asClientError(file), mimeType: info.mimeType });
    });
    parser.on('error', () => {
      if (!started) reject(badInput('body', 'the multipart body is malformed'));
    });
    parser.on('close', () => {
      if (!started) reject(badInput('file', "a 'file' part is required (after the other fields)"));
    });
    req.pipe(parser);
  });
}

/**
 * busboy fails a file part that the body cuts off with a plain Error ("Unexpected end of file"); that
 * is the client's fault, so the stream handed on fails with a 400 naming `file` instead.
 */
function asClientError(file: Readable): Readable {
  const out = new PassThrough();
  file.on('error', (e) => out.destroy(e instanceof AppError ? e : badInput('file', 'the multipart body is malformed or ends inside the file')));
  // A consumer that gives up (too large, ledger refused) stops the part as before.
  out.on('close', () => file.destroy());
  // The body may be cut off before anyone reads: a later pipeline still sees `out.errored`.
  out.on('error', () => undefined);
  return file.pipe(out);
}
