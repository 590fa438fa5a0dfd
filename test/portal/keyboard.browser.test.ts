/// <reference lib="dom" />
// The page functions passed to evaluate() run in the browser.
/**
 * The portal with the keyboard only (Tab, Shift+Tab, Enter, Space, arrow keys, Escape; no mouse): the
 * development sign-in, a patient sharing their records with a hospital, and a practitioner opening a patient
 * and viewing a DICOM study in the viewer dialog. Every control the walk reaches shows a visible focus
 * indicator (its focused style differs from its unfocused one), controls are reached in reading order, the
 * dialog keeps focus inside while open, and Escape closes it and gives focus back to the button that opened it.
 * The users, the study and the consent are set up over REST.
 */
import type { Browser, Page } from 'playwright-core';
import { aDicomFile } from '../../gateway/src/testing/dicom-fixture.js';
import { launchChromium, openPage, startGateway, step, type RunningPortal } from './portal-browser.js';

const PATIENT = 'pat-keys';
const DOCTOR = 'dr-keys';

let gateway: RunningPortal;
let browser: Browser;
const problems: string[][] = [];

/** What the focused element is: its accessible name as a user hears it, and whether its focus is visible. */
interface Focused {
  name: string;
  tag: string;
  visible: boolean;
  inDialog: boolean;
}

/** The focused element, and whether its focus can be seen: its focused style differs from an unfocused copy's. */
async function focused(page: Page): Promise<Focused> {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    if (!el || el === document.body) return { name: '(body)', tag: 'body', visible: false, inDialog: false };
    const labelled = el.getAttribute('aria-labelledby');
    const name = (
      el.getAttribute('aria-label') ??
      (labelled ? document.getElementById(labelled.split(' ')[0]!)?.textContent : null) ??
      (el as HTMLInputElement).labels?.[0]?.textContent ??
      el.textContent ??
      ''
    )
      .replace(/\s*\*\s*$/, '')
      .trim();
    // The focus style may fade in (a CSS transition): measure where it ends.
    for (const animation of el.getAnimations()) animation.finish();
    const look = (node: Element) => {
      const s = getComputedStyle(node);
      return [s.outlineStyle === 'none' || s.outlineWidth === '0px' ? 'no-outline' : `${s.outlineStyle} ${s.outlineWidth} ${s.outlineColor}`, s.boxShadow, s.borderColor, s.backgroundColor].join('|');
    };
    // The same element, not focused: a copy next to it (removed at once). A field inside a styled box (a
    // multi-select's pills) shows focus on the box (:focus-within): the element and its two parents count.
    const changes = (node: HTMLElement) => {
      const copy = node.cloneNode(true) as HTMLElement;
      copy.removeAttribute('id');
      copy.style.position = 'absolute';
      copy.style.visibility = 'hidden';
      node.parentElement!.insertBefore(copy, node.nextSibling);
      const differs = look(node) !== look(copy);
      copy.remove();
      return differs;
    };
    const outline = getComputedStyle(el);
    let visible = outline.outlineStyle !== 'none' && outline.outlineWidth !== '0px';
    for (let node: HTMLElement | null = el, up = 0; !visible && node && node !== document.body && up < 3; node = node.parentElement, up++) {
      for (const animation of node.getAnimations()) animation.finish();
      visible = changes(node);
    }
    return { name, tag: el.tagName.toLowerCase(), visible, inDialog: el.closest('[role=dialog]') !== null };
  });
}

/**
 * Presses `key` until the focused element's name matches `target` (at most `max` presses); returns every
 * element focused on the way, and fails if one of them shows no visible focus.
 */
async function walkTo(page: Page, target: string | RegExp, key = 'Tab', max = 40): Promise<string[]> {
  const seen: string[] = [];
  for (let i = 0; i < max; i++) {
    await page.keyboard.press(key);
    const now = await focused(page);
    seen.push(now.name);
    // Past the last control, focus leaves the page (the browser's own controls), then starts again at the top.
    if (now.tag === 'body') continue;
    if (!now.visible) throw new Error(`focus is not visible on "${now.name}" (${now.tag}); walk so far: ${seen.join(' → ')}`);
    if (typeof target === 'string' ? now.name === target : target.test(now.name)) return seen;
  }
  throw new Error(`${key} never reached "${String(target)}" in ${max} presses: ${seen.join(' → ')}`);
}

