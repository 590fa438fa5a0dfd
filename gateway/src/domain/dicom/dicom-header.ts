import { constants, inflateRawSync } from 'node:zlib';

/**
 * Reads the top-level elements of a DICOM header that a record may keep, from the head of a file, in
 * every form a DICOM reader opens: a Part 10 file (128-byte preamble, "DICM", explicit VR little endian
 * meta group) in any transfer syntax — implicit or explicit VR, little or big endian, deflated (the data
 * set is raw DEFLATE), encapsulated (compressed) pixel data — or a bare data set without preamble and meta
 * group. It walks elements only up to the pixel data; sequences are skipped, nothing else is copied.
 */

/** Tags (group << 16 | element) whose values are read; every other value is skipped. */
export const WANTED_TAGS = {
  mediaStorageSopClass: 0x00020002,
  studyDate: 0x00080020,
  sopClass: 0x00080016,
  modality: 0x00080060,
  studyDescription: 0x00081030,
  seriesDescription: 0x0008103e,
  bodyPart: 0x00180015,
  numberOfFrames: 0x00280008,
} as const;

export type HeaderRead =
  /** No DICOM reader would open these bytes. */
  | { status: 'not-dicom' }
  /** More bytes are needed to decide. */
  | { status: 'more' }
  /** The header as far as it goes (up to the pixel data, or all that was given when no more will come). */
  | { status: 'read'; values: Map<number, string> };

const TRANSFER_SYNTAX = 0x00020010;
const PIXEL_DATA = 0x7fe00010;
const ITEM = 0xfffee000;
const ITEM_END = 0xfffee00d;
const SEQUENCE_END = 0xfffee0dd;
const UNDEFINED = 0xffffffff;
const MAX_DEPTH = 32;
// Deflated data sets are inflated up to this much (the head of the file is at most 1 MiB compressed).
const MAX_INFLATED = 8 * 1024 * 1024;

const VRS = new Set('AE AS AT CS DA DS DT FD FL IS LO LT OB OD OF OL OV OW PN SH SL SQ SS ST SV TM UC UI UL UN UR US UT UV'.split(' '));
// VRs with a 2-byte reserved field and a 4-byte length in explicit VR.
const LONG_VRS = new Set('OB OD OF OL OV OW SQ SV UC UN UR UT UV'.split(' '));

const EXPLICIT_BE = '1.2.840.10008.1.2.2';
const DEFLATED = '1.2.840.10008.1.2.1.99';

interface Syntax {
  little: boolean;
  explicit: boolean;
}

type Walk = { end: 'complete' | 'incomplete' | 'corrupt'; offset: number; elements: number };

/** Reads what `bytes` (the head of a file) holds; `final` when no more bytes will come. */
export function readDicomHeader(bytes: Buffer, final: boolean): HeaderRead {
  const values = new Map<number, string>();
  if (bytes.length >= 132 && bytes.toString('latin1', 128, 132) === 'DICM') return readPart10(bytes, final, values);
  if (bytes.length < 132 && !final) return { status: 'more' };
  // A bare data set: its first element is of group 0008 (or a meta group, 0002), in either byte order.
  if (bytes.length < 8) return { status: 'not-dicom' };
  const little = bytes.readUInt16LE(0) === 0x0008 || bytes.readUInt16LE(0) === 0x0002;
  if (!little && bytes.readUInt16BE(0) !== 0x0008) return { status: 'not-dicom' };
  const walk = walkDataSet(bytes, 0, { little, explicit: isVr(bytes, 4) }, values, final);
  if (walk.elements === 0) return walk.end === 'incomplete' && !final ? { status: 'more' } : { status: 'not-dicom' };
  return walk.end === 'incomplete' && !final ? { status: 'more' } : { status: 'read', values };
}

function readPart10(bytes: Buffer, final: boolean, values: Map<number, string>): HeaderRead {
  // The meta group is always explicit VR little endian; it ends where group 0002 does.
  const meta = walkDataSet(bytes, 132, { little: true, explicit: true }, values, final, 0x0002, [...Object.values(WANTED_TAGS), TRANSFER_SYNTAX]);
  if (meta.end === 'incomplete' && !final) return { status: 'more' };
  // "DICM" with no meta element after it is no header at all.
  if (meta.elements === 0) return { status: 'not-dicom' };
  if (meta.end !== 'complete') return { status: 'read', values };
  const transferSyntax = values.get(TRANSFER_SYNTAX) || undefined;
  values.delete(TRANSFER_SYNTAX);
  let data = bytes;
  let start = meta.offset;
  let dataFinal = final;
  if (transferSyntax === DEFLATED) {
    const inflated = inflate(bytes.subarray(meta.offset));
    if (!inflated) return final ? { status: 'read', values } : { status: 'more' };
    data = inflated.bytes;
    start = 0;
    dataFinal = final || inflated.capped;
  }
  if (data.length - start < 6) return dataFinal ? { status: 'read', values } : { status: 'more' };
  const little = transferSyntax === EXPLICIT_BE ? false : transferSyntax === undefined ? data.readUInt16BE(start) !== 0x0008 : true;
  // The first element tells explicit from implicit VR (some files say one and are the other, as readers know).
  const syntax = { little, explicit: isVr(data, start + 4) };
  const walk = walkDataSet(data, start, syntax, values, dataFinal);
  return walk.end === 'incomplete' && !dataFinal ? { status: 'more' } : { status: 'read', values };
}

