import { Transform, type TransformCallback } from 'node:stream';
import type { ImagingMeta } from '@careledger/chaincode';
import { AppError } from '../app-error.js';
import { readDicomHeader, WANTED_TAGS } from './dicom-header.js';

/** The media type that switches the tap on. */
export const DICOM_MEDIA_TYPE = 'application/dicom';
/** At most this much of the file's head is held to find the header (the rest streams through untouched). */
export const MAX_HEADER_BYTES = 1024 * 1024;
// (7FE0,0010) Pixel Data in little- and big-endian order: when it shows up, the header may be complete.
const PIXEL_DATA_TAGS = [Buffer.from([0xe0, 0x7f, 0x10, 0x00]), Buffer.from([0x7f, 0xe0, 0x00, 0x10])];
// Without that tag in sight, try again after this much more data (bounded work per file).
const RETRY_BYTES = 64 * 1024;
const PREAMBLE = 132;

/**
 * A pass-through tap for `application/dicom` uploads: holds only the file's head, up to the pixel data
 * (or {@link MAX_HEADER_BYTES}), reads the header ({@link readDicomHeader}: Part 10 files in any transfer
 * syntax, and bare data sets) and keeps the few fields a record may carry ({@link ImagingMeta}). Names,
 * ids, birth dates and every other element are never copied out of the stream. A body no DICOM reader
 * would open fails the stream with NOT_DICOM (415).
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
    // Look for the pixel data tag in what arrived since the last look (3 bytes back: it may straddle chunks).
    const from = Math.max(0, this.scanned - 3);
    const sawPixelData = PIXEL_DATA_TAGS.some((tag) => bytes.indexOf(tag, from) >= 0);
    this.scanned = bytes.length;
    const full = this.held >= this.maxHeaderBytes;
    if (sawPixelData || full || this.held - this.lastTry >= RETRY_BYTES || this.lastTry === 0) this.parseHead(full);
  }

  /** Reads what is held; settles when the header is read or no more will come (`final`). */
  private parseHead(final: boolean): void {
    const bytes = this.joined();
    this.lastTry = Math.max(bytes.length, 1);
    const read = readDicomHeader(bytes, final);
    if (read.status === 'not-dicom') throw notDicom();
    if (read.status === 'more') return;
    this.settled = true;
    this.head = [];
    this.imaging = keptFields(read.values);
  }

  private joined(): Buffer {
    if (this.head.length > 1) this.head = [Buffer.concat(this.head)];
    return this.head[0] ?? Buffer.alloc(0);
  }
}

function notDicom(): AppError {
  return new AppError('NOT_DICOM', 'the file was sent as application/dicom but is not a DICOM file');
}

const CODE_STRING = /^[A-Z0-9_ ]{1,16}$/;
const UID = /^[0-9]+(\.[0-9]+)*$/;

/**
 * The few header fields a record keeps, each in the form the chaincode accepts; a malformed value is left
 * out rather than failing the upload.
 */
export function keptFields(values: Map<number, string>): ImagingMeta | undefined {
  const text = (tag: number): string | undefined => values.get(tag) || undefined;
  const out: ImagingMeta = {};
  const modality = text(WANTED_TAGS.modality)?.toUpperCase();
  if (modality && CODE_STRING.test(modality)) out.modality = modality;
  const date = /^(\d{4})(\d{2})(\d{2})$/.exec(text(WANTED_TAGS.studyDate) ?? '');
  if (date && isDate(Number(date[1]), Number(date[2]), Number(date[3]))) out.studyDate = `${date[1]}-${date[2]}-${date[3]}`;
  const bodyPart = text(WANTED_TAGS.bodyPart)?.toUpperCase();
  if (bodyPart && CODE_STRING.test(bodyPart)) out.bodyPart = bodyPart;
  const study = text(WANTED_TAGS.studyDescription);
  if (study) out.studyDescription = study.slice(0, 64);
  const series = text(WANTED_TAGS.seriesDescription);
  if (series) out.seriesDescription = series.slice(0, 64);
  const sopClass = text(WANTED_TAGS.sopClass) ?? text(WANTED_TAGS.mediaStorageSopClass);
  if (sopClass && sopClass.length <= 64 && UID.test(sopClass)) out.sopClassUid = sopClass;
  const frames = Number(text(WANTED_TAGS.numberOfFrames));
  if (Number.isSafeInteger(frames) && frames >= 1 && frames <= 2 ** 31 - 1) out.numberOfFrames = frames;
  return Object.keys(out).length > 0 ? out : undefined;
}

function isDate(y: number, m: number, d: number): boolean {
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}
