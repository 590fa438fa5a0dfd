import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { aDicomFile, identifiersIn } from '../../testing/dicom-fixture.js';
import { DicomHeaderTap } from './dicom-header-tap.js';

/** Streams `bytes` through a tap in chunks of `chunk` bytes; returns the tap and what came out. */
async function tapped(bytes: Buffer, chunk = 65_536, tap = new DicomHeaderTap()): Promise<{ tap: DicomHeaderTap; out: Buffer }> {
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunk) chunks.push(bytes.subarray(i, i + chunk));
  const received: Buffer[] = [];
  const sink = new Writable({
    write(c: Buffer, _e, done) {
      received.push(c);
      done();
    },
  });
  await pipeline(Readable.from(chunks), tap, sink);
  return { tap, out: Buffer.concat(received) };
}

const KEPT = { modality: 'CT', studyDate: '2024-03-15', bodyPart: 'CHEST', studyDescription: 'CT thorax with contrast', seriesDescription: 'Axial 1mm', sopClassUid: '1.2.840.10008.5.1.4.1.1.2', numberOfFrames: 3 };

describe('DicomHeaderTap', () => {
  it('keeps modality, study date, body part, descriptions, SOP class and frames — and nothing that identifies the patient', async () => {
    const file = aDicomFile();
    expect(identifiersIn(file)).not.toEqual([]);
    const { tap, out } = await tapped(file);
    expect(tap.imaging).toEqual(KEPT);
    expect(identifiersIn(JSON.stringify(tap.imaging))).toEqual([]);
    expect(out.equals(file)).toBe(true);
  });

  it('reads the header however the file is chunked (7-byte chunks)', async () => {
    const { tap } = await tapped(aDicomFile(), 7);
    expect(tap.imaging).toEqual(KEPT);
  });

  it('stops holding bytes at the pixel data: a large image passes through untouched', async () => {
    const file = aDicomFile({ pixelBytes: 3 * 1024 * 1024 });
    const { tap, out } = await tapped(file, 16_384);
    expect(tap.imaging?.modality).toBe('CT');
    expect(out.length).toBe(file.length);
    expect((tap as unknown as { head: Buffer[] }).head).toEqual([]);
  });

  it('reads a header longer than the retry step, and gives up holding at its cap with what it parsed', async () => {
    const long = await tapped(aDicomFile({ padding: 10_000 }), 1024);
    expect(long.tap.imaging).toEqual(KEPT);
    const capped = await tapped(aDicomFile({ padding: 10_000 }), 512, new DicomHeaderTap(4096));
    expect(capped.tap.imaging).toMatchObject({ modality: 'CT', sopClassUid: KEPT.sopClassUid });
    expect(capped.tap.imaging).not.toHaveProperty('numberOfFrames');
  });

  it('leaves out malformed values rather than failing the upload', async () => {
    const { tap } = await tapped(aDicomFile({ studyDate: '20241350', modality: 'C?T', bodyPart: 'chest' }));
    expect(tap.imaging).toMatchObject({ bodyPart: 'CHEST' });
    expect(tap.imaging).not.toHaveProperty('studyDate');
    expect(tap.imaging).not.toHaveProperty('modality');
  });

  it.each([
    ['a PDF', Buffer.from('%PDF-1.7\n' + 'x'.repeat(500))],
    ['a file shorter than the preamble', Buffer.from('DICM')],
    ['an empty file', Buffer.alloc(0)],
    ['a preamble and DICM magic with no header', Buffer.concat([Buffer.alloc(128), Buffer.from('DICM'), Buffer.alloc(64, 0xff)])],
  ])('fails %s with NOT_DICOM (415)', async (_what, bytes) => {
    await expect(tapped(bytes)).rejects.toMatchObject({ code: 'NOT_DICOM', status: 415 });
  });
});
