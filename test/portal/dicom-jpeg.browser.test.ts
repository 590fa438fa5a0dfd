/// <reference lib="dom" />
// The page functions passed to evaluate() run in the browser.
/**
 * The DICOM viewer on a JPEG baseline image (transfer syntax 1.2.840.10008.1.2.4.50): dwv decodes it in its
 * jpegbaseline worker, which the build copies to the portal's assets/workers/. The file is made here, with
 * nothing cached: Chromium's own JPEG encoder (canvas.toBlob 'image/jpeg', a baseline sequential encoder)
 * compresses a drawn test pattern, and dcmjs wraps it as encapsulated pixel data in a Part 10 file. The
 * patient and the practitioner are set up over REST; the patient opens the image in the portal.
 */
import dcmjs from 'dcmjs';
import type { Browser, Page } from 'playwright-core';
import { axe, launchChromium, openPage, screenshot, startGateway, step, type AxeFinding, type RunningPortal } from './portal-browser.js';

const PATIENT = 'pat-jpeg';
const DOCTOR = 'dr-jpeg';
const JPEG_BASELINE = '1.2.840.10008.1.2.4.50';
const SECONDARY_CAPTURE = '1.2.840.10008.5.1.4.1.1.7';
const SIZE = 64;

let gateway: RunningPortal;
let browser: Browser;
let page: Page;
let problems: string[];
let jpeg: Buffer;

/** JPEG markers in order (without the entropy-coded data): SOI, APPn, DQT, SOF0, DHT, SOS … */
function markers(bytes: Buffer): number[] {
  const found: number[] = [];
  let i = 2;
  while (i + 4 <= bytes.length && bytes[i] === 0xff) {
    const marker = bytes[i + 1]!;
    found.push(marker);
    if (marker === 0xda) break; // start of scan: entropy-coded data follows
    i += 2 + bytes.readUInt16BE(i + 2);
  }
  return found;
}

/** A Part 10 file: Secondary Capture, 64 x 64 RGB, one JPEG baseline frame as encapsulated pixel data. */
function jpegDicom(frame: Buffer): Buffer {
  const { DicomDict, DicomMetaDictionary } = dcmjs.data;
  const sop = '1.2.826.0.1.3680043.8.498.71';
  const meta = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: SECONDARY_CAPTURE,
    MediaStorageSOPInstanceUID: sop,
    TransferSyntaxUID: JPEG_BASELINE,
    ImplementationClassUID: '1.2.826.0.1.3680043.8.498.2',
  };
  const dataset = {
    SOPClassUID: SECONDARY_CAPTURE,
    SOPInstanceUID: sop,
    PatientID: PATIENT,
    StudyInstanceUID: '1.2.826.0.1.3680043.8.498.72',
    SeriesInstanceUID: '1.2.826.0.1.3680043.8.498.73',
    Modality: 'OT',
    StudyDate: '20250110',
    StudyDescription: 'Test pattern, JPEG baseline',
    ConversionType: 'WSD',
    Rows: SIZE,
    Columns: SIZE,
    SamplesPerPixel: 3,
    // What a JPEG baseline colour frame holds (the DICOM standard, PS3.5 8.2.1).
    PhotometricInterpretation: 'YBR_FULL_422',
    PlanarConfiguration: 0,
    BitsAllocated: 8,
    BitsStored: 8,
    HighBit: 7,
    PixelRepresentation: 0,
    LossyImageCompression: '01',
    PixelData: [frame.buffer.slice(frame.byteOffset, frame.byteOffset + frame.byteLength)],
    _vrMap: { PixelData: 'OB' },
  };
  const dict = new DicomDict(DicomMetaDictionary.denaturalizeDataset(meta));
  dict.dict = DicomMetaDictionary.denaturalizeDataset(dataset);
  return Buffer.from(dict.write());
}

