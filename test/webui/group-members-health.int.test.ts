// S8: a group's "Servers by health" table follows its members when they are saved: the table
// asks again at once instead of saying "No server matches" until its next 30 s refresh. REAL
// appliance, REAL Chromium.
import t from 'tap';
import path from 'node:path';
import { startAppliance } from '../helpers/appliance-harness.js';
import { ARTIFACTS, launchChromium, signedInPage, uiTestCanRun } from '../helpers/chromium.js';
import { enroll } from '../helpers/mqtt-agent.js';

void t.test('saving a group\'s members updates its Servers by health table at once', async (t) => {
  if (!uiTestCanRun(t)) return;
  const app = await startAppliance(t);
  const web = await enroll(app, 'web-07');
  const browser = await launchChromium(t);
  const { page, pageErrors } = await signedInPage(browser, app.url);
  await page.goto(`${app.url}/#view=groups`);
  await page.locator('[data-testid=group-new-name]').fill('edge');
  await page.locator('[data-testid=group-create]').click();
  const editor = page.locator('[data-testid=group-editor]');
  await editor.waitFor({ timeout: 15_000 });
  const table = page.locator('[data-testid=server-table]');
  await table.getByText('No server matches').waitFor({ timeout: 15_000 });

  await editor.locator(`[data-testid=member-check][data-agent-id="${web.agentId}"]`).check();
  await editor.locator('[data-testid=group-save]').click();
  // well inside the table's 30 s refresh: only an update on save passes
  await table.locator(`[data-testid=health-row][data-agent-id="${web.agentId}"]`).waitFor({ timeout: 5_000 });
  t.equal(await table.locator('[data-testid=health-row]').count(), 1, 'the new member is listed');
  await page.screenshot({ path: path.join(ARTIFACTS, 'group-members-health.png') });

  await editor.locator(`[data-testid=member-check][data-agent-id="${web.agentId}"]`).uncheck();
  await editor.locator('[data-testid=group-save]').click();
  await table.getByText('No server matches').waitFor({ timeout: 5_000 });
  t.equal(await table.locator('[data-testid=health-row]').count(), 0, 'and gone when removed');
  t.same(pageErrors, []);
});
