// SEC: the Add-server dialog shows an admin the install command of GET /api/v1/enrollment (the
// token and the appliance's key pin) with a copy button; a viewer, whom the appliance refuses the
// token, is told an admin can show it. Real appliance, real Chromium; the sessions are made with
// the API (WebSession) and handed to the browser as cookies.
import t from 'tap';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startAppliance, type RunningAppliance } from '../helpers/appliance-harness.js';
import { ARTIFACTS, launchChromium, uiTestCanRun, watchedPage } from '../helpers/chromium.js';
import { TEST_ADMIN, WebSession } from '../helpers/web-session.js';

async function signedInPage(browser: Browser, app: RunningAppliance, username: string, password: string): Promise<{ page: Page; pageErrors: string[]; cspViolations: string[] }> {
  const web = new WebSession(app.url);
  const res = await web.login(username, password);
  if (res.status !== 200) throw new Error(`sign-in as ${username}: HTTP ${res.status}`);
  const watched = await watchedPage(browser);
  await watched.page.context().addCookies([...web.cookies].map(([name, value]) => ({ name, value, url: app.url })));
  await watched.page.goto(`${app.url}/`);
  await watched.page.locator('[data-testid=open-add-server]').click();
  return watched;
}

void t.test('the Add-server dialog\'s install command', async (t) => {
  if (!uiTestCanRun(t)) return;
  const app = await startAppliance(t);
  const browser = await launchChromium(t);

  await t.test('an admin sees the pinned command with a copy button', async (t) => {
    const { page, pageErrors, cspViolations } = await signedInPage(browser, app, TEST_ADMIN.username, TEST_ADMIN.password);
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

  await t.test('a viewer is told that an admin can show it', async (t) => {
    const password = 'a long enough viewer password';
    await app.api('/api/v1/users', { username: 'vera', password, role: 'viewer' });
    const { page } = await signedInPage(browser, app, 'vera', password);
    const dialog = page.locator('[data-testid=add-server-dialog]');
    await dialog.locator('[data-testid=install-admin-only]').waitFor({ timeout: 15_000 });
    t.equal(await dialog.locator('[data-testid=install-command]').count(), 0, 'no command, no token');
  });
});
