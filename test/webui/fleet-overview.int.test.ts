// The fleet overview (S8, S9): the server table with each server's worst open alert, its figures,
// sorting and filters; the tile wall; the kiosk. The pure logic first, then end to end: the REAL
// built appliance with hand-driven MQTT agents serves the built UI to Debian's headless Chromium.
// Screenshots for a person to look at go to test-artifacts/.
import t from 'tap';
import path from 'node:path';
import type { Page } from 'playwright-core';
import type { Alert, GroupView } from '../../contract/alerts-api.js';
import type { MetricsBatch } from '../../contract/metrics.js';
import { withLatest, type AgentRow } from '../../webui/src/agents-store.js';
import { filterOverview, kioskPages, nextOverviewSort, NO_FILTER, overviewRows, sortOverview, tileTone, worstLevels } from '../../webui/src/fleet-overview.js';
import { kioskFromSearch } from '../../webui/src/components/kiosk-wall.js';
import { OVERVIEW_EN, OVERVIEW_KO } from '../../webui/src/i18n-overview.js';
import { startAppliance } from '../helpers/appliance-harness.js';
import { ARTIFACTS, launchChromium, signedInPage, uiTestCanRun } from '../helpers/chromium.js';
import { connectAgent, enroll, publishMetrics } from '../helpers/mqtt-agent.js';
import { cpuFeeder, cpuRule, createRule, openAlertOf } from '../helpers/alerting-helpers.js';

const row = (id: string, extra: Partial<AgentRow> = {}): AgentRow => ({ id, hostname: id, status: 'online', lastSeen: null, interval: 5, cpuPct: null, memPct: null, ...extra });
const alert = (agentId: string, severity: Alert['severity'], state: Alert['state']): Alert => ({ agentId, severity, state } as Alert);

void t.test('a server\'s level is its worst firing or acknowledged alert; pending ones do not count yet', (t) => {
  const levels = worstLevels([alert('a', 'warning', 'firing'), alert('a', 'critical', 'acknowledged'), alert('b', 'disaster', 'pending'), alert('c', 'info', 'firing')]);
  t.equal(levels.get('a'), 'critical');
  t.equal(levels.get('b'), undefined);
  t.equal(levels.get('c'), 'info');
  t.end();
});

void t.test('sorting: figures largest first on the first click, servers without the figure last', (t) => {
  const rows = overviewRows([row('a', { cpuPct: 10 }), row('b', { cpuPct: null }), row('c', { cpuPct: 90 }), row('d', { cpuPct: 50 })], [], []);
  const sort = nextOverviewSort({ key: 'host', descending: false }, 'cpu');
  t.same(sort, { key: 'cpu', descending: true });
  t.same(sortOverview(rows, sort).map((r) => r.id), ['c', 'd', 'a', 'b']);
  t.same(sortOverview(rows, nextOverviewSort(sort, 'cpu')).map((r) => r.id), ['a', 'd', 'c', 'b'], 'turned around, the blank still last');
  const byStatus = overviewRows([row('ok'), row('off', { status: 'offline' }), row('crit')], [alert('crit', 'critical', 'firing')], []);
  t.same(sortOverview(byStatus, { key: 'status', descending: true }).map((r) => r.id), ['crit', 'off', 'ok'], 'worst first: an alert, then a lost connection');
  t.end();
});

void t.test('filters by status, severity, group and text (host, address or group name)', (t) => {
  const groups = [{ id: 'dbs', name: 'Databases', memberIds: ['db1'] }];
  const rows = overviewRows([row('web1', { address: '10.0.0.7' }), row('db1'), row('old', { status: 'offline' })], [alert('db1', 'critical', 'firing')], groups);
  const ids = (f: Partial<typeof NO_FILTER>): string[] => filterOverview(rows, { ...NO_FILTER, ...f }, groups).map((r) => r.id);
  t.same(ids({ status: 'offline' }), ['old']);
  t.same(ids({ level: 'critical' }), ['db1']);
  t.same(ids({ level: 'ok' }), ['web1', 'old']);
  t.same(ids({ group: 'dbs' }), ['db1']);
  t.same(ids({ text: '10.0.0' }), ['web1'], 'by address');
  t.same(ids({ text: 'datab' }), ['db1'], 'by group name');
  t.same(rows.find((r) => r.id === 'db1')?.groups, ['Databases']);
  t.end();
});

