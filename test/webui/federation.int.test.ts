// The Forwarding screen (S19, B8; admins, federation:manage) end to end with the built appliance
// and Debian's headless Chromium: an admin sets the remote-write URL, a bearer token,
// downsampling, a family filter and an Alertmanager URL, and the appliance holds them (the token
// not shown back); a CA file that cannot be read is refused with the field named; an Alertmanager
// login set through the API is shown as set and survives a save of the form, which never saw its
// password (secrets are write-only); the queue's state shows what waits for an endpoint that does
// not answer, since when (the oldest sample waiting) and its last error; in Korean too.
import t from 'tap';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { startAppliance, waitFor } from '../helpers/appliance-harness.js';
import { ARTIFACTS, launchChromium, signedInPage, uiTestCanRun } from '../helpers/chromium.js';
import { connectAgent, enroll, publishMetrics, sampleBatch } from '../helpers/mqtt-agent.js';
import { nowS } from '../helpers/stored-samples.js';
import type { FederationResponse } from '../../contract/federation-api.js';

void t.test('the Forwarding screen saves the settings and shows the queue', async (t) => {
  if (!uiTestCanRun(t)) return;
  // a port nothing listens on: the endpoint of a WAN that is down
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const writeUrl = `http://127.0.0.1:${port}/api/v1/write`;

  const app = await startAppliance(t);
  const browser = await launchChromium(t);
  const { page, pageErrors, cspViolations } = await signedInPage(browser, app.url);
  await page.goto(`${app.url}/#view=federation`);
  const form = page.locator('[data-testid=fed-form]');
  await form.waitFor({ timeout: 30_000 });

  await form.locator('[data-testid=fed-url]').fill(writeUrl);
  await form.locator('[data-testid=fed-authKind]').selectOption('bearer');
  await form.locator('[data-testid=fed-secret]').fill('upstream-token');
  await form.locator('[data-testid=fed-caFile]').fill('/nonexistent/ca.pem');
  await form.locator('[data-testid=fed-save]').click();
  await page.locator('[data-testid=fed-message]').waitFor({ timeout: 15_000 });
  t.match(await page.locator('[data-testid=fed-message]').textContent(), /remoteWrite\.caFile: cannot read \/nonexistent\/ca\.pem: ENOENT/, 'an unreadable CA file is refused, the field named');
  t.equal((await app.api<FederationResponse>('/api/v1/federation')).remoteWrite, null, 'nothing was saved');

  await form.locator('[data-testid=fed-caFile]').fill('');
  await form.locator('[data-testid=fed-downsampleS]').fill('60');
  await form.locator('[data-testid=fed-families]').fill('cpu, memory');
  await form.locator('[data-testid=fed-alertmanagerUrl]').fill('http://127.0.0.1:9/');
  await form.locator('[data-testid=fed-save]').click();
  await waitFor('Saved.', async () => (await page.locator('[data-testid=fed-message]').textContent()) === 'Saved.' || undefined, { timeoutMs: 15_000 });
  const saved = await app.api<FederationResponse>('/api/v1/federation');
  t.match(saved, {
    remoteWrite: { url: writeUrl, downsampleS: 60, families: ['cpu', 'memory'], auth: { kind: 'bearer', tokenSet: true }, caFile: null },
    alertmanager: { url: 'http://127.0.0.1:9/' },
  }, 'the appliance holds what the form said');

  // an Alertmanager login set through the API, the remote-write token left out (kept as stored)
  const viaApi = await app.fetch('/api/v1/federation', {
    method: 'PUT', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ remoteWrite: { url: writeUrl, downsampleS: 60, families: ['cpu', 'memory'] }, alertmanager: { url: 'http://127.0.0.1:9/', auth: { kind: 'basic', username: 'am-user', password: 'am-pass' } } }),
  });
  t.equal(viaApi.status, 200, 'a PUT without the remote-write token is taken');
  await page.reload();
  await form.waitFor({ timeout: 30_000 });
  t.equal(await form.locator('[data-testid=fed-amAuthKind]').inputValue(), 'basic', 'the form shows the Alertmanager\'s basic auth');
  t.equal(await form.locator('[data-testid=fed-amUsername]').inputValue(), 'am-user');
  t.equal(await form.locator('[data-testid=fed-amSecret]').inputValue(), '', 'the password is not shown');
  t.ok(await form.locator('[data-testid=fed-amsecretSet]').isVisible(), 'but said to be set');
  t.ok(await form.locator('[data-testid=fed-secretSet]').isVisible(), 'and the remote-write token too');
  // a save that changes something else, no secret typed
  await form.locator('[data-testid=fed-families]').fill('cpu, memory, fs');
  await form.locator('[data-testid=fed-save]').click();
  await waitFor('Saved. again', async () => (await page.locator('[data-testid=fed-message]').textContent()) === 'Saved.' || undefined, { timeoutMs: 15_000 });
  t.match(await app.api<FederationResponse>('/api/v1/federation'), {
    remoteWrite: { families: ['cpu', 'memory', 'fs'], auth: { kind: 'bearer', tokenSet: true } },
    alertmanager: { url: 'http://127.0.0.1:9/', auth: { kind: 'basic', username: 'am-user', passwordSet: true } },
  }, 'saving the form kept the Alertmanager login and the remote-write token');

  // an agent's samples wait for the endpoint that does not answer
  const id = await enroll(app, 'queued-host');
  const client = await connectAgent(t, app, id);
  const t0 = nowS() - 300;
  // two minutes' buckets: the first closes when the second begins (downsampling to 60 s)
  await publishMetrics(client, id.agentId, sampleBatch(t0 - (t0 % 60)));
  await publishMetrics(client, id.agentId, sampleBatch(t0 - (t0 % 60) + 60));
  await waitFor('a failed send', async () => (await app.api<FederationResponse>('/api/v1/federation')).status.requestsFailed > 0 || undefined, { timeoutMs: 30_000, intervalMs: 300 });
  await page.reload();
  await page.locator('[data-testid=fed-queue]').waitFor({ timeout: 30_000 });
  t.not(await page.locator('[data-testid=fed-queuedSamples]').textContent(), '0', 'samples waiting are shown');
  t.match(await page.locator('[data-testid=fed-lastError]').textContent(), /cannot reach the endpoint/, 'the last error is shown');
  t.match(await page.locator('[data-testid=fed-queuedBytes]').textContent(), /\d+(\.\d+)?\s*(B|KiB|kB|KB)/, 'the queue\'s size');
  const oldest = (await app.api<FederationResponse>('/api/v1/federation')).status.oldestQueuedAt;
  t.equal(oldest, (t0 - (t0 % 60)) * 1000, 'the oldest sample waiting: the first minute\'s average, at its start');
  t.match(await page.locator('[data-testid=fed-oldestQueuedAt]').textContent(), /ago/, 'shown with how long ago');

  await page.locator('[data-testid=lang-ko]').click();
  await page.getByText('대기 중인 샘플').waitFor({ timeout: 15_000 });
  t.ok(await page.getByText('원격 쓰기 URL (비우면 끔)').isVisible(), 'the form in Korean');
  await page.screenshot({ path: path.join(ARTIFACTS, 'federation-ko.png') });
  t.same(pageErrors, [], 'no page errors');
  t.same(cspViolations, [], 'no CSP violations');
});
