// Walls (S9): the pure logic of the grid and the address first; then end to end, the REAL built
// appliance with twenty hand-driven MQTT agents serves the built UI to Debian's headless Chromium:
// a wall of 20 servers made in the Walls screen, opened in kiosk mode at 1920×1080 with every
// panel on the screen and updating live, and the kiosk rotating between two saved walls.
// Screenshots for a person to look at go to test-artifacts/.
import t from 'tap';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import type { Wall } from '../../contract/walls-api.js';
import { WALLS_EN, WALLS_KO } from '../../webui/src/i18n-walls.js';
import { choiceOf, gridFor, hashOfWall, kioskUrlOf, panelKey, panelsOf, rowOfHost, wallAddressFromHash } from '../../webui/src/walls-model.js';
import type { AgentRow } from '../../webui/src/agents-store.js';
import { startAppliance } from '../helpers/appliance-harness.js';
import { ARTIFACTS, WEBUI_INDEX, launchChromium, signedInPage, uiTestCanRun } from '../helpers/chromium.js';
import { connectAgent, enroll, publishMetrics, sampleBatch } from '../helpers/mqtt-agent.js';

const row = (id: string, extra: Partial<AgentRow> = {}): AgentRow => ({ id, hostname: id, status: 'online', lastSeen: null, interval: 5, cpuPct: null, memPct: null, ...extra });

void t.test('the grid fills the screen with the largest readable panels', (t) => {
  t.same(gridFor(20, 1900, 1000), { columns: 5, rows: 4 }, '20 panels on a 1080p screen: 5 × 4');
  t.same(gridFor(1, 1900, 1000), { columns: 1, rows: 1 });
  t.same(gridFor(4, 1900, 1000), { columns: 2, rows: 2 });
  t.same(gridFor(3, 390, 800), { columns: 1, rows: 3 }, 'a phone stacks them');
  t.same(gridFor(20, 1900, 1000, 2), { columns: 2, rows: 10 }, 'a wall\'s own column count wins');
  t.same(gridFor(3, 1900, 1000, 12), { columns: 3, rows: 1 }, 'never more columns than panels');
  t.same(gridFor(0, 1900, 1000), { columns: 1, rows: 1 });
  t.end();
});

void t.test('a wall\'s address names it; the editor\'s panels are servers × families', (t) => {
  t.same(wallAddressFromHash('#view=walls&wall=Web%20tier'), { wall: 'Web tier', edit: false, create: false });
  t.same(wallAddressFromHash('#view=walls&wall=Web%20tier&edit=1'), { wall: 'Web tier', edit: true, create: false });
  t.same(wallAddressFromHash('#view=walls&new=1'), { wall: null, edit: false, create: true });
  t.equal(hashOfWall({ wall: 'Web tier' }), '#view=walls&wall=Web%20tier');
  t.same(wallAddressFromHash(hashOfWall({ wall: '웹 & db' })).wall, '웹 & db', 'any name survives the round trip');
  t.equal(kioskUrlOf('http://rw/', 'A'), 'http://rw/?kiosk=1#view=walls&wall=A');
  const panels = panelsOf(['web-1', 'web-2'], ['memory', 'cpu']);
  t.same(panels, [{ host: 'web-1', family: 'cpu' }, { host: 'web-1', family: 'memory' }, { host: 'web-2', family: 'cpu' }, { host: 'web-2', family: 'memory' }], 'server by server, families in their usual order');
  t.same(choiceOf(panels), { hosts: ['web-1', 'web-2'], families: ['cpu', 'memory'] });
  t.equal(rowOfHost([row('a', { hostname: 'Web-1' })], 'web-1')?.id, 'a', 'host names without letter case');
  t.equal(panelKey('disk', row('a', { diskMount: '/var' })), '/var', 'a disk panel: the fullest filesystem');
  t.equal(panelKey('network', row('a', { netByIface: { lo: [1e9, 1e9], eth0: [10, 10], eth1: [500, 0] } })), 'eth1', 'a network panel: the busiest interface, loopback aside');
  t.equal(panelKey('cpu', row('a')), null);
  t.same(Object.keys(WALLS_KO).sort(), Object.keys(WALLS_EN).sort());
  t.end();
});

