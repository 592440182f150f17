// S2: one server's schedule dialog shows what its agent really runs, and saving one collector
// keeps the others as they run. A REAL agent started with --interval 2 runs its collectors every
// 2 s before any configuration reaches it (the built-in defaults say 5 s); the REAL appliance and
// Debian's headless Chromium.
import t from 'tap';
import path from 'node:path';
import type { AgentSummary } from '../../contract/api.js';
import type { AgentConfigResponse } from '../../contract/fleet-api.js';
import { startAgent, startAppliance, waitFor } from '../helpers/appliance-harness.js';
import { ARTIFACTS, launchChromium, signedInPage, uiTestCanRun } from '../helpers/chromium.js';

void t.test('the schedule dialog shows the intervals the agent runs; one override keeps the rest', async (t) => {
  if (!uiTestCanRun(t)) return;
  const app = await startAppliance(t);
  startAgent(t, app, { interval: 2, hostname: 'sched-01' });
  const agentId = await waitFor('the agent listed', async () =>
    (await app.api<AgentSummary[]>('/api/v1/agents')).find((a) => a.hostname === 'sched-01')?.id, { timeoutMs: 30_000 });
  const config = (): Promise<AgentConfigResponse> => app.api<AgentConfigResponse>(`/api/v1/agents/${agentId}/config`);
  await waitFor('the agent reports what it runs', async () => (await config()).running?.cpu?.intervalS === 2 || undefined, { timeoutMs: 30_000 });

  const browser = await launchChromium(t);
  const { page, pageErrors } = await signedInPage(browser, app.url);
  await page.goto(`${app.url}/#open=${agentId}`);
  const openDialog = async (): Promise<ReturnType<typeof page.locator>> => {
    await page.locator('[data-testid=panel-schedule]').click();
    const dialog = page.locator('[data-testid=schedule-dialog]');
    await dialog.locator('[data-testid=interval-cpu]').waitFor({ timeout: 15_000 });
    return dialog;
  };
  let dialog = await openDialog();
  t.equal(await dialog.locator('[data-testid=interval-cpu]').inputValue(), '2', 'CPU: the 2 s the agent runs, not the built-in 5 s');
  t.equal(await dialog.locator('[data-testid=interval-fs]').inputValue(), '2', 'filesystems: the agent\'s --interval too');
  t.equal(await dialog.locator('[data-testid=interval-routes]').inputValue(), '300', 'routes: the agent\'s own period');
  await page.screenshot({ path: path.join(ARTIFACTS, 'schedule-running.png') });

  await dialog.locator('[data-testid=interval-tcp]').fill('10');
  await dialog.locator('[data-testid=schedule-save]').click();
  await dialog.locator('[data-testid=schedule-saved]').waitFor({ timeout: 15_000 });
  const after = await config();
  t.equal(after.effective.collectors.tcp?.intervalS, 10, 'the override is published');
  t.equal(after.effective.collectors.cpu?.intervalS, 2, 'CPU stays at 2 s in what is published');
  t.equal(after.effective.collectors.routes?.intervalS, 300);
  const running = await waitFor('the agent runs the new schedule', async () => {
    const r = (await config()).running;
    return r?.tcp?.intervalS === 10 ? r : undefined;
  }, { timeoutMs: 30_000 });
  t.equal(running.cpu?.intervalS, 2, 'the agent still samples CPU every 2 s');
  t.equal(running.memory?.intervalS, 2);
  t.equal(running.visitors?.intervalS, 30);

  await dialog.locator('[data-testid=dialog-close]').click();
  dialog = await openDialog();
  t.equal(await dialog.locator('[data-testid=interval-cpu]').inputValue(), '2', 'reopened: CPU 2 s');
  t.equal(await dialog.locator('[data-testid=interval-tcp]').inputValue(), '10', 'reopened: TCP 10 s');
  t.same(pageErrors, []);
});
