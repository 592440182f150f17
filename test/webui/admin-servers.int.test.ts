// S4 in the browser: an admin opens the Servers screen, renames a server (the new name in the
// admin list and in the dashboard's server list, with the host name still beside it), moves it
// from one group to another, removes another, and reads the retention profile and capacity; the
// screen in Korean too. Real appliance (SQLite, rrdcached), real Chromium; screenshots kept.
import t from 'tap';
import path from 'node:path';
import type { AgentDetail, AgentSummary } from '../../contract/api.js';
import type { GroupView } from '../../contract/alerts-api.js';
import type { RetentionResponse } from '../../contract/retention-api.js';
import { startAppliance, waitFor } from '../helpers/appliance-harness.js';
import { ARTIFACTS, launchChromium, signedInPage, uiTestCanRun } from '../helpers/chromium.js';

void t.test('the admin Servers screen', async (t) => {
  if (!uiTestCanRun(t)) return;
  const app = await startAppliance(t);
  const browser = await launchChromium(t);
  const web = await app.api<AgentDetail>('/api/v1/servers', { name: 'web-01', address: '192.0.2.10' });
  const db = await app.api<AgentDetail>('/api/v1/servers', { name: 'db-01', address: '192.0.2.20' });
  const rackA = await app.api<GroupView>('/api/v1/groups', { name: 'Rack A', memberIds: [web.id] });
  const rackB = await app.api<GroupView>('/api/v1/groups', { name: 'Rack B' });

  const { page, pageErrors, cspViolations } = await signedInPage(browser, app.url);
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(`${app.url}/#view=servers`);
  const row = (hostname: string): ReturnType<typeof page.locator> => page.locator(`[data-testid=admin-server-row][data-hostname="${hostname}"]`);
  await row('web-01').waitFor({ timeout: 15_000 });

  await t.test('rename a server: the new name in the list, the host name kept', async (t) => {
    await row('web-01').locator('[data-testid=admin-rename]').click();
    const dialog = page.locator('[data-testid=rename-dialog]');
    await dialog.locator('[data-testid=rename-input]').fill('Front web');
    await dialog.locator('[data-testid=rename-save]').click();
    await waitFor('the new name in the admin list', async () => (await row('web-01').locator('[data-testid=admin-server-name]').textContent()) === 'Front web' || undefined);
    t.equal(await dialog.count(), 0, 'the dialog closed');
    t.match(await row('web-01').textContent(), /web-01/, 'the host name is still shown');
    t.equal((await app.api<AgentSummary[]>('/api/v1/agents')).find((a) => a.id === web.id)?.displayName, 'Front web', 'the appliance holds it');
    await page.screenshot({ path: path.join(ARTIFACTS, 'admin-servers-renamed.png') });
  });

  await t.test('move it from Rack A to Rack B', async (t) => {
    t.equal(await row('web-01').locator('[data-testid=admin-server-groups]').textContent(), 'Rack A');
    await row('web-01').locator('[data-testid=admin-groups]').click();
    const dialog = page.locator('[data-testid=groups-dialog]');
    await dialog.locator(`[data-testid=group-choice-${rackA.id}]`).uncheck();
    await dialog.locator(`[data-testid=group-choice-${rackB.id}]`).check();
    await dialog.locator('[data-testid=groups-save]').click();
    await waitFor('Rack B shown', async () => (await row('web-01').locator('[data-testid=admin-server-groups]').textContent()) === 'Rack B' || undefined);
    const groups = await app.api<GroupView[]>('/api/v1/groups');
    t.same(groups.find((g) => g.id === rackA.id)?.memberIds, []);
    t.same(groups.find((g) => g.id === rackB.id)?.memberIds, [web.id]);
  });

  await t.test('remove a server', async (t) => {
    // the confirmation is accepted by watchedPage (test/helpers/chromium.ts)
    await row('db-01').locator('[data-testid=admin-remove]').click();
    await row('db-01').waitFor({ state: 'detached', timeout: 15_000 });
    t.notOk((await app.api<AgentSummary[]>('/api/v1/agents')).some((a) => a.id === db.id), 'gone from the appliance');
  });

  await t.test('the retention profile and the capacity; links to the other admin screens', async (t) => {
    const retention = page.locator('[data-testid=retention]');
    await retention.locator('[data-testid=retention-archives] li').first().waitFor({ timeout: 15_000 });
    t.match(await retention.locator('[data-testid=retention-profile]').textContent(), /default/);
    t.equal(await retention.locator('[data-testid=retention-archives] li').count(), 4, 'raw, 1 min, 5 min, 1 h');
    t.match(await retention.locator('[data-testid=retention-how]').textContent(), /Preview it first/);
    for (const v of ['groups', 'rules', 'contacts', 'users', 'audit', 'federation']) t.equal(await page.locator(`[data-testid=admin-link-${v}]`).count(), 1, v);
    await page.locator('[data-testid=admin-link-enroll]').click();
    await page.locator('[data-testid=add-server-dialog] [data-testid=install-command]').waitFor({ timeout: 15_000 });
    const { installCommand } = await app.api<{ installCommand: string }>('/api/v1/enrollment');
    t.equal(await page.locator('[data-testid=install-command]').textContent(), installCommand, 'the working install command, with the token');
    await page.locator('[data-testid=add-server-dialog] [data-testid=dialog-close]').click();

    // a change of profile: the preview says what is dropped, then the files are rewritten (S4)
    t.ok(await retention.locator('[data-testid=retention-apply]').isDisabled(), 'no change before a preview');
    await retention.locator('[data-testid=retention-to]').selectOption('bench');
    await retention.locator('[data-testid=retention-preview]').click();
    const preview = retention.locator('[data-testid=retention-preview-text]');
    await preview.waitFor({ timeout: 15_000 });
    t.match(await preview.textContent(), /History older than 6 h(ours)? is dropped/);
    await retention.locator('[data-testid=retention-apply]').click();
    await retention.locator('[data-testid=retention-change-status][data-state=done]').waitFor({ timeout: 30_000 });
    t.match(await retention.locator('[data-testid=retention-change-status]').textContent(), /Changed from default to bench/);
    t.match(await retention.locator('[data-testid=retention-profile]').textContent(), /bench/, 'the profile shown is the new one');
    t.equal((await app.api<RetentionResponse>('/api/v1/retention')).profile, 'bench');
    await page.screenshot({ path: path.join(ARTIFACTS, 'admin-servers.png'), fullPage: true });
  });

  await t.test('the dashboard lists the server by its new name, the host name beside it', async (t) => {
    await page.locator('[data-testid=nav-dashboard]').click();
    const host = page.locator('[data-testid=host-name]', { hasText: 'Front web' });
    await host.waitFor({ timeout: 15_000 });
    t.equal(await page.locator('[data-testid=host-hostname]', { hasText: 'web-01' }).count(), 1);
  });

  await t.test('in Korean', async (t) => {
    await page.locator('[data-testid=lang-ko]').click();
    await page.locator('[data-testid=nav-servers]').click();
    await page.locator('[data-testid=servers-admin]').waitFor();
    t.match(await page.locator('[data-testid=nav-servers]').textContent(), /서버 관리/);
    t.match(await page.locator('[data-testid=retention-how]').textContent(), /미리 보기/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'admin-servers-ko.png'), fullPage: true });
  });

  t.same(pageErrors, []);
  t.same(cspViolations, []);
});
