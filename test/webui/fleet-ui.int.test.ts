// The fleet screens (S2 schedules, S3/S4 adding and removing servers, S15 visitors):
// their pure logic first, then end to end: the REAL built appliance with a hand-driven MQTT agent
// serves the built UI to Debian's headless Chromium (never a downloaded browser). Screenshots
// for a person to look at go to test-artifacts/.
import t from 'tap';
import path from 'node:path';
import { DEFAULT_COLLECTOR_SETTINGS, DEFAULT_QUEUE } from '../../contract/agent-config.js';
import type { AgentSummary } from '../../contract/api.js';
import type { AgentConfigResponse, ConfigDefaultsResponse } from '../../contract/fleet-api.js';
import type { MetricsBatch } from '../../contract/metrics.js';
import { defaultsBody, draftFrom, nextSort, overriddenCollectors, overridesBody, rangeFrom } from '../../webui/src/fleet-model.js';
import { FLEET_EN, FLEET_KO } from '../../webui/src/i18n-fleet.js';
import { startAppliance, waitFor } from '../helpers/appliance-harness.js';
import { ARTIFACTS, launchChromium, signedInPage, uiTestCanRun } from '../helpers/chromium.js';
import { connectAgent, enroll, publishMetrics } from '../helpers/mqtt-agent.js';

const DEFAULTS = { collectors: DEFAULT_COLLECTOR_SETTINGS, queue: DEFAULT_QUEUE };

void t.test('the schedule form sends complete defaults, and only the differences for one server', (t) => {
  const draft = draftFrom(DEFAULTS);
  t.equal(draft.collectors.cpu.intervalS, '5');
  t.equal(draft.queueMiB, '256');
  t.equal(draft.queueHours, '72');
  t.same(defaultsBody(draft), { collectors: DEFAULT_COLLECTOR_SETTINGS, queue: DEFAULT_QUEUE }, 'an untouched draft is the defaults');
  t.same(overridesBody(draft, DEFAULTS), {}, 'and no override');
  const edited = { ...draft, collectors: { ...draft.collectors, cpu: { enabled: true, intervalS: '1' }, top: { enabled: false, intervalS: '15' } }, queueHours: '24' };
  t.same(overridesBody(edited, DEFAULTS), { collectors: { cpu: { intervalS: 1 }, top: { enabled: false } }, queue: { maxAgeS: 86_400 } });
  t.same([...overriddenCollectors(edited, DEFAULTS)].sort(), ['cpu', 'top']);
  const typo = { ...draft, collectors: { ...draft.collectors, net: { enabled: true, intervalS: 'ten' } } };
  t.equal(defaultsBody(typo).collectors?.net?.intervalS, 'ten' as unknown as number, 'a typo goes to the appliance, which names the field');
  t.end();
});

void t.test('visitor table sorting and ranges', (t) => {
  t.same(nextSort({ key: 'lastSeen', descending: true }, 'lastSeen'), { key: 'lastSeen', descending: false }, 'the same column turns around');
  t.same(nextSort({ key: 'lastSeen', descending: true }, 'remote'), { key: 'remote', descending: false }, 'text starts A to Z');
  t.same(nextSort({ key: 'remote', descending: false }, 'connections'), { key: 'connections', descending: true }, 'counts start largest first');
  t.equal(rangeFrom('1h', 10_000_000), 10_000 - 3600);
  t.equal(rangeFrom('all', 10_000_000), undefined);
  t.end();
});

void t.test('both languages have every fleet string', (t) => {
  t.same(Object.keys(FLEET_KO).sort(), Object.keys(FLEET_EN).sort());
  for (const [k, v] of Object.entries(FLEET_KO)) t.ok(v.trim().length > 0, k);
  t.end();
});

