// SEC: the Add-server dialog shows an admin the install command of GET /api/v1/enrollment (the
// token and the appliance's key pin) with a copy button; a viewer, whom the appliance refuses the
// token, is offered no Add server at all. Real appliance, real Chromium; the sessions are made with
// the API (WebSession) and handed to the browser as cookies.
import t from 'tap';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { startAppliance, type RunningAppliance } from '../helpers/appliance-harness.js';
import { ARTIFACTS, launchChromium, signedInPage, uiTestCanRun } from '../helpers/chromium.js';
import { TEST_ADMIN, WebSession } from '../helpers/web-session.js';

/** The fleet page signed in as `user`, with the Add-server dialog opened. */
async function addServerDialog(browser: Browser, app: RunningAppliance, user = TEST_ADMIN): Promise<Awaited<ReturnType<typeof signedInPage>>> {
  const watched = await signedInPage(browser, app.url, user);
  await watched.page.goto(`${app.url}/`);
  await watched.page.locator('[data-testid=open-add-server]').click();
  return watched;
}

void t.test('the Add-server dialog\'s install command', async (t) => {
  if (!uiTestCanRun(t)) return;
  const app = await startAppliance(t);
  const browser = await launchChromium(t);

  await t.test('an admin sees the pinned command with a copy button', async (t) => {
    const { page, pageErrors, cspViolations } = await addServerDialog(browser, app);
    const dialog = page.locator('[data-testid=add-server-dialog]');
    await dialog.locator('[data-testid=install-command]').waitFor({ timeout: 15_000 });
    const { installCommand, pin } = await app.api<{ installCommand: string; pin: string }>('/api/v1/enrollment');
    t.equal(await dialog.locator('[data-testid=install-command]').textContent(), installCommand);
    t.match(installCommand, `--pinnedpubkey '${pin}'`);
    t.ok(await dialog.locator('[data-testid=install-copy]').isVisible(), 'a copy button');
    await page.screenshot({ path: path.join(ARTIFACTS, 'add-server-install.png') });
    t.same(pageErrors, []);
    t.same(cspViolations, []);
  });

  await t.test('a viewer is offered no Add server at all, and the API refuses it the token', async (t) => {
    const password = 'a long enough viewer password';
    await app.api('/api/v1/users', { username: 'vera', password, role: 'viewer' });
    const { page } = await signedInPage(browser, app.url, { username: 'vera', password });
    await page.goto(`${app.url}/`);
    await page.locator('[data-testid=user-menu], header').first().waitFor({ timeout: 15_000 });
    await page.getByText('vera').first().waitFor({ timeout: 15_000 });
    t.equal(await page.locator('[data-testid=open-add-server]').count(), 0, 'no Add server button');
    const web = new WebSession(app.url);
    t.equal((await web.login('vera', password)).status, 200);
    t.equal((await web.request('GET', '/api/v1/enrollment')).status, 403, 'no token for a viewer');
  });
});
