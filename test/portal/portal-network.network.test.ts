/// <reference lib="dom" />
// The page functions passed to evaluate() run in the browser.
/**
 * The portal on the network profile, in Chromium: Hospital A's gateway started as `npm run start:network --
 * --org hospital-a` starts it (real Fabric peers, Kubo, Firestore emulator), on a fresh chaincode namespace,
 * accepting the Firebase Auth emulator's tokens. Every user has an email/password account in the Auth
 * emulator whose uid is their registry user id, and signs in through the portal's Firebase form (the
 * Firebase JS SDK, in memory only). One journey: the admin registers a patient and a practitioner → the
 * practitioner uploads a report → the patient sees it and shares it → the practitioner opens it (content
 * checked) → the patient reads the access log → signing out clears the session (sessionStorage empty; a
 * reload shows the sign-in form). axe runs on every screen. Expected outcomes follow the README's rules.
 */
import { randomBytes } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { freshChaincodeNamespace, networkConnection, uniqueName } from '../support/network-fixture.js';
import { axe, choose, go, launchChromium, openPage, record, screenshot, startGateway, step, writeAxeSummary, type AxeFinding, type RunningPortal } from './portal-browser.js';

const run = randomBytes(3).toString('hex');
const ADMIN = 'hospital-a-admin';
const PATIENT = `pat-net-${run}`;
const DOCTOR = `dr-net-${run}`;
const REPORT_TEXT = `Radiology report ${run}\nChest X-ray: no consolidation, no effusion.\n`;
const PASSWORD = `pw-${randomBytes(9).toString('base64url')}`;
const emailOf = (uid: string) => `${uid}.${run}@careledger.test`;

let gateway: RunningPortal;
let browser: Browser;
let admin: Page;
let doctor: Page;
let patient: Page;
let chaincode: string;
const problems: string[][] = [];
const findings: AxeFinding[] = [];
const started = Date.now();

/**
 * Gives `uid` an email/password account in the Auth emulator (its admin REST API, `Bearer owner`): created,
 * or, when the uid exists already (another suite's custom-token sign-in made it), given this email and password.
 */
async function emulatorAccount(uid: string): Promise<void> {
  const { auth } = await networkConnection();
  if (!auth?.emulatorHost) throw new Error('the connection profile names no Firebase Auth emulator: restart the network');
  const base = `http://${auth.emulatorHost}/identitytoolkit.googleapis.com/v1/projects/${auth.projectId}`;
  const post = async (url: string, body: object) => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer owner' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    return { ok: response.ok, body: (await response.json()) as { error?: { message?: string } } };
  };
  const account = { localId: uid, email: emailOf(uid), password: PASSWORD };
  const created = await post(`${base}/accounts`, account);
  if (created.ok) return;
  if (!String(created.body.error?.message).includes('DUPLICATE_LOCAL_ID')) throw new Error(`the Auth emulator refused account ${uid}: ${JSON.stringify(created.body.error)}`);
  const updated = await post(`${base}/accounts:update`, account);
  if (!updated.ok) throw new Error(`the Auth emulator refused to update account ${uid}: ${JSON.stringify(updated.body.error)}`);
}

async function check(page: Page, screen: string): Promise<void> {
  findings.push(await axe(page, screen));
  await screenshot(page, screen);
}

/** Signs in through the portal's Firebase form (email and password). */
async function signIn(page: Page, uid: string): Promise<void> {
  await page.getByRole('heading', { name: 'Sign in', exact: true }).waitFor();
  await page.getByLabel('Email').fill(emailOf(uid));
  await page.getByLabel(/^Password/).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  expect(await page.getByTestId('signed-in-as').textContent()).toContain(uid);
}

