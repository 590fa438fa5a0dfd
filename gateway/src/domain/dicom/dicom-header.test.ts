import { deflateRawSync } from 'node:zlib';
import { readDicomHeader, WANTED_TAGS } from './dicom-header.js';

type Order = 'LE' | 'BE';

/** One element: explicit VR (2-byte or 4-byte length by VR) or implicit VR, in either byte order. */
function element(group: number, elem: number, vr: string, value: Buffer, o: { order?: Order; explicit?: boolean; undefinedLength?: boolean } = {}): Buffer {
  const be = o.order === 'BE';
  const u16 = (n: number) => {
    const b = Buffer.alloc(2);
    if (be) b.writeUInt16BE(n);
    else b.writeUInt16LE(n);
    return b;
  };
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    if (be) b.writeUInt32BE(n);
    else b.writeUInt32LE(n);
    return b;
  };
  const length = o.undefinedLength ? 0xffffffff : value.length;
  const tag = Buffer.concat([u16(group), u16(elem)]);
  if (o.explicit === false) return Buffer.concat([tag, u32(length), value]);
  const long = ['OB', 'OW', 'SQ', 'UN', 'UT'].includes(vr);
  return Buffer.concat([tag, Buffer.from(vr, 'latin1'), long ? Buffer.concat([Buffer.alloc(2), u32(length)]) : u16(length), value]);
}

const str = (s: string) => Buffer.from(s.length % 2 ? `${s} ` : s, 'latin1');
const uid = (s: string) => Buffer.from(s.length % 2 ? `${s}\0` : s, 'latin1');

function meta(transferSyntax: string): Buffer {
  const elements = Buffer.concat([element(2, 2, 'UI', uid('1.2.840.10008.5.1.4.1.1.2')), element(2, 0x10, 'UI', uid(transferSyntax))]);
  return Buffer.concat([Buffer.alloc(128), Buffer.from('DICM'), element(2, 0, 'UL', Buffer.from([elements.length, 0, 0, 0])), elements]);
}

/** A small CT data set with a sequence of undefined length before the modality, and pixel data. */
function dataSet(o: { order?: Order; explicit?: boolean } = {}): Buffer {
  const item = Buffer.concat([
    element(0xfffe, 0xe000, '', Buffer.alloc(0), { ...o, explicit: false, undefinedLength: true }),
    element(0x0008, 0x0100, 'SH', str('CODE'), o),
    element(0xfffe, 0xe00d, '', Buffer.alloc(0), { ...o, explicit: false }),
  ]);
  const sequenceEnd = element(0xfffe, 0xe0dd, '', Buffer.alloc(0), { ...o, explicit: false });
  return Buffer.concat([
    element(0x0008, 0x0016, 'UI', uid('1.2.840.10008.5.1.4.1.1.2'), o),
    element(0x0008, 0x0020, 'DA', str('20240229'), o),
    element(0x0008, 0x0032, 'SQ', Buffer.concat([item, sequenceEnd]), { ...o, undefinedLength: true }),
    element(0x0008, 0x0060, 'CS', str('CT'), o),
    element(0x0010, 0x0010, 'PN', str('Doe^Jane'), o),
    element(0x0028, 0x0008, 'IS', str('3'), o),
    element(0x7fe0, 0x0010, 'OW', Buffer.alloc(64, 7), o),
  ]);
}

function valuesOf(read: ReturnType<typeof readDicomHeader>): Record<string, string | undefined> {
  if (read.status !== 'read') throw new Error(`not read: ${read.status}`);
  return { modality: read.values.get(WANTED_TAGS.modality), date: read.values.get(WANTED_TAGS.studyDate), frames: read.values.get(WANTED_TAGS.numberOfFrames) };
}

const CT = { modality: 'CT', date: '20240229', frames: '3' };

describe('readDicomHeader', () => {
  it('reads a Part 10 file in explicit VR little endian, skipping a sequence of undefined length', () => {
    expect(valuesOf(readDicomHeader(Buffer.concat([meta('1.2.840.10008.1.2.1'), dataSet()]), false))).toEqual(CT);
  });

  it('reads implicit VR little endian', () => {
    expect(valuesOf(readDicomHeader(Buffer.concat([meta('1.2.840.10008.1.2'), dataSet({ explicit: false })]), false))).toEqual(CT);
  });

  it('reads explicit VR big endian', () => {
    expect(valuesOf(readDicomHeader(Buffer.concat([meta('1.2.840.10008.1.2.2'), dataSet({ order: 'BE' })]), false))).toEqual(CT);
  });

  it('reads a deflated data set', () => {
    expect(valuesOf(readDicomHeader(Buffer.concat([meta('1.2.840.10008.1.2.1.99'), deflateRawSync(dataSet())]), true))).toEqual(CT);
  });

  it('reads data sets without preamble and meta group, in either byte order and VR encoding', () => {
    for (const o of [{}, { explicit: false }, { order: 'BE' as const }]) expect(valuesOf(readDicomHeader(dataSet(o), true))).toEqual(CT);
  });

  it('asks for more bytes while the header is cut short, and reads what it has at the end', () => {
    const file = Buffer.concat([meta('1.2.840.10008.1.2.1'), dataSet()]);
    const cut = file.subarray(0, file.indexOf('CT') - 4);
    expect(readDicomHeader(cut, false)).toEqual({ status: 'more' });
    expect(valuesOf(readDicomHeader(cut, true))).toEqual({ modality: undefined, date: '20240229', frames: undefined });
  });

  it('refuses what no reader opens: text, a preamble with nothing after DICM, a data set that starts off an element', () => {
    expect(readDicomHeader(Buffer.from('%PDF-1.7 '.repeat(40)), false)).toEqual({ status: 'not-dicom' });
    expect(readDicomHeader(Buffer.concat([Buffer.alloc(128), Buffer.from('DICM')]), true)).toEqual({ status: 'not-dicom' });
    expect(readDicomHeader(Buffer.concat([Buffer.from([0x20]), dataSet()]), true)).toEqual({ status: 'not-dicom' });
  });
});
