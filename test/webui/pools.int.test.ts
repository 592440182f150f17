// The Pools screen (B6) end to end: the appliance in-process (so that the test can write the
// `weblog` family only the appliance writes, S11, through its RRD store), three servers' log
// sources in one pool with ten minutes of traffic in RRD, web-3 taking three times the others'
// share; Debian's headless Chromium. The screen lists the three members by host name with their
// requests/s and shares, flags web-3 (and only it) with why, draws the three members on one chart
// and switches it to the 5xx rate; in Korean too. The Web logs screen of a server, on an appliance
// without the sources' routes, says the analysis is not available instead of failing.
import t from 'tap';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Appliance } from '../../appliance/appliance.js';
import { applianceConfigSchema } from '../../appliance/config.js';
import { SETUP_CODE_FILE } from '../../appliance/accounts/setup-code.js';
import { openDatabase } from '../../appliance/db/database.js';
import type { SessionResponse } from '../../contract/accounts-api.js';
import type { AgentDetail } from '../../contract/api.js';
import type { WeblogPool } from '../../contract/weblog-api.js';
import { silentLogger } from '../../core/logger.js';
import { ARTIFACTS, launchChromium, signedInPage, uiTestCanRun } from '../helpers/chromium.js';
import { distDir } from '../helpers/paths.js';
import { tempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/appliance-harness.js';
import { insertSource, STEP_S, writeLoad } from '../appliance/weblog/pool-fixture.js';

const ADMIN = { username: 'admin', password: 'pool-screen-password-1' };
const SERVERS = [['web-1', 's1', 100], ['web-2', 's2', 100], ['web-3', 's3', 300]] as const;

void t.test('the pool screen shows its three members and flags the skewed one', async (t) => {
  if (!uiTestCanRun(t)) return;
  const dataDir = tempDir(t, 'rw-pools-');
  const config = applianceConfigSchema.parse({ dataDir, httpPort: 0, httpsPort: 0, httpPlain: 'serve', mqttPort: 0, mqttsPort: 0, listen: '127.0.0.1', modem: 'sim' });
  const appliance = new Appliance({ config, logger: silentLogger, webuiDir: path.join(distDir, 'webui'), simulatorModule: pathToFileURL(path.join(distDir, 'modem-sim.js')) });
  t.teardown(() => appliance.stop());
  const { httpPort } = await appliance.start();
  const app = appliance.httpApp;
  const store = appliance.rrdStore;
  if (!app || !store) throw new Error('the appliance did not start');
  const first = await app.inject({ method: 'GET', url: '/api/v1/auth/session' });
  const setup = await app.inject({
    method: 'POST', url: '/api/v1/auth/setup', cookies: Object.fromEntries(first.cookies.map((c) => [c.name, c.value])),
    headers: { 'x-csrf-token': first.json<SessionResponse>().csrfToken },
    payload: { code: readFileSync(path.join(dataDir, SETUP_CODE_FILE), 'utf8').trim(), ...ADMIN },
  });
  t.equal(setup.statusCode, 201, 'the first admin');
  const url = `http://127.0.0.1:${httpPort}`;

  // the pool and the servers through the API; the sources (S11's route) straight into the database
  const browser = await launchChromium(t);
  const { page, pageErrors, cspViolations } = await signedInPage(browser, url, ADMIN);
  const headers = { 'x-csrf-token': await csrfOf(page, url) };
  const created = await page.request.post(`${url}/api/v1/pools`, { data: { name: 'Shop' }, headers });
  t.equal(created.status(), 201, await created.text());
  const pool = (await created.json()) as WeblogPool;
  const db = openDatabase(path.join(dataDir, 'db', 'rackwatch.sqlite'));
  t.teardown(() => db.close());
  const end = Math.floor(Date.now() / 1000 / STEP_S) * STEP_S;
  const ids: string[] = [];
  for (const [host, source, rps] of SERVERS) {
    const server = await page.request.post(`${url}/api/v1/servers`, { data: { name: host, address: '127.0.0.1' }, headers });
    const { id } = (await server.json()) as AgentDetail;
    ids.push(id);
    insertSource(db, source, id, pool.id);
    await writeLoad(store, id, source, end - 600, end, { rps, errors: 0.01, p95: 50 });
  }

  await page.goto(`${url}/#view=pools`);
  const members = page.getByTestId('pool-members');
  await members.waitFor({ timeout: 15_000 });
  t.same(await members.locator('tbody th').allTextContents(), ['web-1', 'web-2', 'web-3'], 'the three members by host name');
  const skewed = await members.locator('tbody tr').evaluateAll((rows) => rows.map((r) => `${r.getAttribute('data-testid') ?? ''} ${r.getAttribute('data-skewed') ?? ''}`));
  t.same(skewed, ['pool-member-s1 false', 'pool-member-s2 false', 'pool-member-s3 true'], 'only web-3 is flagged');
  t.match(await page.getByTestId('pool-member-s3').getByTestId('pool-skew').textContent(), /Out of line: share 60 % against 33 % expected/, 'and why');
  t.same(await members.getByTestId('pool-share').allTextContents(), ['20%', '20%', '60%'], 'each member\'s share');

  const chart = page.getByTestId('pool-chart');
  await waitFor('the chart drawn', async () => Number(await chart.getAttribute('data-points')) > 0 || undefined, { timeoutMs: 15_000 });
  t.same(await chart.locator('[data-testid=legend-row]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-series') ?? '')), ['web-1', 'web-2', 'web-3'], 'a line per member on one chart');
  await page.getByTestId('pool-metric-errors').click();
  await waitFor('the 5xx chart', async () => /5xx/.test(await chart.locator('figcaption').textContent() ?? '') || undefined);
  await page.screenshot({ path: path.join(ARTIFACTS, 'pool-screen.png'), fullPage: true });

  await page.getByTestId('lang-ko').click();
  await waitFor('Korean', async () => /불균형/.test(await page.getByTestId('pool-member-s3').getByTestId('pool-skew').textContent() ?? '') || undefined);

  // S11: the member's Web logs screen lists its source; no interval reached the appliance's
  // top tables in this test (its series were written straight into RRD), so they say so
  await page.getByTestId('lang-en').click();
  await page.goto(`${url}/#view=weblogs&server=${ids[0] ?? ''}`);
  await page.getByTestId('weblog-top-s1').waitFor({ timeout: 15_000 });
  await waitFor('the empty top table', async () => /Nothing counted in the last hour/.test(await page.getByTestId('weblogs-view').textContent() ?? '') || undefined);
  t.equal(await page.getByTestId('weblog-requests').first().textContent(), '0', 'nothing counted since the source was added');
  t.same(pageErrors, []);
  t.same(cspViolations, []);
});

/** The page's CSRF token, as the page fetches it after signing in. */
async function csrfOf(page: import('playwright-core').Page, url: string): Promise<string> {
  const res = await page.request.get(`${url}/api/v1/auth/session`);
  return ((await res.json()) as SessionResponse).csrfToken;
}