beforeAll(async () => {
  chaincode = await freshChaincodeNamespace();
  await Promise.all([ADMIN, PATIENT, DOCTOR].map(emulatorAccount));
  gateway = await startGateway(
    {
      CARELEDGER_PROFILE: 'network',
      CARELEDGER_ORG: 'hospital-a',
      CARELEDGER_CHAINCODE: chaincode,
      CARELEDGER_FIRESTORE_PREFIX: uniqueName('portal'),
      CARELEDGER_AUTH_EMULATOR: 'true',
    },
    'gateway-network.log',
  );
  browser = await launchChromium();
  for (const name of ['admin', 'doctor', 'patient'] as const) {
    const opened = await openPage(browser, gateway.baseUrl);
    // Page errors and CSP violations, collected by openPage.
    problems.push(opened.problems);
    if (name === 'admin') admin = opened.page;
    if (name === 'doctor') doctor = opened.page;
    if (name === 'patient') patient = opened.page;
  }
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await gateway?.stop();
  if (findings.length) console.log(`axe per screen, network profile:\n${await writeAxeSummary(findings, 'axe-network.json')}\njourney: ${((Date.now() - started) / 1000).toFixed(1)} s`);
});

describe("portal journey on Hospital A's network gateway (Firebase Auth emulator sign-in, Chromium)", () => {
  it('serves the Firebase sign-in form, without the development banner', async () => {
    await step('net-sign-in', [admin], async () => {
      const config = (await (await fetch(`${gateway.baseUrl}/portal-config.json`)).json()) as { signIn: { kind: string; emulatorUrl?: string } };
      expect(config.signIn.kind).toBe('firebase');
      expect(config.signIn.emulatorUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      await admin.getByRole('heading', { name: 'Sign in', exact: true }).waitFor();
      expect(await admin.getByTestId('dev-banner').count()).toBe(0);
      await check(admin, 'network-sign-in');
    });
  });

  it('refuses a wrong password with a visible problem, and keeps no session', async () => {
    await step('net-wrong-password', [admin], async () => {
      await admin.getByLabel('Email').fill(emailOf(ADMIN));
      await admin.getByLabel(/^Password/).fill(`${PASSWORD}-wrong`);
      await admin.getByRole('button', { name: 'Sign in' }).click();
      const problem = admin.getByTestId('problem');
      await problem.waitFor();
      // In plain words, not the SDK's "Firebase: Error (auth/…)".
      expect(await problem.textContent()).toBe('Sign-in failedThe email or the password is wrong.');
      expect(await admin.evaluate(() => sessionStorage.length)).toBe(0);
    });
  });

  it('lets the admin sign in with email and password and register a patient and a practitioner', async () => {
    await step('net-register', [admin], async () => {
      await admin.reload();
      await signIn(admin, ADMIN);
      await admin.getByRole('heading', { name: 'Register users' }).waitFor();
      await admin.getByLabel('User id').fill(PATIENT);
      await admin.getByRole('button', { name: 'Register' }).click();
      await admin.getByText(`Registered ${PATIENT} as Patient.`).waitFor();
      await admin.getByLabel('User id').fill(DOCTOR);
      await choose(admin, 'Role', 'Practitioner');
      await admin.getByRole('button', { name: 'Register' }).click();
      await admin.getByText(`Registered ${DOCTOR} as Practitioner.`).waitFor();
      await check(admin, 'network-admin-register');
    });
  });

  it('lets the practitioner upload a report for the patient', async () => {
    await step('net-upload', [doctor], async () => {
      await signIn(doctor, DOCTOR);
      await doctor.getByLabel('Patient id').fill(PATIENT);
      await doctor.getByRole('button', { name: 'Open' }).click();
      await doctor.getByRole('tab', { name: 'Upload' }).click();
      await doctor.getByLabel('Title').fill('Chest X-ray report');
      await doctor.locator('input[type=file]').setInputFiles({ name: 'report.txt', mimeType: 'text/plain', buffer: Buffer.from(REPORT_TEXT) });
      await doctor.getByRole('button', { name: 'Upload', exact: true }).click();
      await doctor.getByText(/Uploaded as rec_/).waitFor({ timeout: 60_000 });
      await check(doctor, 'network-practitioner-upload');
    });
  });

  it('shows the patient the report (content checked) and lets them share it with the practitioner', async () => {
    await step('net-patient-share', [patient], async () => {
      await signIn(patient, PATIENT);
      await record(patient, 'Chest X-ray report').getByRole('button', { name: 'Open: Chest X-ray report' }).click();
      expect(await record(patient, 'Chest X-ray report').getByTestId('record-content').textContent()).toBe(REPORT_TEXT);
      await check(patient, 'network-patient-records');

      await go(patient, '/sharing');
      await patient.getByLabel('Practitioner id').fill(DOCTOR);
      await patient.getByRole('button', { name: 'Share', exact: true }).click();
      await patient.getByText('Shared.').waitFor({ timeout: 60_000 });
      await patient.locator(`[data-grantee=${DOCTOR}]`).waitFor();
      await check(patient, 'network-patient-sharing');
    });
  });

  it('lets the practitioner open the report under the consent, byte for byte', async () => {
    await step('net-doctor-reads', [doctor], async () => {
      await go(doctor, `/patient/${PATIENT}/records`);
      await record(doctor, 'Chest X-ray report').getByRole('button', { name: 'Open: Chest X-ray report' }).click();
      expect(await record(doctor, 'Chest X-ray report').getByTestId('record-content').textContent()).toBe(REPORT_TEXT);
      await check(doctor, 'network-practitioner-records');
    });
  });

  it("shows the patient the practitioner's read in the access log", async () => {
    await step('net-access-log', [patient], async () => {
      await go(patient, '/access-log');
      const rows = patient.getByTestId('access-log').locator('tbody tr');
      const read = rows.filter({ hasText: DOCTOR }).filter({ hasText: 'Granted' });
      await read.first().waitFor();
      expect(await read.count()).toBe(1);
      expect(await read.first().textContent()).toContain('HospitalAMSP');
      expect(await read.first().textContent()).toContain('Treatment');
      await check(patient, 'network-patient-access-log');
    });
  });

  it('clears the session on sign-out: sessionStorage empty, and a reload shows the sign-in form', async () => {
    await step('net-sign-out', [patient], async () => {
      const token = await patient.evaluate(() => (JSON.parse(sessionStorage.getItem('careledger.session') ?? '{}') as { token?: string }).token);
      expect(token).toMatch(/^[\w-]+\.[\w-]+\./);
      await patient.getByRole('button', { name: 'Sign out' }).click();
      await patient.getByRole('heading', { name: 'Sign in', exact: true }).waitFor();
      expect(await patient.evaluate(() => ({ session: sessionStorage.length, local: localStorage.length }))).toEqual({ session: 0, local: 0 });
      await patient.reload();
      await patient.getByRole('heading', { name: 'Sign in', exact: true }).waitFor();
      expect(await patient.getByRole('button', { name: 'Sign out' }).count()).toBe(0);
      // Firebase kept no user either (in-memory persistence): no auth store (firebaseLocalStorageDb), and no
      // IndexedDB database of the origin (the SDK's heartbeat log is one) holds the token or the email.
      const stored = await patient.evaluate(async () => {
        const dump: Record<string, unknown[]> = {};
        for (const { name } of await indexedDB.databases()) {
          if (!name) continue;
          const db = await new Promise<IDBDatabase>((resolve, reject) => {
            const open = indexedDB.open(name);
            open.onsuccess = () => resolve(open.result);
            open.onerror = () => reject(open.error);
          });
          dump[name] = [];
          for (const storeName of Array.from(db.objectStoreNames)) {
            const all = db.transaction(storeName).objectStore(storeName).getAll();
            dump[name].push(await new Promise((resolve) => (all.onsuccess = () => resolve(all.result))));
          }
          db.close();
        }
        return dump;
      });
      expect(Object.keys(stored)).not.toContain('firebaseLocalStorageDb');
      const text = JSON.stringify(stored);
      expect(text.includes(token!)).toBe(false);
      expect(text.includes(emailOf(PATIENT))).toBe(false);
      expect(text.includes(PATIENT)).toBe(false);
    });
  });

  it('finds no serious or critical accessibility violation on any screen and no CSP violation or page error', () => {
    const bad = findings.filter((f) => f.serious + f.critical > 0).map((f) => ({ screen: f.screen, violations: f.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical') }));
    expect(bad).toEqual([]);
    expect(findings.length).toBe(7);
    expect(problems.flat()).toEqual([]);
  });
});
