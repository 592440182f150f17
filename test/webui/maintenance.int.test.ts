// B11, B10 in the browser: an operator creates a weekly maintenance window on the Maintenance
// screen (a refused body first, its problem under the field it names), sees it listed with its
// next start on the appliance's wall clock (Europe/Berlin, whatever the browser's zone), sees its
// last opening as a shaded band on the server's week chart; an admin sets "app-01 depends on
// sw-01" in the Servers screen's editor and sees the arrow on the schematic; the reverse is a
// cycle, refused with the appliance's message in the dialog; an alert firing in a window says
// "in maintenance" in the alert list. A viewer reads the windows and is offered no change. Real appliance (SQLite, rrdcached), real MQTT agents, real Chromium.
import t from 'tap';
import path from 'node:path';
import type { MaintenanceListResponse } from '../../contract/maintenance-api.js';
import { startAppliance, waitFor } from '../helpers/appliance-harness.js';
import { ARTIFACTS, launchChromium, signedInPage, uiTestCanRun } from '../helpers/chromium.js';
import { connectAgent, enroll, publishMetrics, sampleBatch } from '../helpers/mqtt-agent.js';
import { cpuFeeder, cpuRule, createRule, openAlertOf } from '../helpers/alerting-helpers.js';
import type { MqttClient } from 'mqtt';

const ZONE = 'Europe/Berlin';
const VIEWER = { username: 'vera', password: 'quiet-harbour-lamp-42' };
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** Tomorrow's weekday on the appliance's wall clock (0 = Sunday). */
function tomorrowInZone(): number {
  const name = new Intl.DateTimeFormat('en-US', { timeZone: ZONE, weekday: 'short' }).format(Date.now() + 86_400_000);
  return WEEKDAYS.indexOf(name);
}