async function rest(path: string, token: string | undefined, init: RequestInit = {}): Promise<Response> {
  const response = await fetch(`${gateway.baseUrl}${path}`, {
    ...init,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(init.body instanceof FormData ? {} : { 'content-type': 'application/json' }), ...init.headers },
    signal: AbortSignal.timeout(30_000),
  });
  if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${response.status} ${await response.text()}`);
  return response;
}

async function devToken(userId: string): Promise<string> {
  return ((await (await rest('/v1/dev/tokens', undefined, { method: 'POST', body: JSON.stringify({ userId }) })).json()) as { token: string }).token;
}

beforeAll(async () => {
  gateway = await startGateway({}, 'gateway-jpeg.log');
  browser = await launchChromium();
  ({ page, problems } = await openPage(browser, gateway.baseUrl));
  // Chromium's encoder: a test pattern (gradients, a disc, bars) drawn on a canvas, compressed as JPEG.
  const encoded = await page.evaluate(async (size) => {
    const canvas = document.createElement('canvas');
    canvas.width = size;
    canvas.height = size;
    const ctx = canvas.getContext('2d')!;
    const gradient = ctx.createLinearGradient(0, 0, size, size);
    gradient.addColorStop(0, '#000000');
    gradient.addColorStop(1, '#ffffff');
    ctx.fillStyle = gradient;
    ctx.fillRect(0, 0, size, size);
    ctx.fillStyle = '#c03020';
    ctx.beginPath();
    ctx.arc(size / 2, size / 2, size / 4, 0, 2 * Math.PI);
    ctx.fill();
    ctx.fillStyle = '#2040c0';
    for (let x = 4; x < size; x += 16) ctx.fillRect(x, 4, 6, size / 4);
    const blob = await new Promise<Blob>((resolve) => canvas.toBlob((b) => resolve(b!), 'image/jpeg', 0.92));
    return Array.from(new Uint8Array(await blob.arrayBuffer()));
  }, SIZE);
  jpeg = Buffer.from(encoded);

  const admin = await devToken('hospital-a-admin');
  for (const [userId, role] of [[PATIENT, 'patient'], [DOCTOR, 'practitioner']]) {
    await rest('/v1/users', admin, { method: 'POST', body: JSON.stringify({ userId, role }) });
  }
  const form = new FormData();
  form.set('title', 'Test pattern (JPEG)');
  form.set('category', 'imaging');
  form.set('file', new Blob([new Uint8Array(jpegDicom(jpeg))], { type: 'application/dicom' }), 'pattern.dcm');
  await rest(`/v1/patients/${PATIENT}/records`, await devToken(DOCTOR), { method: 'POST', body: form });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await gateway?.stop();
});

describe('DICOM viewer: JPEG baseline (Chromium)', () => {
  it('works on a real JPEG baseline frame (SOF0, not progressive) that the gateway recognises as DICOM', () => {
    expect(jpeg.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    const found = markers(jpeg);
    expect(found).toContain(0xc0); // SOF0: baseline sequential DCT
    expect(found.filter((m) => m >= 0xc1 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc)).toEqual([]);
  });

  it('draws the image: the canvas shows many distinct values, the pattern, not a blank or an error', async () => {
    await step('jpeg-viewer', [page], async () => {
      await page.getByLabel('User id').fill(PATIENT);
      await page.getByRole('button', { name: 'Sign in' }).click();
      const card = page.getByTestId('record').filter({ hasText: 'Test pattern (JPEG)' });
      await card.waitFor();
      expect(await card.textContent()).toContain('Modality:OT');
      await card.getByRole('button', { name: 'View image: Test pattern (JPEG)' }).click();
      await page.locator('[data-testid=dicom-viewer][data-ready=true]').waitFor({ timeout: 30_000 });
      expect(await page.getByTestId('dicom-viewer').getByRole('alert').count()).toBe(0);
      // Let dwv draw the decoded frame, then read the canvas back.
      const canvasStats = async () =>
        page.evaluate(() => {
          const canvas = document.querySelector('[data-testid=dicom-viewer] canvas') as HTMLCanvasElement | null;
          const ctx = canvas?.getContext('2d');
          if (!canvas || !ctx || canvas.width === 0) return { distinct: 0, coloured: 0, lit: 0 };
          const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
          const seen = new Set<number>();
          let coloured = 0;
          let lit = 0;
          for (let i = 0; i < data.length; i += 4) {
            const [r, g, b] = [data[i]!, data[i + 1]!, data[i + 2]!];
            seen.add((r << 16) | (g << 8) | b);
            if (r + g + b > 30) lit++;
            if (r > g + 60 && r > b + 60) coloured++;
          }
          return { distinct: seen.size, coloured, lit };
        });
      let stats = await canvasStats();
      for (let i = 0; i < 20 && stats.distinct <= 16; i++) {
        await page.waitForTimeout(250);
        stats = await canvasStats();
      }
      // A gradient through a JPEG gives far more than a few values; the red disc comes out red (colour decoded,
      // not shown as luminance only), and the image is not blank.
      expect(stats.distinct).toBeGreaterThan(16);
      expect(stats.coloured).toBeGreaterThan(20);
      expect(stats.lit).toBeGreaterThan(100);
      await screenshot(page, 'patient-dicom-viewer-jpeg');
      const finding: AxeFinding = await axe(page, 'patient-dicom-viewer-jpeg');
      expect(finding.serious + finding.critical).toBe(0);
      expect(problems).toEqual([]);
    });
  });

  it('says so when the JPEG decoder cannot be loaded, instead of showing an empty image', async () => {
    const opened = await openPage(browser, gateway.baseUrl);
    const other = opened.page;
    await step('jpeg-no-decoder', [other], async () => {
      await other.route('**/assets/workers/jpegbaseline.worker.min.js', (route) => route.fulfill({ status: 404, body: 'gone' }));
      await other.getByLabel('User id').fill(PATIENT);
      await other.getByRole('button', { name: 'Sign in' }).click();
      const card = other.getByTestId('record').filter({ hasText: 'Test pattern (JPEG)' });
      await card.getByRole('button', { name: 'View image: Test pattern (JPEG)' }).click();
      const alert = other.getByTestId('dicom-viewer').getByRole('alert');
      await alert.waitFor({ timeout: 30_000 });
      expect(await alert.textContent()).toContain('This image cannot be shown here. Download it and open it in a DICOM viewer.');
      expect(await other.getByTestId('dicom-viewer').getAttribute('data-ready')).toBe('false');
    });
    await opened.context.close();
  });
});
