// The Statistics screen's day, week, month and year graphs (S10) end to end: the REAL built
// appliance, two agents publishing half an hour of cpu samples over MQTT, Debian's headless
// Chromium. After "Show", four graphs draw one line per server; the day and week graphs hold
// exactly the points the series API gives for those periods (bucket averages), and each says which row width
// (AVERAGE archive) answered; another field can be chosen. Screenshot kept.
import t from 'tap';
import path from 'node:path';
import type { SeriesResponse } from '../../contract/api.js';
import type { StatsResponse } from '../../contract/stats-api.js';
import { startAppliance, waitFor } from '../helpers/appliance-harness.js';
import { ARTIFACTS, launchChromium, signedInPage, uiTestCanRun } from '../helpers/chromium.js';
import { connectAgent, enroll, publishMetrics } from '../helpers/mqtt-agent.js';

/** the graphs' points per line (webui/src/components/period-graphs.tsx) */
const GRAPH_POINTS = 400;

const STEP = 60;
const MINUTES = 30;

void t.test('the period graphs of the Statistics screen', async (t) => {
  if (!uiTestCanRun(t)) return;
  const app = await startAppliance(t);
  const end = Math.floor(Date.now() / 1000 / STEP) * STEP - STEP;
  const ids: string[] = [];
  for (const [n, host] of ['web-1', 'web-2'].entries()) {
    const id = await enroll(app, host);
    ids.push(id.agentId);
    const client = await connectAgent(t, app, id);
    const s = Array.from({ length: MINUTES }, (_, m) => ({
      t: end - (MINUTES - 1 - m) * STEP, f: 'cpu' as const, v: { user: n * MINUTES + m + 1, system: 2, iowait: 0, steal: 0, idle: 50 },
    }));
    await publishMetrics(client, id.agentId, { v: 1, i: STEP, s });
  }
  await waitFor('the samples stored', async () => {
    const s = await app.api<StatsResponse>(`/api/v1/stats?agents=${ids.join(',')}&family=cpu&from=${end - 3600}&to=${end}`);
    return s.servers.every((x) => x.fields[0]?.availability !== 0) || undefined;
  }, { timeoutMs: 20_000 });

  const browser = await launchChromium(t);
  const { page, pageErrors, cspViolations } = await signedInPage(browser, app.url);
  await page.setViewportSize({ width: 1400, height: 1000 });
  await page.goto(`${app.url}/#view=stats`);
  await page.getByTestId('stats-server-web-1').check();
  await page.getByTestId('stats-server-web-2').check();
  await page.getByTestId('stats-show').click();
  const graphs = page.getByTestId('stats-graphs');
  await graphs.waitFor({ timeout: 15_000 });

  const points = async (period: string): Promise<number> => Number(await page.getByTestId(`stats-chart-${period}`).getAttribute('data-points'));
  for (const period of ['day', 'week'] as const) {
    await waitFor(`the ${period} graph drawn`, async () => (await points(period)) > 0 || undefined, { timeoutMs: 15_000 });
    // the same read the graph made, for one server: its points are the graph's (both servers share the minutes)
    const span = period === 'day' ? 86_400 : 7 * 86_400;
    const now = Math.floor(Date.now() / 1000);
    const r = await app.api<SeriesResponse>(`/api/v1/agents/${ids[0]}/series?family=cpu&from=${now - span}&to=${now}&points=${GRAPH_POINTS}`);
    const withData = r.data[0].filter((_, i) => r.data.slice(1).some((c) => c[i] !== null)).length;
    t.equal(await points(period), withData, `${period}: the API's ${withData} points`);
    t.ok(withData > 0 && withData <= MINUTES, `${period}: the half hour, in buckets of the period's ${GRAPH_POINTS} points`);
    t.equal(await page.getByTestId(`stats-graph-${period}`).getAttribute('data-step'), String(r.step), `${period}: the row width that answered`);
  }
  t.equal(await graphs.locator('.chart').count(), 4, 'day, week, month, year');
  t.match(await page.getByTestId('stats-graph-week').getByTestId('stats-graph-step').textContent(), /^One point per \d+ (s|min|h)/, 'the caption says the row width');
  t.same(await page.getByTestId('stats-chart-day').locator('[data-testid=legend-row]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-series') ?? '')), ['web-1', 'web-2'], 'a line per server');

  await page.getByTestId('stats-graph-field').selectOption('system');
  await waitFor('the system graph', async () => /system/.test(await page.getByTestId('stats-chart-day').locator('figcaption').textContent() ?? '') || undefined);
  // the month's 5-minute rows hold the half hour too; every graph redrawn for the new field
  for (const period of ['day', 'week', 'month'] as const) {
    await waitFor(`the ${period} graph of system`, async () => (await points(period)) > 0 || undefined, { timeoutMs: 20_000 });
  }
  await page.screenshot({ path: path.join(ARTIFACTS, 'stats-period-graphs.png'), fullPage: true });
  t.same(pageErrors, []);
  t.same(cspViolations, []);
});
