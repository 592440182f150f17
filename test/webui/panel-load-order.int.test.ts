// The dashboard's panels on screen load first (S9, S14; webui/src/panel-load-order.ts): with more
// servers open than fit, a panel below the fold asks for its data only once the panels on screen
// have theirs, without being scrolled to, so an operator who scrolls down finds it drawn; a range
// chosen on every panel at once reaches each of them.
import t from 'tap';
import { startAppliance, waitFor } from '../helpers/appliance-harness.js';
import { launchChromium, signedInPage, uiTestCanRun } from '../helpers/chromium.js';
import { connectAgent, enroll, publishMetrics, sampleBatch } from '../helpers/mqtt-agent.js';

const SERVERS = 6;

void t.test('panels off screen load after the ones on screen, and are drawn when scrolled to', async (t) => {
  if (!uiTestCanRun(t)) return;
  const app = await startAppliance(t);
  const ids: string[] = [];
  const now = Math.floor(Date.now() / 1000);
  for (let n = 1; n <= SERVERS; n++) {
    const id = await enroll(app, `web-${String(n).padStart(2, '0')}`);
    const client = await connectAgent(t, app, id);
    for (const back of [40, 20, 0]) await publishMetrics(client, id.agentId, sampleBatch(now - back, 1, 10 * n));
    ids.push(id.agentId);
  }
  await waitFor('the last server\'s samples stored', async () => {
    const r = await app.fetch(`/api/v1/agents/${ids[SERVERS - 1]}/series?family=cpu&from=${now - 600}&to=${now + 60}&points=60`);
    return r.ok || undefined;
  });

  const browser = await launchChromium(t);
  const { page, pageErrors } = await signedInPage(browser, app.url);
  await page.setViewportSize({ width: 1200, height: 800 });
  // when each panel's CPU series was asked for and answered, in the page's order
  const events: string[] = [];
  page.on('request', (r) => {
    const m = /\/agents\/([^/]+)\/series\?family=cpu/.exec(r.url());
    if (m) events.push(`asked ${m[1]}`);
  });
  page.on('response', (r) => {
    const m = /\/agents\/([^/]+)\/series\?family=cpu/.exec(r.url());
    if (m) events.push(`answered ${m[1]}`);
  });
  await page.goto(`${app.url}/#open=${ids.join(',')}`);
  const panel = (id: string) => page.locator(`[data-testid=server-panel][data-agent-id="${id}"]`);
  const cpuPoints = async (id: string): Promise<number> => Number(await panel(id).locator('[data-testid=chart-cpu]').getAttribute('data-points'));

  const first = ids[0] as string;
  const last = ids[SERVERS - 1] as string;
  await waitFor('the first panel\'s CPU chart has data', async () => ((await cpuPoints(first)) > 0 ? true : undefined), { timeoutMs: 30_000 });
  const box = await panel(last).boundingBox();
  t.ok(box && box.y > 800, `the last panel is below the fold (at ${box?.y.toFixed(0)} px)`);

  await waitFor('every panel\'s CPU chart has data, none scrolled to', async () => {
    for (const id of ids) if ((await cpuPoints(id)) === 0) return undefined;
    return true;
  }, { timeoutMs: 30_000 });
  t.pass('the panels below the fold loaded without being scrolled to');
  const askedLast = events.indexOf(`asked ${last}`);
  t.ok(askedLast > events.indexOf(`answered ${first}`), `the last panel asked for its CPU series after the first panel had its answer (${events.join(', ')})`);

  await panel(last).scrollIntoViewIfNeeded();
  const drawn = await waitFor('the last panel\'s CPU chart drawn', async () => {
    const chart = panel(last).locator('[data-testid=chart-cpu]');
    const points = Number(await chart.getAttribute('data-points'));
    return points > 0 && Number(await chart.getAttribute('data-drawn')) === points ? points : undefined;
  }, { timeoutMs: 30_000 });
  t.ok(drawn >= 1, `scrolled to, its chart shows its ${drawn} point(s)`);

  // a range chosen on every panel at once (a wall switching all of them) reloads each, one panel a
  // frame (webui/src/panel-turns.ts): none is left on the old range or without its points
  await page.evaluate(() => {
    for (const b of document.querySelectorAll<HTMLElement>('[data-testid=range-1h]')) b.click();
  });
  for (const id of ids) {
    await panel(id).scrollIntoViewIfNeeded();
    const shown = await waitFor(`panel ${id}'s CPU chart drawn over the hour`, async () => {
      const chart = panel(id).locator('[data-testid=chart-cpu]');
      const at = async (a: string): Promise<number> => Number(await chart.getAttribute(a));
      const points = await at('data-points');
      return (await at('data-to')) - (await at('data-from')) >= 3600 && points > 0 && (await at('data-drawn')) === points ? points : undefined;
    }, { timeoutMs: 30_000 });
    t.ok(shown >= 1, `every panel switched at once shows the hour: ${id} with ${shown} point(s)`);
  }
  t.same(pageErrors, [], 'no page errors');
});
