// The schematic view (S21): the pure layout logic first (rack rows from the top down, servers not
// in a rack by group, moving a server); then end to end, the REAL built appliance with hand-driven
// MQTT agents serves the built UI to Debian's headless Chromium: an admin places servers in a rack
// (by the table and by dragging), the tiles take the colour of a firing critical alert and of a
// lost connection, a click opens the server's panel, and the layout is there after the appliance
// restarts. Screenshots for a person to look at go to test-artifacts/.
import t from 'tap';
import path from 'node:path';
import type { GroupView } from '../../contract/alerts-api.js';
import type { Schematic } from '../../contract/walls-api.js';
import type { AgentRow } from '../../webui/src/agents-store.js';
import { firstFreeUnit, placeServer, rackSlots, removeRack, schematicEdges, unrackedByGroup } from '../../webui/src/walls-model.js';
import { startAppliance } from '../helpers/appliance-harness.js';
import { ARTIFACTS, launchChromium, signedInPage, uiTestCanRun } from '../helpers/chromium.js';
import { connectAgent, enroll, publishMetrics, sampleBatch } from '../helpers/mqtt-agent.js';
import { cpuFeeder, cpuRule, createRule, openAlertOf } from '../helpers/alerting-helpers.js';

const row = (id: string): AgentRow => ({ id, hostname: id, status: 'online', lastSeen: null, interval: 5, cpuPct: null, memPct: null });

void t.test('a rack\'s rows from the top; unplaced servers by group; moving and removing', (t) => {
  const layout = { racks: [{ name: 'R1', units: 6 }], placements: [{ agentId: 'sw', rack: 'R1', unit: 6, height: 1 }, { agentId: 'db', rack: 'R1', unit: 2, height: 3 }] };
  t.same(rackSlots(layout.racks[0] ?? { name: '', units: 0 }, layout.placements), [
    { unit: 6, height: 1, agentId: 'sw' },
    { unit: 5, height: 1, agentId: null },
    { unit: 2, height: 3, agentId: 'db' },
    { unit: 1, height: 1, agentId: null },
  ], 'a 3U server is one row over units 2–4');
  const groups = [{ id: 'g1', name: 'Web', memberIds: ['web1', 'db'] }];
  t.same(unrackedByGroup([row('sw'), row('db'), row('web1'), row('lone')], layout, groups).map((s) => [s.group?.name ?? null, s.rows.map((r) => r.id)]),
    [['Web', ['web1']], [null, ['lone']]], 'racked servers are drawn in their rack only; the rest by group, then the ungrouped');
  const moved = placeServer(layout, 'sw', 'R1', 5);
  t.same(moved.placements.find((p) => p.agentId === 'sw'), { agentId: 'sw', rack: 'R1', unit: 5, height: 1 });
  t.same(placeServer(layout, 'sw', null, 1).placements.map((p) => p.agentId), ['db'], 'taken out of the racks');
  t.same(removeRack(layout, 'R1'), { racks: [], placements: [] }, 'a removed rack\'s servers go back to their groups');
  t.equal(firstFreeUnit(layout, 'R1', 1, 'x'), 1);
  t.equal(firstFreeUnit(layout, 'R1', 2, 'sw'), 5, 'two free units together, the moved server\'s own unit counted free');
  t.equal(firstFreeUnit(layout, 'R1', 2, 'x'), 1, 'no room: unit 1 (the appliance then says why)');
  t.same(schematicEdges(null, new Set(['web1']), groups), [], 'no dependencies read (yet): no lines');
  const shown = new Set(['sw', 'db', 'web1', 'lone']);
  t.same(schematicEdges({ servers: { lone: ['sw', 'probe-check'], db: ['sw'] }, groups: { g1: ['sw'] } }, shown, groups), [
    { from: 'db', to: 'sw' }, { from: 'lone', to: 'sw' }, { from: 'web1', to: 'sw' },
  ], 'B10: a server\'s own parents and its group\'s, each pair once; a check parent has no tile and no line');
  t.same(schematicEdges({ servers: { gone: ['sw'] }, groups: {} }, shown, groups), [], 'a dependant not on the map draws nothing');
  t.end();
});

