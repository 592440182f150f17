// Debian's headless Chromium for the UI tests (S9 and the alerting and fleet screens), driven by
// playwright-core: never a downloaded browser, the executable is the system's. One launcher, so
// every UI test runs the browser with the same flags and closes it with the test.
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Teardownable } from './appliance-harness.js';
import { distDir, repoRoot } from './paths.js';
import { TEST_ADMIN, WebSession } from './web-session.js';

export const CHROMIUM = '/usr/bin/chromium';
export const WEBUI_INDEX = path.join(distDir, 'webui', 'index.html');
/** Screenshots for a person to look at. */
export const ARTIFACTS = path.join(repoRoot, 'test-artifacts');

/**
 * The flags beside Playwright's own. The network ones keep Chromium from calling home (QUIC,
 * background fetches, component updates, sync), which this machine's closed network refuses.
 * The profile is not among them: Playwright's launch() gives every browser a fresh temporary
 * --user-data-dir, removes it on close, and refuses the flag here.
 */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Whether a UI test can run here: without the built UI or Chromium it fails `t` with what is
 * missing and how to get it, and returns false. Makes test-artifacts/ for the screenshots.
 */
export function uiTestCanRun(t: { fail(message: string): unknown }): boolean {
  if (!existsSync(WEBUI_INDEX) || !existsSync(CHROMIUM)) {
    t.fail(`needs the built UI (${path.relative(repoRoot, WEBUI_INDEX)}: run npm run build) and Debian's chromium at ${CHROMIUM}`);
    return false;
  }
  mkdirSync(ARTIFACTS, { recursive: true });
  return true;
}

/** A headless Chromium with a fresh profile, closed when `t` ends. */
export async function launchChromium(t: Teardownable): Promise<Browser> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS] });
  t.teardown(() => browser.close());
  return browser;
}

/**
 * An English page at 1400×1000 that records what a user would see go wrong: uncaught page errors
 * and what the appliance's Content-Security-Policy (SEC) refused (a console error); dialogs are
 * accepted, as a user confirming would.
 */
export async function watchedPage(browser: Browser): Promise<{ page: Page; pageErrors: string[]; cspViolations: string[] }> {
  const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1400, height: 1000 } });
  const page = await context.newPage();
  const pageErrors: string[] = [];
  const cspViolations: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text()); });
  page.on('dialog', (d) => void d.accept());
  return { page, pageErrors, cspViolations };
}

/**
 * A watchedPage already signed in (SEC) as `user` (TEST_ADMIN by default): signed in through the
 * API and the session cookie put into the browser context, for tests about other screens than
 * sign-in. The page fetches its own CSRF token, as it does after any sign-in.
 */
export async function signedInPage(browser: Browser, baseUrl: string, user: { username: string; password: string } = TEST_ADMIN): Promise<Awaited<ReturnType<typeof watchedPage>>> {
  const watched = await watchedPage(browser);
  const web = new WebSession(baseUrl);
  const res = await web.login(user.username, user.password);
  const session = web.cookies.get('rw_session');
  if (res.status !== 200 || session === undefined) throw new Error(`sign-in as ${user.username} failed: HTTP ${res.status} ${await res.text()}`);
  await watched.page.context().addCookies([{ name: 'rw_session', value: session, url: baseUrl }]);
  return watched;
}