void t.test('maintenance windows and dependencies in the browser', async (t) => {
  if (!uiTestCanRun(t)) return;
  const app = await startAppliance(t, { args: ['--timezone', ZONE] });
  const ids: Record<string, string> = {};
  const clients: Record<string, MqttClient> = {};
  for (const host of ['sw-01', 'app-01']) {
    const id = await enroll(app, host);
    ids[host] = id.agentId;
    const client = await connectAgent(t, app, id);
    clients[host] = client;
    await publishMetrics(client, id.agentId, sampleBatch(Math.floor(Date.now() / 1000), 5, 20));
  }
  const id = (host: string): string => ids[host] ?? '';
  const browser = await launchChromium(t);
  const { page, pageErrors, cspViolations } = await signedInPage(browser, app.url);
  await page.setViewportSize({ width: 1400, height: 1000 });

  await t.test('a weekly window: refused without a reason, then listed with its next start on the appliance\'s clock', async (t) => {
    await page.goto(`${app.url}/#view=maintenance`);
    await page.locator('[data-testid=maint-new]').click();
    const form = page.locator('[data-testid=maint-form]');
    await form.locator('[data-testid=maint-agent]').selectOption(id('app-01'));
    // the form starts on Sunday; the day chosen here is tomorrow, so the last opening is six days back
    const day = tomorrowInZone();
    if (day !== 0) {
      await form.locator('[data-testid=maint-day-0]').click();
      await form.locator(`[data-testid=maint-day-${day}]`).click();
    }
    await form.locator('[data-testid=maint-start]').fill('01:00');
    await form.locator('[data-testid=maint-end]').fill('05:00');
    await form.locator('[data-testid=maint-save]').click();
    const reasonError = form.locator('[data-testid=field-error][data-field=reason]');
    await reasonError.waitFor({ timeout: 15_000 });
    t.match(await reasonError.textContent(), /\S/, 'the appliance\'s problem under the reason field');
    await form.locator('[data-testid=maint-reason]').fill('weekly backup');
    await form.locator('[data-testid=maint-save]').click();
    const row = page.locator('[data-testid=maint-row]');
    await row.first().waitFor({ timeout: 15_000 });
    await form.waitFor({ state: 'detached', timeout: 15_000 });

    const listing = await app.api<MaintenanceListResponse>('/api/v1/maintenance');
    t.equal(listing.timeZone, ZONE);
    const w = listing.windows[0];
    t.same(w?.schedule, { kind: 'weekly', days: [day], start: '01:00', end: '05:00' }, 'stored as chosen');
    t.same(w?.scope, { kind: 'agent', agentId: id('app-01') });
    t.equal(w?.author, 'admin', 'its author is the signed-in user');
    const next = await row.locator('[data-testid=maint-next]').textContent();
    t.match(next, new RegExp(`^${WEEKDAYS[day]}, \\d\\d/\\d\\d/\\d{4}, 01:00 – ${WEEKDAYS[day]}, \\d\\d/\\d\\d/\\d{4}, 05:00$`),
      'the next start and end at 01:00 and 05:00 on the appliance\'s clock (the browser runs in UTC, an hour or two off)');
    const nextDay = new Intl.DateTimeFormat('en-US', { timeZone: ZONE, month: '2-digit', day: '2-digit' }).format(w?.next?.startsAt ?? 0);
    t.match(next, nextDay, 'on the date the appliance gives');
    t.equal(await row.getAttribute('data-active'), 'false', 'not open now');
    t.match(await row.textContent(), /weekly backup.*admin/);
    t.match(await page.locator('[data-testid=maint-zone]').textContent(), /Europe\/Berlin/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'maintenance-list.png'), fullPage: true });
  });

  await t.test('a chart\'s range: bad ones refused naming the field', async (t) => {
    const problems = async (query: string): Promise<[number, string]> => {
      const res = await app.fetch(`/api/v1/maintenance?${query}`);
      return [res.status, JSON.stringify(await res.json())];
    };
    t.match(await problems('from=1&to=2'), [400, /agentId/], 'a range needs a server');
    t.match(await problems(`agentId=${id('app-01')}&from=5000&to=4000`), [400, /to/], 'to before from');
    t.match(await problems(`agentId=${id('app-01')}&from=0&to=${401 * 86_400_000}`), [400, /400 days/], 'more than 400 days');
    t.match(await problems(`agentId=${id('app-01')}&from=1`), [400, /to/], 'from without to');
    t.match(await problems('agentId=nope&from=1&to=2'), [404, /nope/], 'an unknown server');
  });

  await t.test('its last opening is a band on app-01\'s week chart, none on sw-01\'s', async (t) => {
    await page.goto(`${app.url}/#open=${id('app-01')},${id('sw-01')}`);
    const panel = (host: string) => page.locator(`[data-testid=server-panel][data-agent-id="${id(host)}"]`);
    await panel('app-01').locator('[data-testid=range-1w]').click();
    const band = panel('app-01').locator('[data-testid=chart-cpu] [data-testid=maintenance-band]');
    await band.waitFor({ timeout: 20_000 });
    t.equal(await band.count(), 1, 'one opening in the last week');
    const startsAt = Number(await band.getAttribute('data-starts-at'));
    const endsAt = Number(await band.getAttribute('data-ends-at'));
    t.ok(startsAt < Date.now() && startsAt > Date.now() - 7 * 86_400_000, 'in the week shown');
    const berlinTime = new Intl.DateTimeFormat('en-GB', { timeZone: ZONE, hour: '2-digit', minute: '2-digit' });
    t.same([berlinTime.format(startsAt), berlinTime.format(endsAt)], ['01:00', '05:00'], 'from 01:00 to 05:00 Berlin time');
    t.ok(endsAt - startsAt >= 3 * 3_600_000 && endsAt - startsAt <= 5 * 3_600_000, 'the same day (3 or 5 hours on a daylight-saving Sunday)');
    // the panel's layout settles (the range's data arrives, the plot is resized): the band follows it
    await waitFor('the band inside the plot area', async () => {
      const box = await band.boundingBox();
      const plot = await panel('app-01').locator('[data-testid=chart-cpu] .u-over').boundingBox();
      return box && plot && box.width > 0 && box.x >= plot.x - 1 && box.x + box.width <= plot.x + plot.width + 1;
    });
    t.pass('drawn inside the plot area');
    await panel('sw-01').locator('[data-testid=range-1w]').click();
    await panel('sw-01').locator('[data-testid=chart-cpu]').waitFor();
    t.equal(await panel('sw-01').locator('[data-testid=maintenance-band]').count(), 0, 'the window covers app-01 only');
    await page.screenshot({ path: path.join(ARTIFACTS, 'maintenance-band.png'), fullPage: true });
  });

  await t.test('app-01 depends on sw-01: set in the editor, drawn on the schematic; the reverse is a cycle, refused', async (t) => {
    await page.goto(`${app.url}/#view=servers`);
    const row = (host: string) => page.locator(`[data-testid=admin-server-row][data-hostname="${host}"]`);
    await row('app-01').locator('[data-testid=admin-depends]').click();
    const dialog = page.locator('[data-testid=depends-dialog]');
    t.equal(await dialog.locator(`[data-testid=dep-choice-${id('app-01')}]`).count(), 0, 'a server is not offered as its own parent');
    await dialog.locator(`[data-testid=dep-choice-${id('sw-01')}]`).check();
    await dialog.locator('[data-testid=dep-save]').click();
    await dialog.waitFor({ state: 'detached', timeout: 15_000 });
    await waitFor('the parent shown', async () => (await row('app-01').locator('[data-testid=admin-server-depends]').textContent()) === 'sw-01' || undefined);
    t.same((await app.api<{ servers: Record<string, string[]> }>('/api/v1/dependencies')).servers[id('app-01')], [id('sw-01')], 'the appliance holds it');

    await row('sw-01').locator('[data-testid=admin-depends]').click();
    await dialog.locator(`[data-testid=dep-choice-${id('app-01')}]`).check();
    await dialog.locator('[data-testid=dep-save]').click();
    const problems = dialog.locator('[data-testid=form-problems]');
    await problems.waitFor({ timeout: 15_000 });
    t.match(await problems.textContent(), /dependsOn.*cycle/i, 'the cycle refused, in the appliance\'s words');
    t.equal(await dialog.count(), 1, 'the dialog stays open to fix it');
    await page.screenshot({ path: path.join(ARTIFACTS, 'maintenance-cycle.png') });
    await dialog.locator('[data-testid=dialog-close]').click();
    t.same((await app.api<{ servers: Record<string, string[]> }>('/api/v1/dependencies')).servers[id('sw-01')] ?? [], [], 'nothing applied');

    await page.locator('[data-testid=nav-schematic]').click();
    const edge = page.locator(`[data-testid=sch-edge][data-from="${id('app-01')}"][data-to="${id('sw-01')}"]`);
    await edge.waitFor({ state: 'attached', timeout: 15_000 });
    t.equal(await page.locator('[data-testid=sch-edge]').count(), 1, 'one line');
    const tileTop = async (host: string): Promise<{ x: number; y: number }> => {
      const b = await page.locator(`[data-testid=sch-tile][data-agent-id="${id(host)}"]`).boundingBox();
      return { x: (b?.x ?? 0) + (b?.width ?? 0) / 2, y: b?.y ?? 0 };
    };
    const map = await page.locator('[data-testid=schematic-map]').boundingBox();
    const [x1, y1, x2, y2] = await Promise.all(['x1', 'y1', 'x2', 'y2'].map(async (a) => Number(await edge.getAttribute(`data-${a}`))));
    const from = await tileTop('app-01');
    const to = await tileTop('sw-01');
    t.ok(Math.abs((map?.x ?? 0) + (x1 ?? 0) - from.x) < 2 && Math.abs((map?.y ?? 0) + (y1 ?? 0) - from.y) < 2, 'from the dependant\'s tile');
    t.ok(Math.abs((map?.x ?? 0) + (x2 ?? 0) - to.x) < 2 && Math.abs((map?.y ?? 0) + (y2 ?? 0) - to.y) < 2, 'to its parent\'s');
    t.match(await edge.getAttribute('d'), /^M [\d.]+ [\d.]+ Q /, 'an arc the browser draws');
    await page.screenshot({ path: path.join(ARTIFACTS, 'maintenance-schematic-edge.png'), fullPage: true });
  });

  await t.test('every member of a group depends on sw-01: set on the Groups screen', async (t) => {
    const group = await app.api<{ id: string }>('/api/v1/groups', { name: 'Apps', memberIds: [id('app-01')] });
    await page.goto(`${app.url}/#view=groups`);
    await page.locator(`[data-testid=group-row][data-group-id="${group.id}"]`).click();
    const card = page.locator('[data-testid=group-depends]');
    await card.locator('[data-testid=group-depends-edit]').click();
    const dialog = page.locator('[data-testid=depends-dialog]');
    await dialog.locator(`[data-testid=dep-choice-${id('sw-01')}]`).check();
    await dialog.locator('[data-testid=dep-save]').click();
    await dialog.waitFor({ state: 'detached', timeout: 15_000 });
    await waitFor('the group\'s parent shown', async () => (await card.locator('[data-testid=group-depends-list]').textContent()) === 'sw-01' || undefined);
    t.same((await app.api<{ groups: Record<string, string[]> }>('/api/v1/dependencies')).groups[group.id], [id('sw-01')], 'the appliance holds it');
  });

  await t.test('an alert firing in a window: "in maintenance" in the alert list, with the reason and author', async (t) => {
    const now = Date.now();
    await app.api('/api/v1/maintenance', { scope: { kind: 'agent', agentId: id('sw-01') }, schedule: { kind: 'once', startsAt: now - 60_000, endsAt: now + 3_600_000 }, reason: 'switch firmware' });
    await createRule(app, cpuRule(id('sw-01'), 1, 'CPU sw-01'));
    const client = clients['sw-01'];
    if (!client) throw new Error('no sw-01 client');
    const feeder = cpuFeeder(client, id('sw-01'), 1);
    t.teardown(() => feeder.stop());
    await openAlertOf(app, id('sw-01'));
    await page.goto(`${app.url}/#view=alerts`);
    const note = page.locator('[data-testid=alert-quiet][data-kind=maintenance]');
    await note.first().waitFor({ timeout: 15_000 });
    t.match(await note.first().textContent(), /In maintenance: switch firmware \(admin, until .+\); not texted/);
    feeder.stop();
  });

  await t.test('a viewer reads the windows and is offered no change; in Korean', async (t) => {
    await app.api('/api/v1/users', { username: VIEWER.username, role: 'viewer', password: VIEWER.password });
    const viewer = await signedInPage(browser, app.url, VIEWER);
    await viewer.page.goto(`${app.url}/#view=maintenance`);
    await viewer.page.locator('[data-testid=maint-row]').first().waitFor({ timeout: 15_000 });
    t.equal(await viewer.page.locator('[data-testid=maint-new]').count(), 0, 'no "new window"');
    t.equal(await viewer.page.locator('[data-testid=maint-edit], [data-testid=maint-delete]').count(), 0, 'no edit or delete');
    await viewer.page.locator('[data-testid=lang-ko]').click();
    await viewer.page.locator('h2', { hasText: '유지보수' }).waitFor({ timeout: 10_000 });
    t.match(await viewer.page.locator('[data-testid=maint-next]').first().textContent(), /01:00/, 'the next start in Korean, same wall clock');
    t.match(await viewer.page.locator('[data-testid=maint-row][data-active=true] [data-testid=maint-active]').textContent(), '진행 중', 'the one-off window open now');
    t.same(viewer.pageErrors, []);
  });

  t.same(pageErrors, [], 'no script errors');
  t.same(cspViolations, [], 'no CSP violations');
});
