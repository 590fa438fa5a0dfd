/// <reference lib="dom" />
// The page functions passed to evaluate() run in the browser.
/**
 * What the portal's browser suites share: the built gateway started as `npm start` would (fresh data dir,
 * free port), Chromium found (or installed) by ensure-chromium.mjs and driven by playwright-core, axe-core
 * run on every screen, and a screenshot of the page when a step fails (test/portal/results/).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const root = path.resolve('.');
export const resultsDir = path.join(root, 'test/portal/results');
const screenshotsDir = path.join(root, 'docs/portal');

/** A running gateway process and its base URL. */
export interface RunningPortal {
  baseUrl: string;
  stop(): Promise<void>;
}

/** Starts gateway/dist/main.js (needs `npm run build`) with a fresh data dir; resolves once it prints its portal URL. */
export async function startGateway(env: Record<string, string> = {}, logName = 'gateway.log'): Promise<RunningPortal> {
  const main = path.join(root, 'gateway/dist/main.js');
  if (!existsSync(main) || !existsSync(path.join(root, 'portal/dist/index.html'))) throw new Error('the gateway or the portal is not built: run `npm run build` first');
  mkdirSync(resultsDir, { recursive: true });
  const dataDir = await mkdtemp(path.join(tmpdir(), 'careledger-portal-'));
  const log = createWriteStream(path.join(resultsDir, logName));
  const child: ChildProcess = spawn(process.execPath, [main], {
    cwd: root,
    env: { ...process.env, CARELEDGER_PROFILE: 'embedded', CARELEDGER_PORT: '0', CARELEDGER_HOST: '127.0.0.1', CARELEDGER_DATA_DIR: dataDir, CARELEDGER_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.stderr!.pipe(log, { end: false });
  const baseUrl = await new Promise<string>((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`the gateway printed no Portal line within 90 s (test/portal/results/${logName})`)), 90_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      log.write(chunk);
      seen += chunk.toString('utf8');
      const match = /^\s*Portal\s+(http:\/\/127\.0\.0\.1:\d+)\/\s*$/m.exec(seen);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`the gateway exited before listening (test/portal/results/${logName})`));
    });
  });
  return {
    baseUrl,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      log.end();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Launches Chromium (found or installed by ensure-chromium.mjs; it stops with an instruction when it cannot). */
export async function launchChromium(): Promise<Browser> {
  const executablePath = execFileSync(process.execPath, [path.join(root, 'test/portal/ensure-chromium.mjs')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  return chromium.launch({ executablePath, args: asRoot ? ['--no-sandbox'] : [] });
}

/** A browser page per user; collects page errors and CSP violations so a test can assert there are none. */
export async function openPage(browser: Browser, baseUrl: string, viewport = { width: 1280, height: 900 }): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const context = await browser.newContext({ viewport, acceptDownloads: true, locale: 'en-GB', timezoneId: 'UTC' });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy|Refused to/.test(message.text())) problems.push(`CSP: ${message.text()}`);
  });
  await page.goto(`${baseUrl}/`);
  return { context, page, problems };
}

let axeSource: string | undefined;

/** One screen's axe result: violations of serious or critical impact (ids and the nodes they hit). */
export interface AxeFinding {
  screen: string;
  serious: number;
  critical: number;
  moderateOrMinor: number;
  violations: { id: string; impact: string; nodes: string[] }[];
}

/** Runs axe-core (WCAG 2.1 A/AA and best practices) on the page as it is now. */
export async function axe(page: Page, screen: string): Promise<AxeFinding> {
  axeSource ??= await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  // evaluate() runs through the DevTools protocol, so the page's CSP (no inline scripts) stays in force.
  await page.evaluate(axeSource);
  const result = (await page.evaluate(() =>
    (window as unknown as { axe: { run: (c: unknown, o: unknown) => Promise<unknown> } }).axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
    }),
  )) as { violations: { id: string; impact: string; nodes: { target: string[] }[] }[] };
  const count = (impact: string) => result.violations.filter((v) => v.impact === impact).length;
  return {
    screen,
    serious: count('serious'),
    critical: count('critical'),
    moderateOrMinor: count('moderate') + count('minor'),
    violations: result.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5) })),
  };
}

/** Saves a screenshot under test/portal/results/ and, with CARELEDGER_UPDATE_SCREENSHOTS=1, under docs/portal/. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(resultsDir, { recursive: true });
  const file = path.join(resultsDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: false });
  if (process.env.CARELEDGER_UPDATE_SCREENSHOTS === '1') {
    mkdirSync(screenshotsDir, { recursive: true });
    await copyFile(file, path.join(screenshotsDir, `${name}.png`));
  }
}

/** Runs a step; when it fails, keeps a screenshot of every open page (CI artefact) and rethrows. */
export async function step(name: string, pages: Page[], run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (error) {
    mkdirSync(resultsDir, { recursive: true });
    for (const [i, page] of pages.entries()) {
      await page.screenshot({ path: path.join(resultsDir, `FAILED-${name.replace(/\W+/g, '-')}-${i}.png`), fullPage: true }).catch(() => undefined);
    }
    throw error;
  }
}

/** Writes the axe results per screen (test/portal/results/axe.json or `fileName`) and returns a one-line-per-screen summary. */
export async function writeAxeSummary(findings: AxeFinding[], fileName = 'axe.json'): Promise<string> {
  mkdirSync(resultsDir, { recursive: true });
  await writeFile(path.join(resultsDir, fileName), JSON.stringify(findings, null, 2));
  return findings.map((f) => `${f.screen.padEnd(34)} critical ${f.critical}, serious ${f.serious}, moderate/minor ${f.moderateOrMinor}`).join('\n');
}

/** Picks an option of a Mantine Select by its label. */
export async function choose(page: Page, label: string, option: string): Promise<void> {
  await page.getByRole('combobox', { name: label, exact: true }).click();
  await page.getByRole('option', { name: option, exact: true }).click();
}

/** Moves the single-page app to a route (its hash). */
export async function go(page: Page, route: string): Promise<void> {
  await page.evaluate((r) => (window.location.hash = r), route);
}

/** A record's card in a record list, found by its title. */
export function record(page: Page, title: string) {
  return page.getByTestId('record').filter({ hasText: title });
}
