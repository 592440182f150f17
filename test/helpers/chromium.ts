// Debian's headless Chromium for the UI tests (S9 and the alerting and fleet screens), driven by
// playwright-core: never a downloaded browser, the executable is the system's. One launcher, so
// every UI test runs the browser with the same flags and closes it with the test.
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import type { Teardownable } from './appliance-harness.js';
import { distDir, repoRoot } from './paths.js';

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