/** Index of each name in the walk, to check the order (fails on a missing one). */
function order(walk: string[], names: string[]): number[] {
  return names.map((name) => {
    const i = walk.indexOf(name);
    if (i < 0) throw new Error(`"${name}" was not reached: ${walk.join(' → ')}`);
    return i;
  });
}

const increasing = (xs: number[]) => xs.every((x, i) => i === 0 || x > xs[i - 1]!);

/** The development sign-in, by keyboard: Tab to the user id, type it, Enter. */
async function signIn(page: Page, userId: string): Promise<string[]> {
  const walk = await walkTo(page, 'User id');
  await page.keyboard.type(userId);
  await page.keyboard.press('Enter');
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  return walk;
}

async function rest(path: string, token: string | undefined, init: RequestInit = {}): Promise<Response> {
  const response = await fetch(`${gateway.baseUrl}${path}`, {
    ...init,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(init.body instanceof FormData ? {} : { 'content-type': 'application/json' }) },
    signal: AbortSignal.timeout(30_000),
  });
  if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${response.status} ${await response.text()}`);
  return response;
}

async function devToken(userId: string): Promise<string> {
  return ((await (await rest('/v1/dev/tokens', undefined, { method: 'POST', body: JSON.stringify({ userId }) })).json()) as { token: string }).token;
}

async function newPage(): Promise<Page> {
  const opened = await openPage(browser, gateway.baseUrl);
  problems.push(opened.problems);
  await opened.page.getByRole('heading', { name: 'Development sign-in' }).waitFor();
  return opened.page;
}

beforeAll(async () => {
  gateway = await startGateway({}, 'gateway-keyboard.log');
  browser = await launchChromium();
  const admin = await devToken('hospital-a-admin');
  for (const [userId, role] of [[PATIENT, 'patient'], [DOCTOR, 'practitioner']]) {
    await rest('/v1/users', admin, { method: 'POST', body: JSON.stringify({ userId, role }) });
  }
  const form = new FormData();
  form.set('title', 'CT thorax');
  form.set('category', 'imaging');
  form.set('file', new Blob([new Uint8Array(aDicomFile({ frames: 3, pixelBytes: 16 * 16 * 3 }))], { type: 'application/dicom' }), 'ct.dcm');
  await rest(`/v1/patients/${PATIENT}/records`, await devToken(DOCTOR), { method: 'POST', body: form });
  const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
  await rest(`/v1/patients/${PATIENT}/consents`, await devToken(PATIENT), {
    method: 'POST',
    body: JSON.stringify({ grantee: { kind: 'user', userId: DOCTOR }, scope: { categories: ['imaging'] }, purposes: ['TREAT'], expiresAt }),
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await gateway?.stop();
});

describe('portal with the keyboard only (Chromium)', () => {
  it('signs in: the skip link first, then the header, the form in reading order, Enter submits', async () => {
    const page = await newPage();
    await step('keys-sign-in', [page], async () => {
      const walk = await walkTo(page, 'Sign in');
      expect(walk).toEqual(['Skip to content', 'CareLedger', 'User id', 'hospital-a-admin', 'hospital-b-admin', 'Sign in']);
      // Shift+Tab goes back the same way.
      expect(await walkTo(page, 'User id', 'Shift+Tab')).toEqual(['hospital-b-admin', 'hospital-a-admin', 'User id']);
      // A quick pick by keyboard: Tab to it, Enter fills the field; Enter in the field signs in.
      await walkTo(page, 'hospital-a-admin');
      await page.keyboard.press('Enter');
      expect(await page.getByLabel('User id').inputValue()).toBe('hospital-a-admin');
      await walkTo(page, 'User id', 'Shift+Tab');
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: 'Register users' }).waitFor();
    });
  });

  it('lets the patient share with a hospital: menu link with Enter, radios with arrow keys, a select with the keyboard, Share with Enter', async () => {
    const page = await newPage();
    await step('keys-patient-sharing', [page], async () => {
      await signIn(page, PATIENT);
      await page.getByRole('heading', { name: 'My records' }).waitFor();
      const toMenu = await walkTo(page, 'Sharing');
      expect(increasing(order(toMenu, ['My records', 'Who accessed my data', 'Sharing']))).toBe(true);
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: 'Share my records' }).waitFor();

      // Tab into the form: the first radio of "Share with" is checked; the right arrow picks the hospital.
      const toRadio = await walkTo(page, 'A practitioner');
      expect(toRadio.at(-1)).toBe('A practitioner');
      await page.keyboard.press('ArrowRight');
      expect(await page.getByRole('radio', { name: 'A hospital (all its practitioners)' }).isChecked()).toBe(true);
      expect((await focused(page)).name).toBe('A hospital (all its practitioners)');
      // The hospital select: Tab, then the arrow key opens it and moves to the next option, Enter picks it.
      await walkTo(page, 'Hospital', 'Tab', 3);
      await page.keyboard.press('ArrowDown');
      await page.getByRole('listbox').waitFor();
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('Enter');
      expect(await page.getByRole('combobox', { name: 'Hospital', exact: true }).inputValue()).toBe('HospitalBMSP');
      // The rest of the form in reading order, to the Share button; Enter shares.
      const toShare = await walkTo(page, 'Share');
      expect(increasing(order(toShare, ['Kinds of records', 'Kinds', 'Treatment', 'Research', 'Until', 'Share']))).toBe(true);
      // A radio group is one stop: Tab goes to its checked radio only.
      expect(toShare).not.toContain('Chosen records');
      await page.keyboard.press('Enter');
      await page.getByText('Shared.').waitFor();
      await page.locator('[data-grantee=HospitalBMSP]').waitFor();
      // Stop sharing, reached by Tab and pressed with Space.
      await walkTo(page, 'Stop sharing: HospitalBMSP');
      await page.keyboard.press('Space');
      await page.getByText('Sharing stopped.').waitFor();
      await page.locator('[data-grantee=HospitalBMSP]').waitFor({ state: 'detached' });
    });
  });

  it('lets the practitioner open a patient and view a study: the dialog keeps focus, arrow keys change frames, Escape closes it and focus returns', async () => {
    const page = await newPage();
    await step('keys-practitioner-viewer', [page], async () => {
      await signIn(page, DOCTOR);
      await page.getByRole('heading', { name: 'Open a patient' }).waitFor();
      await walkTo(page, 'Patient id');
      await page.keyboard.type(PATIENT);
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: `Records of ${PATIENT}` }).waitFor();

      await walkTo(page, 'View image: CT thorax');
      await page.keyboard.press('Space');
      const dialog = page.getByRole('dialog');
      await page.locator('[data-testid=dicom-viewer][data-ready=true]').waitFor();
      expect((await focused(page)).inDialog).toBe(true);
      // Focus stays inside the dialog, forwards and backwards, however long one tabs.
      const names = new Set<string>();
      for (const key of ['Tab', 'Shift+Tab']) {
        for (let i = 0; i < 12; i++) {
          await page.keyboard.press(key);
          const now = await focused(page);
          expect({ name: now.name, inDialog: now.inDialog, visible: now.visible }).toEqual({ name: now.name, inDialog: true, visible: true });
          names.add(now.name);
        }
      }
      expect([...names]).toEqual(expect.arrayContaining(['Close', 'DICOM image', 'Window centre', 'Window width', 'Reset window']));
      // The image, focused by Tab: the arrow keys move through the frames.
      await walkTo(page, 'DICOM image', 'Tab', 10);
      expect(await page.getByTestId('frame-label').textContent()).toBe('Frame 1 of 3');
      await page.keyboard.press('ArrowRight');
      await page.keyboard.press('ArrowRight');
      expect(await page.getByTestId('frame-label').textContent()).toBe('Frame 3 of 3');
      await page.keyboard.press('ArrowLeft');
      expect(await page.getByTestId('frame-label').textContent()).toBe('Frame 2 of 3');
      // Escape closes the dialog; focus goes back to the button that opened it.
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'detached' });
      await page.waitForFunction(() => document.activeElement?.getAttribute('aria-label') === 'View image: CT thorax');
      expect((await focused(page)).visible).toBe(true);
    });
  });

  it('had no page error and no CSP violation', () => {
    expect(problems.flat()).toEqual([]);
  });
});