void t.test('a row takes the fullest disk, the network totals without loopback, the load and a CPU history', (t) => {
  let r = row('a');
  r = withLatest(r, [
    { family: 'fs', key: '/', t: 1, values: { used: 20, avail: 80, size: 100 } },
    { family: 'fs', key: '/var', t: 1, values: { used: 90, avail: 10, size: 100 } },
    { family: 'net', key: 'eth0', t: 1, values: { rx_bytes: 1000, tx_bytes: 10 } },
    { family: 'net', key: 'eth1', t: 1, values: { rx_bytes: 500, tx_bytes: 5 } },
    { family: 'net', key: 'lo', t: 1, values: { rx_bytes: 1e9, tx_bytes: 1e9 } },
    { family: 'load', t: 1, values: { load1: 1.5, load5: 1, load15: 1 } },
    { family: 'cpu', t: 1, values: { idle: 80 } },
  ]);
  r = withLatest(r, [{ family: 'fs', key: '/var', t: 2, values: { used: 10, avail: 90, size: 100 } }, { family: 'cpu', t: 2, values: { idle: 40 } }]);
  t.equal(r.diskPct, 20, 'the fullest one now that /var was cleaned');
  t.equal(r.diskMount, '/');
  t.equal(r.netInBps, 1500);
  t.equal(r.netOutBps, 15);
  t.equal(r.load1, 1.5);
  t.same(r.cpuHistory, [20, 60]);
  const stale = withLatest(r, [{ family: 'cpu', t: 1, values: { idle: 99 } }]);
  t.equal(stale.cpuPct, 60, 'an older reading (an agent detail read while samples streamed in) does not undo a newer one');
  t.end();
});

void t.test('tiles and kiosk pages', (t) => {
  t.equal(tileTone({ status: 'offline', level: 'critical' }), 'offline', 'a silent server is offline whatever its alerts');
  t.equal(tileTone({ status: 'online', level: 'warning' }), 'warning');
  t.equal(tileTone({ status: 'unknown', level: 'ok' }), 'unknown');
  t.same(kioskPages([]).map((p) => p.id), ['all'], 'no groups: one page of every server');
  t.same(kioskPages([{ id: 'a', name: 'A', memberIds: ['x'] }, { id: 'e', name: 'E', memberIds: [] }]).map((p) => p.id), ['a'], 'empty groups are skipped');
  t.same(kioskFromSearch('?kiosk=1&rotate=30'), { kiosk: true, rotateS: 30 });
  t.same(kioskFromSearch('?kiosk=1&rotate=1'), { kiosk: true, rotateS: 20 }, 'out of bounds: the default');
  t.same(kioskFromSearch(''), { kiosk: false, rotateS: 20 });
  t.same(Object.keys(OVERVIEW_KO).sort(), Object.keys(OVERVIEW_EN).sort());
  t.end();
});

/** A batch with the given busy CPU %, memory, one filesystem, eth0 traffic and load. */
function batch(busy: number, opts: { fsUsedPct?: number; rxBps?: number; load1?: number } = {}): MetricsBatch {
  const t = Math.floor(Date.now() / 1000);
  return {
    v: 1,
    i: 5,
    s: [
      { t, f: 'cpu', v: { user: busy, system: 0, iowait: 0, steal: 0, idle: 100 - busy } },
      { t, f: 'memory', v: { total: 8e9, used: 2e9, available: 6e9, cached: 1e9, swap_total: 0, swap_used: 0 } },
      { t, f: 'fs', k: '/', v: { size: 1e11, used: (opts.fsUsedPct ?? 40) * 1e9, avail: 1e11 - (opts.fsUsedPct ?? 40) * 1e9, inodes: 1e6, inodes_used: 1e5 } },
      { t, f: 'net', k: 'eth0', v: { rx_bytes: opts.rxBps ?? 1000, tx_bytes: 500, rx_packets: 10, tx_packets: 10, rx_errs: 0, tx_errs: 0, rx_drop: 0, tx_drop: 0, colls: 0, up: 1 } },
      { t, f: 'load', v: { load1: opts.load1 ?? 0.5, load5: 0.5, load15: 0.5 } },
    ],
  };
}

