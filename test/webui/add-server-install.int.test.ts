// SEC: the Add-server dialog shows an admin the install command of GET /api/v1/enrollment (the
// token and the appliance's key pin) with a copy button; a viewer, whom the appliance refuses the
// token, is offered no Add server at all. Real appliance, real Chromium; the sessions are made with
// the API (WebSession) and handed to the browser as cookies.
import t from 'tap';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { startAppliance, waitFor, type RunningAppliance } from '../helpers/appliance-harness.js';
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
  // the appliance makes its own token, so that an admin may rotate it here
  const app = await startAppliance(t, { enrollToken: null });
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

  await t.test('an admin sees the enrollment token and rotates it: the command shown holds the new one', async (t) => {
    const { page, pageErrors } = await addServerDialog(browser, app);
    const dialog = page.locator('[data-testid=add-server-dialog]');
    const token = dialog.locator('[data-testid=enroll-token]');
    await token.waitFor({ timeout: 15_000 });
    const before = await app.api<{ token: string }>('/api/v1/enrollment');
    t.equal(await token.textContent(), before.token, 'the token in force is shown');
    await dialog.locator('[data-testid=enroll-rotate]').click();
    await dialog.locator('[data-testid=enroll-rotated]').waitFor({ timeout: 15_000 });
    const after = await app.api<{ token: string; installCommand: string }>('/api/v1/enrollment');
    t.not(after.token, before.token, 'the appliance holds a new token');
    await waitFor('the new token shown', async () => (await token.textContent()) === after.token || undefined, { timeoutMs: 15_000 });
    t.equal(await dialog.locator('[data-testid=install-command]').textContent(), after.installCommand, 'the command shown holds it');
    await page.screenshot({ path: path.join(ARTIFACTS, 'add-server-token-rotated.png') });
    t.same(pageErrors, []);
  });

  await t.test('a pre-registered server\'s panel waits for its agent\'s first data instead of showing an error (English and Korean)', async (t) => {
    const server = await app.api<{ id: string }>('/api/v1/servers', { name: 'new-01', address: '192.0.2.7' });
    const { page, pageErrors } = await signedInPage(browser, app.url, TEST_ADMIN);
    await page.goto(`${app.url}/#open=${server.id}`);
    const panel = page.locator('[data-testid=server-panel]', { hasText: 'new-01' });
    const waiting = panel.locator('[data-testid=panel-awaiting-data]');
    await waiting.waitFor({ timeout: 15_000 });
    t.equal(await waiting.textContent(), 'Waiting for the agent\'s first data.');
    t.equal(await panel.locator('[data-testid=series-error]').count(), 0, 'no error banner');
    t.equal(await panel.locator('[role=alert]').count(), 0, 'nothing shown as a failure');
    await page.locator('[data-testid=lang-ko]').click();
    t.equal(await waiting.textContent(), '에이전트의 첫 데이터를 기다리는 중입니다.');
    await page.screenshot({ path: path.join(ARTIFACTS, 'panel-awaiting-first-data.png') });
    await page.locator('[data-testid=lang-en]').click();
    t.same(pageErrors, []);
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