/** Raw DEFLATE of a partial stream, bounded: undefined when nothing can be inflated yet. */
function inflate(compressed: Buffer): { bytes: Buffer; capped: boolean } | undefined {
  let input = compressed;
  for (let tries = 0; tries < 12 && input.length > 0; tries++) {
    try {
      return { bytes: inflateRawSync(input, { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength: MAX_INFLATED }), capped: input !== compressed };
    } catch (error) {
      // Too large inflated: the head of the stream is enough for the header.
      if ((error as { code?: string }).code !== 'ERR_BUFFER_TOO_LARGE') return undefined;
      input = input.subarray(0, Math.floor(input.length / 2));
    }
  }
  return undefined;
}

function isVr(bytes: Buffer, at: number): boolean {
  return at + 2 <= bytes.length && VRS.has(bytes.toString('latin1', at, at + 2));
}

/**
 * Walks top-level elements from `offset`, keeping the string values of `wanted`. Stops at the pixel data,
 * at the end of the bytes, at an element of another group than `onlyGroup` (when given), or at a
 * structure no reader would accept (corrupt).
 */
function walkDataSet(
  bytes: Buffer,
  offset: number,
  syntax: Syntax,
  values: Map<number, string>,
  final: boolean,
  onlyGroup?: number,
  wanted: readonly number[] = Object.values(WANTED_TAGS),
): Walk {
  let o = offset;
  let elements = 0;
  let previous = -1;
  while (true) {
    if (o === bytes.length) return { end: final ? 'complete' : 'incomplete', offset: o, elements };
    const header = elementHeader(bytes, o, syntax);
    if (header === 'incomplete') return { end: 'incomplete', offset: o, elements };
    const { tag, length, size } = header;
    if (onlyGroup !== undefined && tag >>> 16 !== onlyGroup) return { end: 'complete', offset: o, elements };
    if (tag >= PIXEL_DATA && tag < ITEM) return { end: 'complete', offset: o, elements };
    if (tag <= previous || tag >= ITEM || (header.vr !== undefined && !VRS.has(header.vr))) return { end: 'corrupt', offset: o, elements };
    previous = tag;
    if (length === UNDEFINED) {
      const inner = header.vr === 'UN' ? { little: true, explicit: false } : syntax;
      const next = skipSequence(bytes, o + size, inner, 0);
      if (next < 0) return { end: next === -1 ? 'incomplete' : 'corrupt', offset: o, elements };
      o = next;
    } else {
      if (o + size + length > bytes.length) return { end: 'incomplete', offset: o, elements };
      if (wanted.includes(tag)) values.set(tag, text(bytes, o + size, length));
      o += size + length;
    }
    elements++;
  }
}

interface ElementHeader {
  tag: number;
  vr?: string;
  length: number;
  size: number;
}

function elementHeader(bytes: Buffer, o: number, syntax: Syntax): ElementHeader | 'incomplete' {
  if (o + 8 > bytes.length) return 'incomplete';
  const u16 = (at: number) => (syntax.little ? bytes.readUInt16LE(at) : bytes.readUInt16BE(at));
  const u32 = (at: number) => (syntax.little ? bytes.readUInt32LE(at) : bytes.readUInt32BE(at));
  const tag = ((u16(o) << 16) | u16(o + 2)) >>> 0;
  // Item and delimitation tags have no VR, in any syntax.
  if (tag >= ITEM || !syntax.explicit) return { tag, length: u32(o + 4), size: 8 };
  const vr = bytes.toString('latin1', o + 4, o + 6);
  if (!LONG_VRS.has(vr)) return { tag, vr, length: u16(o + 6), size: 8 };
  if (o + 12 > bytes.length) return 'incomplete';
  return { tag, vr, length: u32(o + 8), size: 12 };
}

/** Skips a sequence (or encapsulated data) of undefined length: the offset after its end, -1 incomplete, -2 corrupt. */
function skipSequence(bytes: Buffer, offset: number, syntax: Syntax, depth: number): number {
  if (depth > MAX_DEPTH) return -2;
  let o = offset;
  while (true) {
    const header = elementHeader(bytes, o, syntax);
    if (header === 'incomplete') return -1;
    if (header.tag === SEQUENCE_END) return o + 8;
    if (header.tag !== ITEM) return -2;
    if (header.length !== UNDEFINED) {
      o += 8 + header.length;
      if (o > bytes.length) return -1;
      continue;
    }
    o = skipItem(bytes, o + 8, syntax, depth + 1);
    if (o < 0) return o;
  }
}

/** Skips the elements of an item of undefined length, up to and including its delimiter. */
function skipItem(bytes: Buffer, offset: number, syntax: Syntax, depth: number): number {
  let o = offset;
  while (true) {
    const header = elementHeader(bytes, o, syntax);
    if (header === 'incomplete') return -1;
    if (header.tag === ITEM_END) return o + 8;
    if (header.tag >= ITEM) return -2;
    if (header.length === UNDEFINED) {
      o = skipSequence(bytes, o + header.size, header.vr === 'UN' ? { little: true, explicit: false } : syntax, depth + 1);
      if (o < 0) return o;
    } else {
      o += header.size + header.length;
      if (o > bytes.length) return -1;
    }
  }
}

function text(bytes: Buffer, at: number, length: number): string {
  // eslint-disable-next-line no-control-regex
  return bytes.toString('latin1', at, at + length).replace(/[\u0000-\u001f\u007f]/g, ' ').trim();
}