async function hostsInOrder(page: Page): Promise<string[]> {
  return page.locator('[data-testid=server-row] [data-testid=host-name]').allTextContents();
}

void t.test('the server table shows a firing critical alert, sorts by CPU and filters', async (t) => {
  if (!uiTestCanRun(t)) return;
  const app = await startAppliance(t);
  const web = await enroll(app, 'web-01');
  const db = await enroll(app, 'db-01');
  const cache = await enroll(app, 'cache-01');
  const webClient = await connectAgent(t, app, web);
  const dbClient = await connectAgent(t, app, db);
  const cacheClient = await connectAgent(t, app, cache);
  await publishMetrics(webClient, web.agentId, batch(20, { fsUsedPct: 91, rxBps: 125_000, load1: 2.25 }));
  await publishMetrics(cacheClient, cache.agentId, batch(50));
  await app.api<GroupView>('/api/v1/groups', { name: 'Databases', memberIds: [db.agentId] });
  // db-01 runs hot: a critical CPU alert fires after 1 s
  await createRule(app, cpuRule(db.agentId, 1, 'CPU db-01'));
  const feeder = cpuFeeder(dbClient, db.agentId, 1);
  t.teardown(() => feeder.stop());
  await openAlertOf(app, db.agentId);

  const browser = await launchChromium(t);
  const { page, pageErrors, cspViolations } = await signedInPage(browser, app.url);
  await page.goto(`${app.url}/`);
  const dbRow = page.locator(`[data-testid=server-row][data-agent-id="${db.agentId}"]`);
  await page.locator(`[data-testid=server-row][data-agent-id="${db.agentId}"][data-level=critical]`).waitFor({ timeout: 20_000 });
  t.match(await dbRow.locator('[data-testid=server-status]').textContent(), /^Online\s*Critical$/, 'the status says Online and the alert\'s severity');
  t.equal(await dbRow.locator('[data-testid=severity-badge]').getAttribute('data-severity'), 'critical');
  t.equal(await page.locator(`[data-testid=server-row][data-agent-id="${web.agentId}"] [data-testid=severity-badge]`).count(), 0, 'a server without alerts shows no severity');
  t.equal(await dbRow.locator('[data-testid=server-groups]').textContent(), 'Databases', 'with its group');

  const webRow = page.locator(`[data-testid=server-row][data-agent-id="${web.agentId}"]`);
  await page.waitForFunction((id) => document.querySelector(`[data-testid=server-row][data-agent-id="${id}"] [data-testid=disk-pct]`)?.getAttribute('data-value') === '91.0', web.agentId, { timeout: 15_000 });
  t.equal(await webRow.locator('[data-testid=net-in]').textContent(), '1 Mbps', 'network in, as bits per second');
  t.equal(await webRow.locator('[data-testid=load1]').textContent(), '2.25');
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=server-row] [data-testid=cpu-pct]')].every((m) => m.getAttribute('data-value') !== ''), undefined, { timeout: 15_000 });
  t.same(await hostsInOrder(page), ['db-01', 'cache-01', 'web-01'], 'worst status first by default');
  await page.screenshot({ path: path.join(ARTIFACTS, 'fleet-overview-table.png') });

  await page.locator('[data-testid=sort-host]').click();
  t.same(await hostsInOrder(page), ['cache-01', 'db-01', 'web-01'], 'by host name');
  await page.locator('[data-testid=sort-cpu]').click();
  t.same(await hostsInOrder(page), ['db-01', 'cache-01', 'web-01'], 'by CPU, busiest first');
  await page.locator('[data-testid=sort-cpu]').click();
  t.same(await hostsInOrder(page), ['web-01', 'cache-01', 'db-01'], 'and turned around');
  t.equal(await page.locator('th[aria-sort=ascending] [data-testid=sort-cpu]').count(), 1, 'the header says how it is sorted');

  await page.locator('[data-testid=filter-severity]').selectOption('critical');
  t.same(await hostsInOrder(page), ['db-01'], 'severity filter');
  await page.locator('[data-testid=filter-severity]').selectOption('all');
  await page.locator('[data-testid=filter-group]').selectOption({ label: 'Databases' });
  t.same(await hostsInOrder(page), ['db-01'], 'group filter');
  await page.locator('[data-testid=filter-group]').selectOption('all');
  await page.locator('[data-testid=server-search]').fill('cache');
  t.same(await hostsInOrder(page), ['cache-01'], 'text filter');
  await page.locator('[data-testid=server-search]').fill('');

  await page.locator('[data-testid=mode-tiles]').click();
  const dbTile = page.locator(`[data-testid=server-tile][data-agent-id="${db.agentId}"]`);
  await dbTile.waitFor();
  t.match(await dbTile.getAttribute('class'), /tone-critical/, 'the tile is coloured by the worst alert');
  await page.screenshot({ path: path.join(ARTIFACTS, 'fleet-overview-tiles.png') });
  feeder.stop();
  t.same(pageErrors, [], 'no script errors on the page');
  t.same(cspViolations, [], 'nothing the Content-Security-Policy refuses');
});

