/// <reference lib="dom" />
// The page functions passed to evaluate() run in the browser.
/**
 * The whole portal journey in Chromium against the built gateway (embedded profile), through the UI only:
 * an admin registers a patient and a doctor → the doctor uploads a report and a DICOM study → the patient
 * sees them → the doctor requests access → the patient approves → the doctor opens the report (content
 * checked) and views the image → the patient reads the access log → revokes → the doctor is refused →
 * break-glass → the admin reviews → export → erasure. axe-core runs on every screen: no serious or critical
 * violation. The patient uses a 375 px wide phone viewport. Expected outcomes follow the README's rules.
 */
import { readFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { aDicomFile } from '../../gateway/src/testing/dicom-fixture.js';
import { axe, choose, go, launchChromium, openPage, record, screenshot, startGateway, step, writeAxeSummary, type AxeFinding, type RunningPortal } from './portal-browser.js';

const PATIENT = 'pat-portal';
const DOCTOR = 'dr-portal';
const REPORT_TEXT = 'Discharge letter\nDiagnosis: community-acquired pneumonia, treated with amoxicillin.\n';

let gateway: RunningPortal;
let browser: Browser;
let admin: Page;
let doctor: Page;
let patient: Page;
const problems: string[] = [];
const findings: AxeFinding[] = [];
const started = Date.now();

/** axe on the page as it stands; the journey checks the totals at the end, so one screen's failure names them all. */
async function check(page: Page, screen: string, shot = true): Promise<void> {
  findings.push(await axe(page, screen));
  if (shot) await screenshot(page, screen);
}

async function signIn(page: Page, userId: string): Promise<void> {
  await page.getByLabel('User id').fill(userId);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

beforeAll(async () => {
  gateway = await startGateway();
  browser = await launchChromium();
  for (const [name, viewport] of [
    ['admin', undefined],
    ['doctor', undefined],
    ['patient', { width: 375, height: 812 }],
  ] as const) {
    const opened = await openPage(browser, gateway.baseUrl, viewport);
    opened.page.on('pageerror', (e) => problems.push(`${name}: ${e.message}`));
    if (name === 'admin') admin = opened.page;
    if (name === 'doctor') doctor = opened.page;
    if (name === 'patient') patient = opened.page;
  }
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await gateway?.stop();
  if (findings.length) console.log(`axe per screen (test/portal/results/axe.json):\n${await writeAxeSummary(findings)}\njourney: ${((Date.now() - started) / 1000).toFixed(1)} s`);
});

describe('portal journey (embedded profile, Chromium)', () => {
  it('serves the sign-in page with a development sign-in banner', async () => {
    await step('sign-in', [admin], async () => {
      await admin.getByRole('heading', { name: 'Development sign-in' }).waitFor();
      expect(await admin.getByTestId('dev-banner').textContent()).toContain('Development sign-in');
      await check(admin, 'sign-in');
    });
  });

  it('lets the admin register a patient and a practitioner', async () => {
    await step('register', [admin], async () => {
      await signIn(admin, 'hospital-a-admin');
      await admin.getByRole('heading', { name: 'Register users' }).waitFor();
      await admin.getByLabel('User id').fill(PATIENT);
      await admin.getByRole('button', { name: 'Register' }).click();
      await admin.getByText(`Registered ${PATIENT} as Patient.`).waitFor();
      await admin.getByLabel('User id').fill(DOCTOR);
      await choose(admin, 'Role', 'Practitioner');
      await admin.getByRole('button', { name: 'Register' }).click();
      await admin.getByText(`Registered ${DOCTOR} as Practitioner.`).waitFor();
      await check(admin, 'admin-register');
    });
  });

  it('shows a problem with its detail and request id when a registration is refused', async () => {
    await step('register-twice', [admin], async () => {
      await admin.getByLabel('User id').fill(DOCTOR);
      await admin.getByRole('button', { name: 'Register' }).click();
      const problem = admin.getByTestId('problem');
      await problem.waitFor();
      expect(await problem.textContent()).toMatch(/Request id: [0-9a-f-]{36}/);
    });
  });

  it('lets the doctor upload a report and a DICOM study, showing the DICOM header fields', async () => {
    await step('upload', [doctor], async () => {
      await signIn(doctor, DOCTOR);
      await doctor.getByLabel('Patient id').fill(PATIENT);
      await doctor.getByRole('button', { name: 'Open' }).click();
      await doctor.getByRole('tab', { name: 'Upload' }).click();
      await doctor.getByLabel('Title').fill('Discharge letter');
      await doctor.locator('input[type=file]').setInputFiles({ name: 'letter.txt', mimeType: 'text/plain', buffer: Buffer.from(REPORT_TEXT) });
      await doctor.getByRole('button', { name: 'Upload', exact: true }).click();
      await doctor.getByText(/Uploaded as rec_/).waitFor();
      await check(doctor, 'practitioner-upload');

      await doctor.getByLabel('Title').fill('CT thorax');
      await doctor.locator('input[type=file]').setInputFiles({ name: 'ct.dcm', mimeType: 'application/octet-stream', buffer: aDicomFile({ frames: 3, pixelBytes: 16 * 16 * 3 }) });
      await doctor.getByTestId('dicom-detected').waitFor();
      await doctor.getByRole('button', { name: 'Upload', exact: true }).click();
      await doctor.getByText(/Uploaded as rec_/).waitFor();
      const fields = await doctor.getByTestId('dicom-fields').textContent();
      expect(fields).toContain('Modality:CT');
      expect(fields).toContain('Frames:3');
    });
  });

  it('shows the patient both records on a phone, and the report opens with its content', async () => {
    await step('patient-records', [patient], async () => {
      await signIn(patient, PATIENT);
      await record(patient, 'Discharge letter').waitFor();
      await record(patient, 'CT thorax').waitFor();
      await record(patient, 'Discharge letter').getByRole('button', { name: 'Open: Discharge letter' }).click();
      expect(await record(patient, 'Discharge letter').getByTestId('record-content').textContent()).toBe(REPORT_TEXT);
      await check(patient, 'patient-records');
      await choose(patient, 'Category', 'Imaging');
      await record(patient, 'Discharge letter').waitFor({ state: 'detached' });
      expect(await patient.getByTestId('record').count()).toBe(1);
      expect(await patient.getByTestId('record').textContent()).toContain('CT thorax');
    });
  });

  it('lets the doctor request access, and the patient approve it', async () => {
    await step('request-approve', [doctor, patient], async () => {
      await doctor.getByRole('tab', { name: 'Request access' }).click();
      await doctor.getByLabel('Reason (the patient reads it)').fill('Follow-up of pneumonia');
      await doctor.getByRole('button', { name: 'Send request' }).click();
      await doctor.getByText('Request sent.').waitFor();
      await check(doctor, 'practitioner-request');
      await go(doctor, '/my-requests');
      await doctor.getByTestId('my-requests').getByText('Pending').waitFor();

      // The patient reaches Requests through the phone menu.
      await patient.getByRole('button', { name: 'Menu' }).click();
      await patient.getByRole('link', { name: 'Requests' }).click();
      const request = patient.getByTestId('access-request').filter({ hasText: DOCTOR });
      await request.waitFor();
      expect(await request.textContent()).toContain('Follow-up of pneumonia');
      await check(patient, 'patient-requests');
      await request.getByRole('button', { name: `Approve: ${DOCTOR}` }).click();
      await patient.getByText('Approved: a consent was created.').waitFor();
      await patient.getByText('No pending requests.').waitFor();

      await doctor.getByRole('button', { name: 'Refresh' }).click();
      await doctor.getByTestId('my-requests').getByText('Approved').waitFor();
      await check(doctor, 'practitioner-my-requests');
    });
  });

  it('lets the doctor open the report (content checked) and view the image with window/level and frames', async () => {
    await step('doctor-reads', [doctor], async () => {
      await go(doctor, `/patient/${PATIENT}/records`);
      await record(doctor, 'Discharge letter').getByRole('button', { name: 'Open: Discharge letter' }).click();
      expect(await record(doctor, 'Discharge letter').getByTestId('record-content').textContent()).toBe(REPORT_TEXT);
      await check(doctor, 'practitioner-records');

      await record(doctor, 'CT thorax').getByRole('button', { name: 'View image: CT thorax' }).click();
      const viewer = doctor.getByTestId('dicom-viewer');
      await doctor.locator('[data-testid=dicom-viewer][data-ready=true]').waitFor();
      expect(await viewer.getAttribute('data-frames')).toBe('3');
      expect(await doctor.getByTestId('frame-label').textContent()).toBe('Frame 1 of 3');
      await doctor.getByRole('img', { name: 'DICOM image' }).focus();
      await doctor.keyboard.press('ArrowRight');
      expect(await doctor.getByTestId('frame-label').textContent()).toBe('Frame 2 of 3');
      const width = doctor.getByRole('textbox', { name: 'Window width' });
      await width.fill('40');
      await width.blur();
      expect(await width.inputValue()).toBe('40');
      // The canvas shows pixels: not every pixel of the drawn image is the same.
      const distinct = await doctor.evaluate(() => {
        const canvas = document.querySelector('[data-testid=dicom-viewer] canvas') as HTMLCanvasElement | null;
        const ctx = canvas?.getContext('2d');
        if (!canvas || !ctx) return 0;
        const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
        const seen = new Set<number>();
        for (let i = 0; i < data.length; i += 4) seen.add(data[i]!);
        return seen.size;
      });
      expect(distinct).toBeGreaterThan(2);
      await check(doctor, 'practitioner-dicom-viewer');
      await doctor.keyboard.press('Escape');
      await viewer.waitFor({ state: 'detached' });
    });
  });

  it('shows the patient who accessed their data, then lets them share with a hospital and revoke the doctor', async () => {
    await step('access-log-revoke', [patient], async () => {
      await go(patient, '/access-log');
      const rows = patient.getByTestId('access-log').locator('tbody tr');
      await rows.filter({ hasText: DOCTOR }).first().waitFor();
      expect(await rows.filter({ hasText: DOCTOR }).filter({ hasText: 'Granted' }).count()).toBeGreaterThanOrEqual(2);
      await check(patient, 'patient-access-log');

      await go(patient, '/sharing');
      await patient.getByRole('radio', { name: 'A hospital (all its practitioners)' }).check();
      await choose(patient, 'Hospital', 'HospitalBMSP');
      await patient.getByRole('button', { name: 'Share', exact: true }).click();
      await patient.getByText('Shared.').waitFor();
      await patient.locator('[data-grantee=HospitalBMSP]').waitFor();
      await check(patient, 'patient-sharing');
      await patient.locator(`[data-grantee=${DOCTOR}]`).getByRole('button', { name: `Stop sharing: ${DOCTOR}` }).click();
      await patient.getByText('Sharing stopped.').waitFor();
      await patient.locator(`[data-grantee=${DOCTOR}]`).waitFor({ state: 'detached' });
      // The doctor added the report: as its author they could still read it (the treatment window) until the
      // patient ends author access.
      await patient.getByRole('button', { name: 'End author access' }).click();
      await patient.getByText('Author access ended.').waitFor();
    });
  });

  it('refuses the doctor after the revocation, showing why', async () => {
    await step('refused', [doctor], async () => {
      // The records the doctor still has on screen: opening one again is decided anew and refused.
      await record(doctor, 'Discharge letter').getByRole('button', { name: 'Open: Discharge letter' }).click();
      const problem = record(doctor, 'Discharge letter').getByTestId('problem');
      await problem.waitFor();
      expect(await problem.textContent()).toContain('Code: CONSENT_REVOKED');
      expect(await problem.textContent()).toMatch(/Request id: [0-9a-f-]{36}/);
      await check(doctor, 'practitioner-refused', false);
    });
  });

  it('lets the doctor break the glass with a warning and a countdown, and read', async () => {
    await step('break-glass', [doctor], async () => {
      await doctor.getByRole('tab', { name: 'Break-glass' }).click();
      await doctor.getByText('Use it only in a real emergency.', { exact: false }).waitFor();
      await choose(doctor, 'Emergency reason', 'Life-threatening condition');
      await doctor.getByRole('button', { name: 'Open emergency access' }).click();
      const open = doctor.getByTestId('break-glass-open');
      await open.waitFor();
      expect(await open.textContent()).toMatch(/Emergency access open: [34] h \d{2} min \d{2} s left/);
      await check(doctor, 'practitioner-break-glass');
      await doctor.getByRole('tab', { name: 'Records' }).click();
      await choose(doctor, 'Purpose of this access', 'Emergency treatment');
      await record(doctor, 'Discharge letter').getByRole('button', { name: 'Open: Discharge letter' }).click();
      expect(await record(doctor, 'Discharge letter').getByTestId('record-content').textContent()).toBe(REPORT_TEXT);
    });
  });

  it('highlights the denial and the break-glass read in the patient access log, filterable by outcome', async () => {
    await step('access-log-flags', [patient], async () => {
      await go(patient, '/access-log');
      const rows = patient.getByTestId('access-log').locator('tbody tr');
      await patient.locator('[data-outcome=BREAK_GLASS]').first().waitFor();
      expect(await patient.locator('[data-outcome=DENIED]').count()).toBeGreaterThanOrEqual(1);
      await patient.getByRole('combobox', { name: 'Outcome' }).click();
      await patient.getByRole('option', { name: 'Break-glass' }).click();
      await patient.keyboard.press('Escape');
      expect(await rows.count()).toBeGreaterThanOrEqual(1);
      expect(await patient.locator('[data-outcome]:not([data-outcome=BREAK_GLASS])').count()).toBe(0);
    });
  });

  it('puts the break-glass session in the admin review queue until reviewed', async () => {
    await step('review', [admin], async () => {
      await go(admin, '/review');
      const row = admin.getByTestId('review-queue').locator(`[data-actor=${DOCTOR}]`);
      await row.waitFor();
      expect(await row.textContent()).toContain('Life-threatening condition');
      await check(admin, 'admin-break-glass-review');
      await row.getByRole('button', { name: `Mark reviewed: ${DOCTOR}` }).click();
      await admin.getByText('No sessions waiting for review.').waitFor();
    });
  });

  it('exports the patient data as a FHIR Bundle and a ZIP, then erases it after typing the id', async () => {
    await step('export-erase', [patient], async () => {
      await go(patient, '/export');
      const [bundle] = await Promise.all([patient.waitForEvent('download'), patient.getByRole('button', { name: 'Download FHIR Bundle' }).click()]);
      const parsed = JSON.parse(await readFile((await bundle.path())!, 'utf8')) as { resourceType: string; entry?: unknown[] };
      expect(parsed.resourceType).toBe('Bundle');
      expect(parsed.entry?.length).toBeGreaterThanOrEqual(2);
      const [zip] = await Promise.all([patient.waitForEvent('download'), patient.getByRole('button', { name: 'Download ZIP' }).click()]);
      expect((await readFile((await zip.path())!)).subarray(0, 2).toString('latin1')).toBe('PK');
      await check(patient, 'patient-export-erasure');

      const erase = patient.getByRole('button', { name: 'Erase everything' });
      expect(await erase.isDisabled()).toBe(true);
      await patient.getByLabel(`Type your id (${PATIENT}) to confirm`).fill(PATIENT);
      await erase.click();
      await patient.getByText(/Erased: 2 records and \d+ access events; the keys and files are gone\./).waitFor();
    });
  });

  it('finds no serious or critical accessibility violation on any screen and no CSP violation or page error', () => {
    const bad = findings.filter((f) => f.serious + f.critical > 0).map((f) => ({ screen: f.screen, violations: f.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical') }));
    expect(bad).toEqual([]);
    expect(findings.length).toBeGreaterThanOrEqual(14);
    expect(problems).toEqual([]);
  });
});
