// Tabs share one live stream (S9): a browser gives one host about six HTTP/1.1 connections, and an
// EventSource holds one for good, so a seventh tab with a stream of its own would wait forever. The
// REAL built appliance and a hand-driven MQTT agent; Debian's headless Chromium with seven pages in
// one browser context (one profile, one connection pool, one session cookie). Screenshots go to
// test-artifacts/.
import t from 'tap';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { startAppliance } from '../helpers/appliance-harness.js';
import { ARTIFACTS, launchChromium, signedInPage, uiTestCanRun } from '../helpers/chromium.js';
import { connectAgent, enroll, publishMetrics, sampleBatch } from '../helpers/mqtt-agent.js';
import { WebSession } from '../helpers/web-session.js';

const TABS = 7;
const VERA_PASSWORD = 'vera-viewer-password-1';

/** The CPU figure a tab's server list shows for the agent ('' while none). */
function cpuShown(page: Page, agentId: string): Promise<string | null> {
  return page.locator(`[data-testid=server-row][data-agent-id="${agentId}"] [data-testid=cpu-pct]`).getAttribute('data-value');
}

async function roleOf(page: Page): Promise<string | null> {
  return page.locator('[data-testid=stream-state]').getAttribute('data-role');
}

void t.test('seven tabs on one appliance all stay live, and survive their leader closing', async (t) => {
  if (!uiTestCanRun(t)) return;
  const app = await startAppliance(t);
  const id = await enroll(app, 'shared-01');
  const client = await connectAgent(t, app, id);
  // busy CPU = user + 3.5 (sampleBatch's system and iowait)
  const publishCpu = (user: number): Promise<unknown> => publishMetrics(client, id.agentId, sampleBatch(Math.floor(Date.now() / 1000), 1, user));
  await publishCpu(10);

  const browser = await launchChromium(t);
  const first = await signedInPage(browser, app.url);
  const pages: Page[] = [first.page];
  for (let i = 1; i < TABS; i++) pages.push(await first.page.context().newPage());
  const pageErrors: string[] = [...first.pageErrors];
  for (const p of pages.slice(1)) p.on('pageerror', (e) => pageErrors.push(e.message));
  for (const p of pages) {
    await p.goto(`${app.url}/`);
    await p.locator(`[data-testid=server-row][data-agent-id="${id.agentId}"]`).waitFor({ timeout: 20_000 });
  }
  t.pass(`all ${TABS} tabs list the server (none stuck at "Loading…")`);
  for (const p of pages) await p.locator('[data-testid=stream-state][data-state=open]').waitFor({ timeout: 20_000 });
  const roles = await Promise.all(pages.map(roleOf));
  t.equal(roles.filter((r) => r === 'leader').length, 1, 'one tab holds the stream');
  t.equal(roles.filter((r) => r === 'follower').length, TABS - 1, 'the others listen to it');

  await publishCpu(40);
  for (const [i, p] of pages.entries()) {
    await p.waitForFunction((agentId) => document.querySelector(`[data-testid=server-row][data-agent-id="${agentId}"] [data-testid=cpu-pct]`)?.getAttribute('data-value') === '43.5', id.agentId, { timeout: 20_000 });
    t.equal(await cpuShown(p, id.agentId), '43.5', `tab ${i + 1} shows the value just published`);
  }
  await pages[TABS - 1]?.screenshot({ path: path.join(ARTIFACTS, 'shared-stream-seventh-tab.png') });

  const leaderIndex = roles.indexOf('leader');
  const leader = pages[leaderIndex];
  if (!leader) throw new Error('no leader tab');
  await leader.close();
  const rest = pages.filter((_, i) => i !== leaderIndex);
  const deadline = Date.now() + 20_000;
  while ((await Promise.all(rest.map(roleOf))).filter((r) => r === 'leader').length !== 1) {
    if (Date.now() > deadline) throw new Error('no tab took the stream over');
    await new Promise((r) => setTimeout(r, 200));
  }
  t.pass('another tab took the stream over');

  await publishCpu(70);
  for (const [i, p] of rest.entries()) {
    await p.waitForFunction((agentId) => document.querySelector(`[data-testid=server-row][data-agent-id="${agentId}"] [data-testid=cpu-pct]`)?.getAttribute('data-value') === '73.5', id.agentId, { timeout: 20_000 });
    t.equal(await cpuShown(p, id.agentId), '73.5', `remaining tab ${i + 1} is still live`);
  }
  await rest[0]?.screenshot({ path: path.join(ARTIFACTS, 'shared-stream-after-leader-closed.png') });

  // another user signs in in this browser (the cookie is the browser's, so every tab now sends
  // theirs): a tab built for them opens a stream of their own instead of hearing the one opened
  // for the admin, whose events are filtered by the admin's permissions (SMS: SEC)
  await app.api('/api/v1/users', { username: 'vera', role: 'viewer', password: VERA_PASSWORD });
  const vera = new WebSession(app.url);
  const res = await vera.login('vera', VERA_PASSWORD);
  const cookie = vera.cookies.get('rw_session');
  if (res.status !== 200 || cookie === undefined) throw new Error(`sign-in as vera failed: HTTP ${res.status}`);
  await first.page.context().addCookies([{ name: 'rw_session', value: cookie, url: app.url }]);
  const veraTab = await first.page.context().newPage();
  veraTab.on('pageerror', (e) => pageErrors.push(e.message));
  await veraTab.goto(`${app.url}/`);
  await veraTab.locator('[data-testid=stream-state][data-state=open]').waitFor({ timeout: 20_000 });
  t.equal(await veraTab.locator('[data-testid=user-name]').textContent(), 'vera', 'the new tab is the viewer\'s');
  t.equal(await roleOf(veraTab), 'leader', 'the viewer\'s tab holds a stream of its own');
  t.equal((await Promise.all(rest.map(roleOf))).filter((r) => r === 'leader').length, 1, 'beside the admin tabs\' leader');
  await publishCpu(20);
  await veraTab.waitForFunction((agentId) => document.querySelector(`[data-testid=server-row][data-agent-id="${agentId}"] [data-testid=cpu-pct]`)?.getAttribute('data-value') === '23.5', id.agentId, { timeout: 20_000 });
  t.pass('and it is live');
  t.same(pageErrors, [], 'no script errors in any tab');
});