void t.test('fifty servers as tiles fit a 1920×1080 screen; the kiosk shows them without navigation', async (t) => {
  if (!uiTestCanRun(t)) return;
  const app = await startAppliance(t);
  const ids: string[] = [];
  for (let i = 1; i <= 50; i++) {
    const id = await enroll(app, `node-${String(i).padStart(2, '0')}`);
    const client = await connectAgent(t, app, id);
    await publishMetrics(client, id.agentId, batch(i * 1.5));
    ids.push(id.agentId);
  }
  const browser = await launchChromium(t);
  const { page, pageErrors } = await signedInPage(browser, app.url);
  await page.setViewportSize({ width: 1920, height: 1080 });
  await page.goto(`${app.url}/`);
  await page.locator('[data-testid=mode-tiles]').click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=server-tile]').length === 50, undefined, { timeout: 20_000 });
  const outside = async (): Promise<string[]> =>
    page.locator('[data-testid=server-tile]').evaluateAll((tiles) =>
      tiles.filter((el) => {
        const r = el.getBoundingClientRect();
        return r.top < 0 || r.left < 0 || r.bottom > window.innerHeight || r.right > window.innerWidth;
      }).map((el) => el.getAttribute('data-agent-id') ?? ''),
    );
  t.same(await outside(), [], 'all 50 tiles inside the 1920×1080 viewport, header included');
  await page.screenshot({ path: path.join(ARTIFACTS, 'fleet-tiles-50.png') });

  await page.goto(`${app.url}/?kiosk=1`);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=server-tile]').length === 50, undefined, { timeout: 20_000 });
  t.equal(await page.locator('[data-testid=nav-tabs]').count(), 0, 'the kiosk has no navigation');
  t.same(await outside(), [], 'all 50 tiles inside the viewport in the kiosk too');
  await page.screenshot({ path: path.join(ARTIFACTS, 'fleet-kiosk-50.png') });

  // with groups, the kiosk rotates between them
  await app.api<GroupView>('/api/v1/groups', { name: 'First ten', memberIds: ids.slice(0, 10) });
  await app.api<GroupView>('/api/v1/groups', { name: 'Last five', memberIds: ids.slice(45) });
  await page.goto(`${app.url}/?kiosk=1&rotate=5`);
  // the groups and the servers are two requests: the page's title can come a moment before its tiles
  await page.waitForFunction(() => document.querySelector('[data-testid=kiosk-title]')?.textContent === 'First ten'
    && document.querySelectorAll('[data-testid=server-tile]').length === 10, undefined, { timeout: 20_000 });
  t.pass('the first group\'s page: its ten servers');
  await page.locator('[data-testid=kiosk-title]', { hasText: 'Last five' }).waitFor({ timeout: 20_000 });
  t.equal(await page.locator('[data-testid=server-tile]').count(), 5, 'then the next group\'s');
  t.same(pageErrors, [], 'no script errors on the page');
});
