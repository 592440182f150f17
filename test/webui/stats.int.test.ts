// The Statistics screen end to end (S10, B5): the REAL built appliance serves the built UI to
// Debian's headless Chromium. Two enrolled agents publish half an hour of cpu samples with known
// values over MQTT; a user opens Statistics from the navigation, chooses both servers, sees one
// table per field whose figures are the API's, exports the CSV (its numbers are the API's for the
// same period), prints the page to PDF (the printed page has no navigation; the PDF is a real,
// non-empty one), saves the selection as a report, and reads the screen in Korean.
import t from 'tap';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { StatsResponse } from '../../contract/stats-api.js';
import { startAppliance, waitFor } from '../helpers/appliance-harness.js';
import { ARTIFACTS, launchChromium, signedInPage, uiTestCanRun } from '../helpers/chromium.js';
import { connectAgent, enroll, publishMetrics } from '../helpers/mqtt-agent.js';

const STEP = 60;
const MINUTES = 30;

void t.test('the Statistics screen: choose servers, read the tables, export CSV, print to PDF', async (t) => {
  if (!uiTestCanRun(t)) return;
  const app = await startAppliance(t);
  // half an hour up to the last whole minute: web-1's user CPU is 1…30 %, web-2's 31…60 %
  const end = Math.floor(Date.now() / 1000 / STEP) * STEP - STEP;
  const ids: Record<string, string> = {};
  for (const [n, host] of ['web-1', 'web-2'].entries()) {
    const id = await enroll(app, host);
    ids[host] = id.agentId;
    const client = await connectAgent(t, app, id);
    const s = Array.from({ length: MINUTES }, (_, m) => ({
      t: end - (MINUTES - 1 - m) * STEP, f: 'cpu' as const, v: { user: n * MINUTES + m + 1, system: 2, iowait: 0, steal: 0, idle: 50 },
    }));
    await publishMetrics(client, id.agentId, { v: 1, i: STEP, s });
  }
  const apiStats = (q: string): Promise<StatsResponse> => app.api<StatsResponse>(`/api/v1/stats?${q}`);
  // the samples are stored once the API reads them back
  await waitFor('the samples stored', async () => {
    const s = await apiStats(`agents=${ids['web-1']},${ids['web-2']}&family=cpu&from=${end - 3600}&to=${end}`);
    return s.servers.every((x) => x.fields[0]?.availability !== 0 && x.fields[0]?.max === (x.hostname === 'web-1' ? MINUTES : 2 * MINUTES));
  }, { timeoutMs: 20_000 });

  const browser = await launchChromium(t);
  const { page, pageErrors, cspViolations } = await signedInPage(browser, app.url);
  await page.goto(app.url);
  await page.getByTestId('nav-stats').click();
  await page.getByTestId('stats-view').waitFor();
  t.equal(await page.getByTestId('stats-show').isDisabled(), true, 'nothing to show before a server is chosen');
  await page.getByTestId('stats-server-web-1').check();
  await page.getByTestId('stats-server-web-2').check();
  await page.getByTestId('stats-show').click();
  await page.getByTestId('stats-table-user').waitFor();
  t.same(await page.getByTestId('stats-results').locator('section.stats-table h3').allTextContents(),
    ['cpu · user', 'cpu · system', 'cpu · iowait', 'cpu · steal', 'cpu · idle'], 'a table per field');

  // the CSV: its period is the one the screen asked for; its numbers are the API's for it
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('stats-csv').click()]);
  t.match(download.suggestedFilename(), /^rackwatch-stats-cpu-\d{8}\.csv$/);
  const csv = (await readFile(await download.path())).toString('utf8');
  const [header, ...rows] = csv.trimEnd().split('\r\n');
  const cols = (header ?? '').split(',');
  const cell = (row: string[], name: string): string => row[cols.indexOf(name)] ?? '';
  const parsed = rows.map((r) => r.split(','));
  t.equal(parsed.length, 10, 'two servers × five fields');
  const from = Number(cell(parsed[0] ?? [], 'from'));
  const to = Number(cell(parsed[0] ?? [], 'to'));
  t.equal(to - from, 86_400, 'the last day');
  const api = await apiStats(`agents=${ids['web-1']},${ids['web-2']}&family=cpu&from=${from}&to=${to}`);
  for (const row of parsed) {
    const f = api.servers.find((s) => s.agentId === cell(row, 'agent_id'))?.fields.find((x) => x.field === cell(row, 'field'));
    for (const name of ['min', 'avg', 'max', 'p95', 'p99'] as const) {
      const want = f?.[name];
      t.equal(cell(row, name), want === null || want === undefined ? '' : want.toFixed(3), `${cell(row, 'hostname')} ${cell(row, 'field')} ${name}`);
    }
    t.equal(cell(row, 'availability'), f?.availability.toFixed(4));
  }
  const web1 = api.servers.find((s) => s.hostname === 'web-1')?.fields.find((x) => x.field === 'user');
  t.match(web1, { min: 1, max: MINUTES, avg: (MINUTES + 1) / 2 }, 'the API: web-1 user 1…30 %');

  // what the screen shows is the same figures
  const row = page.getByTestId(`stats-row-user-${ids['web-2']}`);
  t.equal(await row.locator('th').textContent(), 'web-2');
  t.equal(await row.locator('[data-col=min]').textContent(), '31%');
  t.equal(await row.locator('[data-col=max]').textContent(), '60%');
  t.equal(await row.locator('[data-col=avg]').textContent(), '45.5%');
  t.match(await page.getByTestId('stats-sources').textContent(), /web-1: average, p95, p99, availability from AVERAGE/, 'which archive the figures came from');

  // printed: no navigation, the tables; Chromium's PDF printer makes a real PDF of it
  await page.emulateMedia({ media: 'print' });
  t.equal(await page.getByTestId('nav-tabs').isVisible(), false, 'no navigation on paper');
  t.equal(await page.getByTestId('stats-controls').isVisible(), false, 'no controls on paper');
  t.equal(await page.getByTestId('stats-table-user').isVisible(), true, 'the tables are printed');
  const pdf = await page.pdf({ format: 'A4' });
  t.ok(pdf.length > 2000, `a non-empty PDF (${pdf.length} bytes)`);
  t.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-');
  await page.emulateMedia({ media: 'screen' });
  t.equal(await page.getByTestId('nav-tabs').isVisible(), true, 'the navigation is back on screen');

  // the selection saved as a report: listed, with no run yet
  await page.getByTestId('report-name').fill('Web CPU');
  await page.getByTestId('report-save').click();
  await page.getByTestId('report-Web CPU').waitFor();
  t.match(await page.getByTestId('report-Web CPU').textContent(), /Not produced yet/);

  // Korean
  await page.getByTestId('lang-ko').click();
  t.equal(await page.getByTestId('nav-stats').textContent(), '통계');
  t.match(await page.getByTestId('stats-sources').textContent(), /수치의 출처/);
  await page.screenshot({ path: path.join(ARTIFACTS, 'stats.png'), fullPage: true });
  t.same(pageErrors, [], 'no page errors');
  t.same(cspViolations, [], 'nothing refused by the CSP');
});
