/**
 * Real DICOM files: every file pydicom ships as test data (Part 10 files in every transfer syntax —
 * implicit and explicit VR, little and big endian, deflated, JPEG, JPEG-LS, JPEG 2000 and RLE pixel data —
 * data sets without preamble, DICOMDIRs; and the non-DICOM files beside them), uploaded through the real
 * upload path as application/dicom. What pydicom opens is accepted, with the modality pydicom reads; what
 * it does not is refused with 415 NOT_DICOM. `test/conformance/corpus.py` (run by setup.sh) says which.
 */
import { readFile } from 'node:fs/promises';
import { GatewayHarness } from '../support/gateway-harness.js';
import { toolchain } from './toolchain.js';

interface CorpusFile {
  path: string;
  name: string;
  size: number;
  dicom: boolean;
  why?: string;
  part10?: boolean;
  transferSyntax?: string | null;
  modality?: string | null;
  studyDate?: string | null;
  sopClassUid?: string | null;
  numberOfFrames?: number | null;
}

describe('real DICOM files (pydicom test corpus) through the upload path', () => {
  let h: GatewayHarness;
  let corpus: { pydicom: string; files: CorpusFile[] };
  const outcomes = new Map<string, { status: number; code?: string; imaging?: Record<string, unknown> }>();

  beforeAll(async () => {
    corpus = JSON.parse(await readFile((await toolchain()).DICOM_CORPUS_MANIFEST, 'utf8')) as typeof corpus;
    h = await GatewayHarness.start();
    await h.register('pat-1', 'patient');
    await h.register('doc-a', 'practitioner');
    const doctor = await h.as('doc-a');
    for (const file of corpus.files) {
      const res = await doctor
        .upload('pat-1', await readFile(file.path), { title: 'Corpus file', category: 'imaging', mediaType: 'application/dicom' })
        .catch((error: { response?: { status: number; body: { code?: string } } }) => error.response!);
      outcomes.set(file.name, { status: res.status, code: res.body?.code, imaging: res.body?.imaging });
    }
  }, 600_000);

  afterAll(async () => {
    await h?.close();
    if (!corpus) return;
    const accepted = corpus.files.filter((f) => outcomes.get(f.name)?.status === 201);
    const refused = corpus.files.filter((f) => outcomes.get(f.name)?.status === 415);
    process.stdout.write(
      `\nDICOM corpus (pydicom ${corpus.pydicom} test files): ${corpus.files.length} files, ${accepted.length} accepted ` +
        `(${accepted.filter((f) => !f.part10).length} without preamble), ${refused.length} refused as NOT_DICOM: ` +
        `${refused.map((f) => `${f.name} (${f.why ?? 'pydicom opens it'})`).join(', ')}\n`,
    );
  });

  it('covers the transfer syntaxes and forms a reader meets', () => {
    const syntaxes = new Set(corpus.files.map((f) => f.transferSyntax));
    for (const uid of ['1.2.840.10008.1.2', '1.2.840.10008.1.2.1', '1.2.840.10008.1.2.2', '1.2.840.10008.1.2.1.99', '1.2.840.10008.1.2.4.50', '1.2.840.10008.1.2.4.90', '1.2.840.10008.1.2.5']) {
      expect(syntaxes).toContain(uid);
    }
    expect(corpus.files.filter((f) => f.dicom && !f.part10).length).toBeGreaterThanOrEqual(3);
    expect(corpus.files.filter((f) => !f.dicom).length).toBeGreaterThanOrEqual(1);
  });

  it('accepts every file pydicom opens and refuses every other with 415 NOT_DICOM', () => {
    const wrong = corpus.files
      .map((f) => ({ name: f.name, expected: f.dicom ? 201 : 415, got: outcomes.get(f.name)?.status, code: outcomes.get(f.name)?.code }))
      .filter((o) => o.got !== o.expected || (o.expected === 415 && o.code !== 'NOT_DICOM'));
    expect(wrong).toEqual([]);
  });

  it('keeps the modality pydicom reads, for every accepted file', () => {
    const wrong = corpus.files
      .filter((f) => f.dicom)
      .map((f) => ({ name: f.name, expected: f.modality ?? undefined, got: outcomes.get(f.name)?.imaging?.modality }))
      .filter((o) => o.got !== o.expected);
    expect(wrong).toEqual([]);
  });

  it('keeps the study date, SOP class and frame count pydicom reads, where they are well-formed', () => {
    const wrong = corpus.files
      .filter((f) => f.dicom)
      .flatMap((f) => {
        const imaging = outcomes.get(f.name)?.imaging ?? {};
        const date = /^(\d{4})(\d{2})(\d{2})$/.exec(f.studyDate ?? '');
        const expected = {
          studyDate: date && Number(date[2]) >= 1 && Number(date[2]) <= 12 ? `${date[1]}-${date[2]}-${date[3]}` : undefined,
          sopClassUid: f.sopClassUid && /^[0-9]+(\.[0-9]+)*$/.test(f.sopClassUid) ? f.sopClassUid : undefined,
          numberOfFrames: f.numberOfFrames && f.numberOfFrames >= 1 ? f.numberOfFrames : undefined,
        };
        return (Object.keys(expected) as (keyof typeof expected)[])
          .filter((k) => expected[k] !== undefined && imaging[k] !== expected[k])
          .map((k) => `${f.name} ${k}: expected ${expected[k]}, got ${String(imaging[k])}`);
      });
    expect(wrong).toEqual([]);
  });
});
