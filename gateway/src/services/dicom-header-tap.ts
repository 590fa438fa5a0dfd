import { createRequire } from 'node:module';
import { Transform, type TransformCallback } from 'node:stream';
import type { ImagingMeta } from '@careledger/chaincode';
import type { DataSet } from 'dicom-parser';
import { AppError } from '../domain/app-error.js';

// dicom-parser ships a UMD bundle whose functions Node's ESM loader cannot name: load it as CommonJS.
const dicomParser = createRequire(import.meta.url)('dicom-parser') as typeof import('dicom-parser');

/** The media type that switches the tap on. */
export const DICOM_MEDIA_TYPE = 'application/dicom';
/** At most this much of the file's head is held to find the header (the rest streams through untouched). */
export const MAX_HEADER_BYTES = 1024 * 1024;
const PIXEL_DATA = 'x7fe00010';
// (7FE0,0010) as it appears in little-endian data: when it shows up, the header may be complete.
const PIXEL_DATA_TAG = Buffer.from([0xe0, 0x7f, 0x10, 0x00]);
// Without that tag in sight, try again after this much more data (bounded work per file).
const RETRY_BYTES = 64 * 1024;
const PREAMBLE = 132;

/**
 * A pass-through tap for `application/dicom` uploads: holds only the file's head, up to the pixel data
 * (or {@link MAX_HEADER_BYTES}), parses the header with dicom-parser and keeps the few fields a record may
 * carry ({@link ImagingMeta}). Names, ids, birth dates and every other element are never copied out of the
 * stream. A body that is not a DICOM Part 10 file fails the stream with NOT_DICOM (415).
 */
export class DicomHeaderTap extends Transform {
  /** The kept header fields, once the header was read (undefined when none of them is present). */
  imaging: ImagingMeta | undefined;
  private head: Buffer[] = [];
  private held = 0;
  private scanned = 0;
  private lastTry = 0;
  private settled = false;

  constructor(private readonly maxHeaderBytes = MAX_HEADER_BYTES) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    if (!this.settled) {
      try {
        this.observe(chunk);
      } catch (error) {
        return done(error as Error);
      }
    }
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    try {
      if (!this.settled) this.parseHead(true);
      done();
    } catch (error) {
      done(error as Error);
    }
  }

  private observe(chunk: Buffer): void {
    const room = this.maxHeaderBytes - this.held;
    this.head.push(chunk.length > room ? Buffer.from(chunk.subarray(0, room)) : chunk);
    this.held += Math.min(chunk.length, room);
    if (this.held < PREAMBLE) return;
    const bytes = this.joined();
    if (this.lastTry === 0 && bytes.toString('latin1', 128, 132) !== 'DICM') throw notDicom();
    // Look for the pixel data tag in what arrived since the last look (3 bytes back: it may straddle chunks).
    const sawPixelData = bytes.indexOf(PIXEL_DATA_TAG, Math.max(PREAMBLE, this.scanned - 3)) >= 0;
    this.scanned = bytes.length;
    const full = this.held >= this.maxHeaderBytes;
    if (sawPixelData || full || this.held - this.lastTry >= RETRY_BYTES || this.lastTry === 0) this.parseHead(full);
  }

  /** Parses what is held; settles when the pixel data was reached or no more will come (`final`). */
  private parseHead(final: boolean): void {
    const bytes = this.joined();
    if (bytes.length < PREAMBLE || bytes.toString('latin1', 128, 132) !== 'DICM') throw notDicom();
    this.lastTry = bytes.length;
    let dataSet: DataSet | undefined;
    let complete = false;
    try {
      dataSet = dicomParser.parseDicom(bytes, { untilTag: PIXEL_DATA });
      complete = Boolean(dataSet.elements[PIXEL_DATA]);
    } catch (error) {
      // dicom-parser hands back what it parsed before running out of bytes.
      dataSet = (error as { dataSet?: DataSet } | undefined)?.dataSet;
    }
    if (!complete && !final) return;
    this.settled = true;
    this.head = [];
    if (!dataSet?.elements.x00020010) {
      // A partial parse comes back without the meta group; a data set dicom-parser cannot read at all
      // (e.g. deflated) still is DICOM when its meta group parses.
      const meta = tryMetaHeader(bytes);
      if (!meta) throw notDicom();
      if (dataSet) Object.assign(dataSet.elements, meta.elements);
      else dataSet = meta;
    }
    this.imaging = keptFields(dataSet, bytes.length);
  }

  private joined(): Buffer {
    if (this.head.length > 1) this.head = [Buffer.concat(this.head)];
    return this.head[0] ?? Buffer.alloc(0);
  }
}

function notDicom(): AppError {
  return new AppError('NOT_DICOM', 'the file was sent as application/dicom but is not a DICOM Part 10 file');
}

function tryMetaHeader(bytes: Buffer): DataSet | undefined {
  try {
    const meta = dicomParser.readPart10Header(bytes);
    return meta.elements.x00020010 ? meta : undefined;
  } catch {
    return undefined;
  }
}

const CODE_STRING = /^[A-Z0-9_ ]{1,16}$/;
const UID = /^[0-9]+(\.[0-9]+)*$/;

/**
 * The few header fields a record keeps, each in the form the chaincode accepts; a malformed value is left
 * out rather than failing the upload. Values whose bytes were not all held are not read.
 */
export function keptFields(dataSet: DataSet, available: number): ImagingMeta | undefined {
  const text = (tag: string): string | undefined => {
    const element = dataSet.elements[tag];
    if (!element || element.dataOffset + element.length > available) return undefined;
    // eslint-disable-next-line no-control-regex
    const value = dataSet.string(tag)?.replace(/[\u0000-\u001f\u007f]/g, ' ').trim();
    return value ? value : undefined;
  };
  const out: ImagingMeta = {};
  const modality = text('x00080060')?.toUpperCase();
  if (modality && CODE_STRING.test(modality)) out.modality = modality;
  const date = /^(\d{4})(\d{2})(\d{2})$/.exec(text('x00080020') ?? '');
  if (date && isDate(Number(date[1]), Number(date[2]), Number(date[3]))) out.studyDate = `${date[1]}-${date[2]}-${date[3]}`;
  const bodyPart = text('x00180015')?.toUpperCase();
  if (bodyPart && CODE_STRING.test(bodyPart)) out.bodyPart = bodyPart;
  const study = text('x00081030');
  if (study) out.studyDescription = study.slice(0, 64);
  const series = text('x0008103e');
  if (series) out.seriesDescription = series.slice(0, 64);
  const sopClass = text('x00080016') ?? text('x00020002');
  if (sopClass && sopClass.length <= 64 && UID.test(sopClass)) out.sopClassUid = sopClass;
  const frames = Number(text('x00280008'));
  if (Number.isSafeInteger(frames) && frames >= 1 && frames <= 2 ** 31 - 1) out.numberOfFrames = frames;
  return Object.keys(out).length > 0 ? out : undefined;
}

function isDate(y: number, m: number, d: number): boolean {
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}