void t.test('the web UI bundle carries no zod: the walls\' limits come from contract/walls-limits.ts', (t) => {
  if (!uiTestCanRun(t)) return t.end();
  // importing contract/walls-api.ts (the schemas) at run time took the bundle from 123 to 217 KB gzipped
  const bundle = readFileSync(path.join(path.dirname(WEBUI_INDEX), 'assets', 'main.js'), 'utf8');
  t.notMatch(bundle, /ZodError/, 'no zod in dist/webui/assets/main.js');
  t.end();
});

/** Panels whose box is not wholly inside the viewport. */
function panelsOutside(page: Page): Promise<string[]> {
  return page.locator('[data-testid=wall-panel]').evaluateAll((els) =>
    els.filter((el) => {
      const r = el.getBoundingClientRect();
      return r.top < 0 || r.left < 0 || r.bottom > window.innerHeight || r.right > window.innerWidth || r.height < 80;
    }).map((el) => el.getAttribute('data-host') ?? ''),
  );
}

void t.test('a wall of 20 servers: made in the UI, shown in kiosk mode on one 1920×1080 screen, live; the kiosk rotates between walls', async (t) => {
  if (!uiTestCanRun(t)) return;
  const app = await startAppliance(t);
  const hosts = Array.from({ length: 20 }, (_, i) => `node-${String(i + 1).padStart(2, '0')}`);
  const clients = [];
  // samples on multiples of the 5 s interval, as agents take them: a sample between two steps
  // becomes a stored point only when the next one completes its step, so a lone unaligned sample
  // stays off the chart (the wall's first read found nothing for the servers whose sample missed)
  const alignedNow = (): number => Math.floor(Date.now() / 5000) * 5;
  const seedT = alignedNow() - 5;
  for (const [i, host] of hosts.entries()) {
    const id = await enroll(app, host);
    const client = await connectAgent(t, app, id);
    await publishMetrics(client, id.agentId, sampleBatch(seedT, 5, 10 + i));
    clients.push({ id, client });
  }
  const browser = await launchChromium(t);
  const { page, pageErrors, cspViolations } = await signedInPage(browser, app.url);

  // made as an operator would: the Walls tab, New wall, every server ticked, CPU and memory
  await page.goto(`${app.url}/`);
  await page.locator('[data-testid=nav-walls]').click();
  await page.locator('[data-testid=wall-none]').waitFor();
  await page.locator('[data-testid=wall-new]').click();
  await page.locator('[data-testid=wall-name]').fill('Rack A');
  for (const host of hosts) await page.locator(`[data-testid="wall-server-${host}"]`).check();
  t.equal(await page.locator('[data-testid=wall-count]').textContent(), '20 panels (20 servers × 1 metrics)');
  await page.locator('[data-testid=wall-save]').click();
  await page.locator('[data-testid=wall-screen][data-wall="Rack A"]').waitFor();
  // the grid lays its panels out once it has measured the space it fills
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=wall-panel]').length > 0, undefined, { timeout: 20_000 });
  t.equal(await page.locator('[data-testid=wall-panel]').count(), 20, 'the wall opens with its 20 panels');
  t.match(page.url(), /#view=walls&wall=Rack%20A$/, 'its address names it');
  const saved = (await app.api<{ walls: Wall[] }>('/api/v1/walls')).walls;
  t.same(saved.map((w) => [w.name, w.panels.length, w.panels[0]]), [['Rack A', 20, { host: 'node-01', family: 'cpu' }]], 'saved with the servers\' host names');

  await page.setViewportSize({ width: 1920, height: 1080 });
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=wall-panel] [data-testid=wall-chart]').length === 20, undefined, { timeout: 20_000 });
  t.same(await panelsOutside(page), [], 'with the page header too, the 20 panels fit 1920×1080');
  t.equal(await page.evaluate(() => document.documentElement.scrollHeight <= window.innerHeight), true, 'nothing to scroll under the header');
  await page.screenshot({ path: path.join(ARTIFACTS, 'wall-screen-20.png') });

  // a second wall, through the API: two servers, CPU and memory
  await app.api<Wall>('/api/v1/walls', { name: 'Pair', range: '1h', panels: panelsOf(['node-01', 'node-02'], ['cpu', 'memory']) });

  await page.goto(`${app.url}/?kiosk=1${hashOfWall({ wall: 'Rack A' })}`);
  await page.locator('[data-testid=kiosk][data-wall="Rack A"]').waitFor({ timeout: 20_000 });
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=wall-panel] [data-testid=wall-chart]').length === 20, undefined, { timeout: 20_000 });
  t.equal(await page.locator('[data-testid=nav-tabs]').count(), 0, 'no navigation in the kiosk');
  t.same(await panelsOutside(page), [], 'all 20 panels on the 1920×1080 screen, none squashed');
  t.equal(await page.evaluate(() => document.documentElement.scrollHeight <= window.innerHeight && document.documentElement.scrollWidth <= window.innerWidth), true, 'nothing to scroll');
  t.equal(await page.locator('[data-testid=wall-grid]').getAttribute('data-columns'), '5');

  // live: node-07 sends a new sample; its panel's figure and chart follow without a reload
  const seven = clients[6];
  if (!seven) throw new Error('no node-07');
  const panel7 = page.locator('[data-testid=wall-panel][data-host=node-07]');
  const pointsPerPanel = (): Promise<string> => page.evaluate(() => [...document.querySelectorAll('[data-testid=wall-panel] [data-testid=wall-chart]')].map((el) => `${el.closest('[data-host]')?.getAttribute('data-host') ?? '?'}:${el.getAttribute('data-points') ?? '-'}`).join(' '));
  // every panel's seed (the sample each server sent at the start) first: twenty series requests
  // share the browser's connections
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=wall-panel] [data-testid=wall-chart]')].every((el) => Number(el.getAttribute('data-points')) >= 1), undefined, { timeout: 60_000, polling: 500 })
    .catch(async (e: unknown) => { t.comment(`points per panel: ${await pointsPerPanel()}`); throw e; });
  // then the live sample: two points
  await publishMetrics(seven.client, seven.id.agentId, sampleBatch(Math.max(seedT + 5, alignedNow()), 5, 77));
  await panel7.locator('[data-testid=wall-panel-value]', { hasText: '80.5%' }).waitFor({ timeout: 15_000 });
  await page.waitForFunction(() => Number(document.querySelector('[data-testid=wall-panel][data-host=node-07] [data-testid=wall-chart]')?.getAttribute('data-points')) >= 2, undefined, { timeout: 30_000, polling: 250 })
    .catch(async (e: unknown) => { t.comment(`points per panel: ${await pointsPerPanel()}`); throw e; });
  t.pass('the panel shows the new busy CPU (77 + 3 + 0.5 %) and a second point');
  await page.screenshot({ path: path.join(ARTIFACTS, 'wall-kiosk-20.png') });

  // rotation: the kiosk without a named wall goes through the saved walls
  await page.goto(`${app.url}/?kiosk=1&rotate=5`);
  const first = await page.locator('[data-testid=kiosk][data-wall]').getAttribute('data-wall', { timeout: 20_000 });
  t.equal(first, 'Pair', 'walls in name order: "Pair" first');
  t.equal(await page.locator('[data-testid=wall-panel]').count(), 4);
  await page.screenshot({ path: path.join(ARTIFACTS, 'wall-kiosk-rotation-1.png') });
  await page.locator('[data-testid=kiosk][data-wall="Rack A"]').waitFor({ timeout: 20_000 });
  t.equal(await page.locator('[data-testid=wall-panel]').count(), 20, 'then "Rack A"');
  await page.locator('[data-testid=kiosk][data-wall="Pair"]').waitFor({ timeout: 20_000 });
  t.pass('and back to "Pair"');
  t.same(pageErrors, [], 'no script errors on the page');
  t.same(cspViolations, [], 'nothing the Content-Security-Policy refuses');
});
