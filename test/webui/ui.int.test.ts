// The web UI end to end (S9, S3, Korean/English): the REAL built appliance and a real agent
// (test/helpers/appliance-harness.ts) serve the built UI, and Debian's headless Chromium drives it
// through playwright-core. Never a downloaded browser: the executable is the system's.
// Screenshots for a person to look at go to test-artifacts/.
import t from 'tap';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import type { AgentSummary } from '../../contract/api.js';
import { startAgent, startAppliance, waitFor } from '../helpers/appliance-harness.js';
import { ARTIFACTS, launchChromium, signedInPage, uiTestCanRun } from '../helpers/chromium.js';

/** The number a chart reports for its drawn time points (0 while it has none). */
async function chartPoints(page: Page, agentId: string, chart: string): Promise<number> {
  const v = await page.locator(`[data-testid=server-panel][data-agent-id="${agentId}"] [data-testid=${chart}]`).getAttribute('data-points');
  return Number(v ?? 0);
}

void t.test('the dashboard lists a live agent, charts it, speaks Korean, and shows an outage', async (t) => {
  if (!uiTestCanRun(t)) return;

  const app = await startAppliance(t);
  const agentProc = startAgent(t, app, { interval: 1 });
  // the agent reports the machine's host name: that is what the list must show
  const hostname = os.hostname();
  const agent = await waitFor('the agent enrolled and online', async () => {
    const list = await app.api<AgentSummary[]>('/api/v1/agents');
    return list.find((a) => a.hostname === hostname && a.status === 'online');
  }, { timeoutMs: 30_000 });

  const browser = await launchChromium(t);
  const { page, pageErrors, cspViolations } = await signedInPage(browser, app.url);

  await page.goto(`${app.url}/`);
  const row = page.locator(`[data-testid=server-row][data-agent-id="${agent.id}"]`);
  await row.waitFor({ timeout: 15_000 });
  t.equal(await row.locator('[data-testid=host-name]').textContent(), hostname, 'the server is listed by host name');
  await page.waitForSelector(`[data-testid=server-row][data-agent-id="${agent.id}"][data-status=online]`);
  t.equal(await row.locator('[data-testid=status-badge]').textContent(), 'Online', 'with an online badge');
  await page.waitForFunction(
    (id) => document.querySelector(`[data-testid=server-row][data-agent-id="${id}"] [data-testid=cpu-pct]`)?.getAttribute('data-value') !== '',
    agent.id,
    { timeout: 15_000 },
  );
  t.pass('the list shows a CPU figure');

  // a newly enrolled agent appears without a reload (the stream's `agent` event)
  const second = startAgent(t, app, { interval: 1 });
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=server-row]').length === 2, undefined, { timeout: 30_000 });
  t.pass('a second agent appears in the list live');
  await second.stop();

  // open the server: live charts seed from the series API, then grow with stream samples
  await row.locator('button').click();
  await page.waitForFunction(
    (id) => Number(document.querySelector(`[data-testid=server-panel][data-agent-id="${id}"] [data-testid=chart-cpu]`)?.getAttribute('data-points')) > 1,
    agent.id,
    { timeout: 20_000 },
  );
  const panel = page.locator(`[data-testid=server-panel][data-agent-id="${agent.id}"]`);
  t.equal(await panel.locator('[data-testid=chart-cpu] canvas').count(), 1, 'uPlot drew the CPU chart on a canvas');
  const before = await chartPoints(page, agent.id, 'chart-cpu');
  t.ok(before > 1, `the CPU chart has ${before} points`);
  await waitFor('the memory chart filled', async () => (await chartPoints(page, agent.id, 'chart-memory')) > 1);
  await waitFor('a new live sample appended', async () => (await chartPoints(page, agent.id, 'chart-cpu')) > before, { timeoutMs: 15_000 });
  t.pass('live samples extend the chart');
  t.ok((await panel.locator('[data-testid=fs-row]').count()) > 0, 'the filesystem table lists the agent\'s filesystems');
  t.match(page.url(), new RegExp(`#open=${agent.id}`), 'the open server is in the URL');

  // a stored range comes from the series API; the panel must finish loading without an error
  await panel.locator('[data-testid=range-1h]').click();
  await panel.locator('[data-testid=panel-loading]').waitFor({ state: 'detached', timeout: 15_000 });
  t.equal(await panel.locator('[data-testid=series-error]').count(), 0, 'the 1 h range loads');
  // the chart is drawn in the render after the data arrives: on a loaded machine, a moment later
  await waitFor('the stored history drawn', async () => (await chartPoints(page, agent.id, 'chart-cpu')) > 0, { timeoutMs: 10_000 });
  t.pass('and draws the stored history');
  await panel.locator('[data-testid=range-live]').click();
  await waitFor('live again', async () => (await chartPoints(page, agent.id, 'chart-cpu')) > 1);
  await page.screenshot({ path: path.join(ARTIFACTS, 'webui-dashboard.png'), fullPage: true });

  // Korean: switched in the header, applied everywhere, remembered across a reload
  await page.locator('[data-testid=lang-ko]').click();
  t.equal(await page.locator('#server-list-title').textContent(), '서버', 'the list title is Korean');
  t.equal(await row.locator('[data-testid=status-badge]').textContent(), '온라인', 'so is the status');
  t.equal(await panel.locator('[data-testid=chart-memory] .chart-title').textContent(), '메모리', 'and the chart titles');
  t.equal(await page.evaluate(() => document.documentElement.lang), 'ko', 'the page declares its language (screen readers, fonts)');
  await page.reload();
  await page.locator('#server-list-title').waitFor();
  t.equal(await page.locator('#server-list-title').textContent(), '서버', 'the choice survives a reload');
  await page.waitForFunction(
    (id) => Number(document.querySelector(`[data-testid=server-panel][data-agent-id="${id}"] [data-testid=chart-cpu]`)?.getAttribute('data-points')) > 1,
    agent.id,
    { timeout: 20_000 },
  );
  t.pass('and so does the open panel');
  await page.waitForFunction(
    (id) => document.querySelector(`[data-testid=server-row][data-agent-id="${id}"] [data-testid=cpu-pct]`)?.getAttribute('data-value') !== '',
    agent.id,
    { timeout: 15_000 },
  );
  await page.screenshot({ path: path.join(ARTIFACTS, 'webui-dashboard-ko.png'), fullPage: true });

  // a browser set to Korean starts in Korean without being told
  const koContext = await browser.newContext({ locale: 'ko-KR' });
  await koContext.addCookies(await page.context().cookies(app.url));
  const koPage = await koContext.newPage();
  await koPage.goto(`${app.url}/`);
  await koPage.locator('[data-testid=server-row]').first().waitFor();
  t.equal(await koPage.locator('#server-list-title').textContent(), '서버', 'navigator.language ko-KR → Korean');
  await koContext.close();

  // status changes arrive live: a stopped agent turns offline without a reload
  await agentProc.stop();
  await page.waitForSelector(`[data-testid=server-row][data-agent-id="${agent.id}"][data-status=offline]`, { timeout: 20_000 });
  t.equal(await row.locator('[data-testid=status-badge]').textContent(), '오프라인', 'the stopped agent is shown offline');

  // and a lost appliance is said out loud
  await app.stop();
  await page.locator('[data-testid=stream-banner]').waitFor({ timeout: 20_000 });
  t.pass('losing the appliance shows the reconnecting banner');
  await page.screenshot({ path: path.join(ARTIFACTS, 'webui-appliance-lost.png') });

  t.same(pageErrors, [], 'no script errors on the page');
  t.same(cspViolations, [], 'nothing the Content-Security-Policy refuses');
});
