// S12: the noise report screen, opened from the Alerts view, counts the alert that just fired under
// its rule, says what dependencies and maintenance saved (nothing yet), and reads in Korean too.
// REAL appliance, REAL agent over MQTT, REAL Chromium.
import t from 'tap';
import path from 'node:path';
import type { AlertListResponse, Rule } from '../../contract/alerts-api.js';
import { startAppliance, waitFor } from '../helpers/appliance-harness.js';
import { ARTIFACTS, launchChromium, signedInPage, uiTestCanRun } from '../helpers/chromium.js';
import { connectAgent, enroll, publishMetrics, sampleBatch } from '../helpers/mqtt-agent.js';
import { cpuRule } from '../helpers/alerting-helpers.js';

void t.test('the noise report screen counts a fired alert under its rule, in English and Korean', async (t) => {
  if (!uiTestCanRun(t)) return;
  const app = await startAppliance(t);
  const web = await enroll(app, 'web-31');
  const agent = await connectAgent(t, app, web);
  await app.api<Rule>('/api/v1/rules', cpuRule(web.agentId, 0, 'CPU web-31'));
  // a busy sample each look, until one is judged (the rule fires on the first breach: forS 0)
  await waitFor('the alert', async () => {
    await publishMetrics(agent, web.agentId, sampleBatch(Math.floor(Date.now() / 1000), 1, 95.5));
    return (await app.api<AlertListResponse>('/api/v1/alerts?state=firing')).alerts.some((a) => a.ruleName === 'CPU web-31');
  }, { timeoutMs: 60_000 });

  const browser = await launchChromium(t);
  const { page, pageErrors } = await signedInPage(browser, app.url);
  await page.goto(`${app.url}/#view=alerts`);
  await page.getByTestId('open-noise').click();
  const row = page.getByTestId('noise-rule-row').filter({ hasText: 'CPU web-31' });
  await row.waitFor({ timeout: 15_000 });
  t.match(await row.textContent(), /CPU web-31\s*1\s*0/, 'the rule, fired once, cancelled never');
  t.match(await page.getByTestId('noise-saved-dependency').textContent(), /0 SMS/, 'nothing saved by dependencies yet');
  t.ok(await page.getByTestId('noise-flappy-rules-empty').isVisible(), 'no flapping rule: the alert is still firing');
  await page.screenshot({ path: path.join(ARTIFACTS, 'noise-report.png') });

  await page.getByTestId('lang-ko').click();
  await page.getByRole('heading', { name: '알림 소음 보고서' }).waitFor({ timeout: 10_000 });
  t.match(await page.getByTestId('noise-saved-maintenance').textContent(), /SMS 0건/, 'in Korean');
  t.same(pageErrors, []);
});