void t.test('servers placed in a rack, coloured by a firing alert and a lost connection, a click opens the panel, the layout survives a restart', async (t) => {
  if (!uiTestCanRun(t)) return;
  const app = await startAppliance(t);
  const ids: Record<string, { agentId: string; secret: string }> = {};
  const clients: Record<string, Awaited<ReturnType<typeof connectAgent>>> = {};
  for (const host of ['sw-01', 'app-01', 'app-02', 'db-01']) {
    ids[host] = await enroll(app, host);
    const id = ids[host];
    clients[host] = await connectAgent(t, app, id);
    await publishMetrics(clients[host], id.agentId, sampleBatch(Math.floor(Date.now() / 1000), 5, 20));
  }
  const id = (host: string): string => ids[host]?.agentId ?? '';
  await app.api<GroupView>('/api/v1/groups', { name: 'Databases', memberIds: [id('db-01')] });

  const browser = await launchChromium(t);
  const { page, pageErrors, cspViolations } = await signedInPage(browser, app.url);
  await page.setViewportSize({ width: 1600, height: 1000 });
  await page.goto(`${app.url}/#view=schematic`);
  await page.locator('[data-testid=schematic-map]').waitFor();
  await page.locator(`[data-testid=sch-group][data-group=Databases] [data-testid=sch-tile][data-agent-id="${id('db-01')}"]`).waitFor({ timeout: 10_000 });
  t.equal(await page.locator('[data-testid=sch-group][data-group=Databases] [data-testid=sch-tile]').count(), 1, 'before any rack: db-01 under its group');
  t.equal(await page.locator('[data-testid=sch-group][data-group=""] [data-testid=sch-tile]').count(), 3, 'the others under "not in a group"');

  // an admin lays out rack R1: sw-01 at the top by the table, app-01 2U at unit 5, app-02 dragged onto unit 1
  await page.locator('[data-testid=sch-edit]').click();
  await page.locator('[data-testid=sch-rack-name]').fill('R1');
  await page.locator('[data-testid=sch-rack-units]').fill('12');
  await page.locator('[data-testid=sch-add-rack]').click();
  const placeRow = (host: string) => page.locator(`[data-testid=sch-place-row][data-host="${host}"]`);
  await placeRow('sw-01').locator('[data-testid=sch-place-rack]').selectOption('R1');
  await placeRow('sw-01').locator('[data-testid=sch-place-unit]').fill('12');
  await placeRow('app-01').locator('[data-testid=sch-place-rack]').selectOption('R1');
  await placeRow('app-01').locator('[data-testid=sch-place-unit]').fill('5');
  await placeRow('app-01').locator('[data-testid=sch-place-height]').fill('2');
  await page.locator(`[data-testid=sch-tile][data-agent-id="${id('app-02')}"]`).dragTo(page.locator('[data-testid=sch-rack][data-rack=R1] [data-unit="1"] [data-testid=sch-empty-unit]'));
  await page.locator(`[data-testid=sch-rack] [data-unit="1"] [data-testid=sch-tile][data-agent-id="${id('app-02')}"]`).waitFor({ timeout: 5_000 });
  await page.locator('[data-testid=sch-save]').click();
  await page.locator('[data-testid=sch-saved]').waitFor();
  const saved = await app.api<Schematic>('/api/v1/schematic');
  t.same(saved.racks, [{ name: 'R1', units: 12 }]);
  t.same(saved.placements.map((p) => [p.agentId, p.rack, p.unit, p.height]).sort(), [
    [id('app-01'), 'R1', 5, 2], [id('app-02'), 'R1', 1, 1], [id('sw-01'), 'R1', 12, 1],
  ].sort(), 'placed by the table and by dragging, saved through the API');
  const tile = (host: string) => page.locator(`[data-testid=sch-tile][data-agent-id="${id(host)}"]`);
  t.equal(await tile('app-01').locator('xpath=ancestor::li[1]').getAttribute('data-unit'), '5', 'app-01 drawn at its unit');
  t.equal(await tile('sw-01').getAttribute('data-tone'), 'ok');

  // colours: a critical CPU alert fires on app-01; sw-01 loses its connection
  await createRule(app, cpuRule(id('app-01'), 1, 'CPU app-01'));
  const feeder = cpuFeeder(clients['app-01'] ?? (() => { throw new Error('no client'); })(), id('app-01'), 1);
  t.teardown(() => feeder.stop());
  await openAlertOf(app, id('app-01'));
  await page.locator(`[data-testid=sch-tile][data-agent-id="${id('app-01')}"][data-tone=critical]`).waitFor({ timeout: 20_000 });
  t.pass('app-01 turns critical with its firing alert');
  await clients['sw-01']?.endAsync();
  await page.locator(`[data-testid=sch-tile][data-agent-id="${id('sw-01')}"][data-tone=offline]`).waitFor({ timeout: 20_000 });
  t.pass('sw-01 turns offline when its agent goes');
  t.equal(await tile('app-02').getAttribute('data-tone'), 'ok', 'the others stay as they are');
  t.match(await tile('app-01').textContent(), /CPU\s*9\d(\.\d)?%/, 'the tile shows the busy CPU');
  await page.screenshot({ path: path.join(ARTIFACTS, 'schematic-racks.png'), fullPage: true });

  // a click opens the server's panel on the dashboard
  await tile('app-01').locator('button').click();
  await page.locator(`[data-testid=server-panel][data-agent-id="${id('app-01')}"]`).waitFor({ timeout: 10_000 });
  t.pass('the click opened app-01\'s panel');
  feeder.stop();
  t.same(pageErrors, [], 'no script errors on the page');
  t.same(cspViolations, [], 'nothing the Content-Security-Policy refuses');

  // the layout is kept by the appliance: after a restart it is drawn the same
  for (const c of Object.values(clients)) await c.endAsync().catch(() => undefined);
  await app.stop();
  const again = await startAppliance(t, { dataDir: app.dataDir });
  const after = await signedInPage(browser, again.url);
  await after.page.goto(`${again.url}/#view=schematic`);
  await after.page.locator(`[data-testid=sch-rack][data-rack=R1] [data-unit="12"] [data-testid=sch-tile][data-agent-id="${id('sw-01')}"]`).waitFor({ timeout: 20_000 });
  t.equal(await after.page.locator('[data-testid=sch-rack][data-rack=R1] [data-testid=sch-tile]').count(), 3, 'the three racked servers in R1 after the restart');
  t.equal(await after.page.locator(`[data-testid=sch-tile][data-agent-id="${id('sw-01')}"]`).getAttribute('data-tone'), 'offline', 'no agent connected: offline');
});
