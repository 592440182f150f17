// The Redundancy screen (S13, B4; admins, appliance:manage) end to end with the built appliance, a
// real agent and Debian's headless Chromium: an admin makes the agent a sentinel with a webhook
// channel and a grace period, the appliance holds it, the sentinel's last signed heartbeat shows,
// and "send a test alarm through every channel" reaches the webhook and comes back as the
// channel's last test; in Korean too.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import t from 'tap';
import type { RedundancyResponse } from '../../contract/sentinel.js';
import { startAgent, startAppliance, waitFor } from '../helpers/appliance-harness.js';
import { ARTIFACTS, launchChromium, signedInPage, uiTestCanRun } from '../helpers/chromium.js';

void t.test('the Redundancy screen sets a sentinel, shows its heartbeat and tests every channel', async (t) => {
  if (!uiTestCanRun(t)) return;
  const hooks: { event: string; sentinel: string }[] = [];
  const receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => { body += d.toString(); });
    req.on('end', () => { hooks.push(JSON.parse(body) as { event: string; sentinel: string }); res.writeHead(204).end(); });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => { receiver.closeAllConnections(); receiver.close(() => resolve()); }));
  const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;

  const app = await startAppliance(t);
  const agent = startAgent(t, app, { hostname: 'sentinel-ui' });
  t.teardown(() => { if (!t.passing()) t.comment(`agent output:\n${agent.output().slice(-4000)}`); });
  const agentId = await waitFor('the agent enrolled', async () =>
    (await app.api<{ id: string; hostname: string }[]>('/api/v1/agents')).find((a) => a.hostname === 'sentinel-ui')?.id, { timeoutMs: 30_000 });

  const browser = await launchChromium(t);
  const { page, pageErrors, cspViolations } = await signedInPage(browser, app.url);
  await page.goto(`${app.url}/#view=redundancy`);
  const form = page.locator('[data-testid=red-form]');
  await form.waitFor({ timeout: 30_000 });
  await form.locator('[data-testid=red-sentinel-sentinel-ui]').check();
  await form.locator('[data-testid=red-grace]').fill('30');
  await form.locator('[data-testid=red-name]').fill('rack-ui');
  await form.locator('[data-testid=red-add-channel]').click();
  await form.locator('[data-testid=red-channel-0-url]').fill(hookUrl);
  await form.locator('[data-testid=red-add-channel]').click();
  await form.locator('[data-testid=red-channel-1-type]').selectOption('modem');
  await form.locator('[data-testid=red-channel-1-device]').fill('/dev/ttyUSB2');
  t.match(await form.locator('[data-testid=red-channel-1-modem-hint]').textContent(), /install the agent on it with --with-modem/, 'a modem channel says what its sentinel needs (S13, B4)');
  await form.locator('[data-testid=red-channel-1-to]').fill('010-1234');
  await form.locator('[data-testid=red-save]').click();
  await page.locator('[data-testid=red-message]').waitFor({ timeout: 15_000 });
  t.match(await page.locator('[data-testid=red-message]').textContent(), /channels\.1\.to\.0/, 'a bad phone number is refused, the field named');
  await form.locator('[data-testid=red-channel-1-remove]').click();
  await form.locator('[data-testid=red-save]').click();
  await waitFor('Saved.', async () => (await page.locator('[data-testid=red-message]').textContent()) === 'Saved.' || undefined, { timeoutMs: 15_000 });
  t.match(await app.api<RedundancyResponse>('/api/v1/redundancy'), { sentinels: [agentId], graceS: 30, name: 'rack-ui', channels: [{ type: 'webhook', url: hookUrl }] }, 'the appliance holds what the form said');

  const beat = page.locator('[data-testid=red-heartbeat-sentinel-ui]');
  await waitFor('the sentinel\'s last heartbeat shown', async () => (/\d/.test(await beat.textContent({ timeout: 30_000 }) ?? '') || undefined), { timeoutMs: 40_000, intervalMs: 500 });

  await page.locator('[data-testid=red-test]').click();
  const result = page.locator('[data-testid=red-test-sentinel-ui-0]');
  await result.waitFor({ timeout: 40_000 });
  t.match(await result.textContent(), /Webhook.*OK/, 'the channel\'s last test: OK');
  t.match(hooks, [{ event: 'test', sentinel: 'sentinel-ui' }], 'the test reached the webhook');

  await page.locator('[data-testid=lang-ko]').click();
  await page.getByText('모든 채널로 시험 경보 보내기').waitFor({ timeout: 15_000 });
  t.match(await result.textContent(), /웹훅.*정상/, 'the result in Korean');
  await page.screenshot({ path: path.join(ARTIFACTS, 'redundancy-ko.png') });
  t.same(pageErrors, [], 'no page errors');
  t.same(cspViolations, [], 'no CSP violations');
});