void t.test('adding a server, visitors, schedules and removal through the UI', async (t) => {
  if (!uiTestCanRun(t)) return;
  const app = await startAppliance(t);
  const web = await enroll(app, 'web-01');
  const client = await connectAgent(t, app, web);
  const T = Math.floor(Date.now() / 1000) - 120;
  const snap = (tm: number, visitors: { remote: string; remotePort: number; localPort: number }[]): MetricsBatch => ({ v: 1, i: 30, s: [], x: { t: tm, visitors } });
  await publishMetrics(client, web.agentId, snap(T, [{ remote: '10.0.0.5', remotePort: 50001, localPort: 443 }, { remote: '192.168.1.9', remotePort: 40000, localPort: 22 }]));
  await publishMetrics(client, web.agentId, snap(T + 30, [{ remote: '10.0.0.5', remotePort: 50002, localPort: 443 }]));

  const browser = await launchChromium(t);
  const { page, pageErrors, cspViolations } = await signedInPage(browser, app.url);
  await page.goto(`${app.url}/`);
  await page.locator(`[data-testid=server-row][data-agent-id="${web.agentId}"]`).waitFor({ timeout: 15_000 });

  await t.test('add server: refused input is explained, a good one is listed at once as awaiting its agent', async (t) => {
    await page.locator('[data-testid=open-add-server]').click();
    const dialog = page.locator('[data-testid=add-server-dialog]');
    await dialog.locator('[data-testid=add-name]').fill('bad name!');
    await dialog.locator('[data-testid=add-address]').fill('10.0.0.9');
    await dialog.locator('[data-testid=add-submit]').click();
    await dialog.locator('[data-testid=form-problems]').waitFor();
    t.match(await dialog.locator('[data-testid=form-problems]').textContent(), /name: must be a host name/);
    await dialog.locator('[data-testid=add-name]').fill('db-09');
    await dialog.locator('[data-testid=add-submit]').click();
    await dialog.locator('[data-testid=add-done]').waitFor();
    const { installCommand } = await app.api<{ installCommand: string }>('/api/v1/enrollment');
    t.equal(await dialog.locator('[data-testid=install-command]').textContent(), installCommand, 'the pinned install command of GET /api/v1/enrollment (SEC)');
    await page.screenshot({ path: path.join(ARTIFACTS, 'fleet-add-server.png') });
    await dialog.locator('[data-testid=dialog-close]').click();
    const row = page.locator('[data-testid=server-row]', { hasText: 'db-09' });
    await row.waitFor();
    t.equal(await row.locator('[data-testid=awaiting-agent]').textContent(), 'Awaiting agent');
    t.match(await row.textContent(), '10.0.0.9');
  });

  await t.test('visitors: every address, sortable, filterable', async (t) => {
    await page.locator('[data-testid=open-visitors]').click();
    const dialog = page.locator('[data-testid=visitors-dialog]');
    await dialog.locator('[data-testid=visitor-row]').first().waitFor();
    t.same(await dialog.locator('[data-testid=visitor-row]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-remote'))), ['10.0.0.5', '192.168.1.9'], 'most recent first');
    await dialog.locator('[data-testid=sort-remote]').click();
    await dialog.locator('[data-testid=sort-remote]').click();
    await page.waitForFunction(() => document.querySelector('[data-testid=visitor-row]')?.getAttribute('data-remote') === '192.168.1.9');
    t.pass('sorted by address, Z to A');
    await dialog.locator('[data-testid=visitors-search]').fill('10.0.');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=visitor-row]').length === 1);
    t.match(await dialog.locator('[data-testid=visitor-row]').first().textContent(), /10\.0\.0\.5443\s*2/, 'address, port and two connections');
    await page.screenshot({ path: path.join(ARTIFACTS, 'fleet-visitors.png') });
    await dialog.locator('[data-testid=dialog-close]').click();
  });

  await t.test('default schedule: switches and intervals are saved for every server', async (t) => {
    await page.locator('[data-testid=open-defaults]').click();
    const dialog = page.locator('[data-testid=defaults-dialog]');
    await dialog.locator('[data-testid=schedule-not-configured]').waitFor();
    await dialog.locator('[data-testid=enabled-top]').uncheck();
    await dialog.locator('[data-testid=interval-cpu]').fill('2');
    await dialog.locator('[data-testid=schedule-save]').click();
    await dialog.locator('[data-testid=schedule-saved]').waitFor();
    const d = await app.api<ConfigDefaultsResponse>('/api/v1/config/defaults');
    t.equal(d.configured, true);
    t.same(d.collectors.cpu, { enabled: true, intervalS: 2 });
    t.same(d.collectors.top, { enabled: false, intervalS: 15 });
    await page.screenshot({ path: path.join(ARTIFACTS, 'fleet-default-schedule.png') });
    await dialog.locator('[data-testid=dialog-close]').click();
  });

  await t.test('one server\'s schedule saves only what differs from the defaults', async (t) => {
    await page.locator(`[data-testid=server-row][data-agent-id="${web.agentId}"] button`).click();
    const panel = page.locator(`[data-testid=server-panel][data-agent-id="${web.agentId}"]`);
    await panel.locator('[data-testid=panel-schedule]').click();
    const dialog = page.locator('[data-testid=schedule-dialog]');
    await dialog.locator('[data-testid=interval-memory]').fill('7');
    t.equal(await dialog.locator('[data-testid=schedule-row][data-collector=memory] .fleet-tag').textContent(), 'this server');
    await dialog.locator('[data-testid=schedule-save]').click();
    await dialog.locator('[data-testid=schedule-saved]').waitFor();
    const a = await app.api<AgentConfigResponse>(`/api/v1/agents/${web.agentId}/config`);
    t.same(a.overrides, { collectors: { memory: { intervalS: 7 } } });
    t.same(a.effective.collectors.cpu, { enabled: true, intervalS: 2 }, 'the rest comes from the defaults');
    await page.screenshot({ path: path.join(ARTIFACTS, 'fleet-server-schedule.png') });
    await dialog.locator('[data-testid=dialog-close]').click();
  });

  await t.test('Korean labels', async (t) => {
    await page.locator('[data-testid=lang-ko]').click();
    t.equal(await page.locator('[data-testid=open-visitors]').textContent(), '방문자');
    t.equal(await page.locator('[data-testid=open-add-server]').textContent(), '서버 추가');
    await page.locator('[data-testid=open-defaults]').click();
    await page.locator('[data-testid=defaults-dialog] [data-testid=schedule-row]').first().waitFor();
    t.equal(await page.locator('[data-testid=defaults-dialog] [data-testid=schedule-row][data-collector=top] th').textContent(), '상위 프로세스');
    await page.screenshot({ path: path.join(ARTIFACTS, 'fleet-default-schedule-ko.png') });
    await page.locator('[data-testid=defaults-dialog] [data-testid=dialog-close]').click();
    await page.locator('[data-testid=lang-en]').click();
  });

  await t.test('removing a server from its panel', async (t) => {
    const row = page.locator('[data-testid=server-row]', { hasText: 'db-09' });
    await row.locator('button').click();
    const panel = page.locator('[data-testid=server-panel]', { hasText: 'db-09' });
    await panel.locator('[data-testid=panel-awaiting]').waitFor();
    await panel.locator('[data-testid=panel-remove]').click();
    await row.waitFor({ state: 'detached' });
    await panel.waitFor({ state: 'detached' });
    t.notOk((await app.api<AgentSummary[]>('/api/v1/agents')).some((a) => a.hostname === 'db-09'), 'gone from the appliance');
  });

  await waitFor('no late page errors', () => true);
  t.same(pageErrors, [], 'no script errors on the page');
  t.same(cspViolations, [], 'nothing the Content-Security-Policy refuses');
});
