// The Checks screens end to end (S4, S5): the REAL built appliance serves the built UI to Debian's
// headless Chromium (never a downloaded browser). An operator creates a port check against a real
// TCP service on loopback (a wrong port first: the appliance's refusal shows beside the field),
// sees it OK, stops the service and sees the check turn CRITICAL live, without a reload; the
// counts, the filters in the URL, the server panel's Checks tab (perfdata chart, state history)
// and Korean follow; a viewer sees the checks and no button to change them; the check is deleted.
//
// The agent here is a stand-in enrolled like any agent and talking MQTT: it runs the port checks
// its retained config names (falling back to the API's list when the config carries none) with
// the TCP check the real agent uses (core/tcp-probe.ts), once a second, and publishes the results
// on its checks topic as the agent does: the agent's own scheduler is tested with the agent.
import t from 'tap';
import net from 'node:net';
import path from 'node:path';
import type { MqttClient } from 'mqtt';
import type { Page } from 'playwright-core';
import type { SeriesResponse } from '../../contract/api.js';
import type { AgentConfig } from '../../contract/agent-config.js';
import type { CheckResultsPayload } from '../../contract/check-definitions.js';
import type { CheckListResponse, CheckView } from '../../contract/checks-api.js';
import { stateOfValue } from '../../contract/checks.js';
import { agentTopic } from '../../contract/topics.js';
import { probeTcp } from '../../core/tcp-probe.js';
import { CHECK_TYPE_LIST, TYPE_FIELDS } from '../../webui/src/checks-model.js';
import { startAppliance, waitFor, type RunningAppliance } from '../helpers/appliance-harness.js';
import { ARTIFACTS, launchChromium, signedInPage, uiTestCanRun } from '../helpers/chromium.js';
import { connectAgent, enroll, publishMetrics, sampleBatch } from '../helpers/mqtt-agent.js';

const OPERATOR = { username: 'otto', password: 'amber-river-switch-17' };
const VIEWER = { username: 'vera', password: 'quiet-harbour-lamp-42' };
const HOST = 'mail-01.seoul.example';

/** A port check as the stand-in agent runs it. */
interface PortCheck {
  id: string;
  host: string;
  port: number;
  expect?: string | undefined;
  warn?: string | null | undefined;
  crit?: string | null | undefined;
}

/**
 * The stand-in agent's scheduler: every second, each port check it knows is run once and the
 * round's results published. It learns its checks from the retained config when that names any
 * (as the agent does), else from the API.
 */
function runPortChecks(app: RunningAppliance, client: MqttClient, agentId: string): { stop: () => void; source: () => string; lastError: () => string } {
  let lastError = '';
  let fromConfig: PortCheck[] | null = null;
  let source = 'none yet';
  client.on('message', (topic, payload) => {
    if (topic !== agentTopic(agentId, 'config')) return;
    try {
      const config = JSON.parse(payload.toString()) as AgentConfig;
      const checks = (config.checks ?? []).flatMap((c) => (c.type === 'port' ? [{ id: c.id, host: c.host, port: c.port, expect: c.expect, warn: c.warn, crit: c.crit }] : []));
      fromConfig = checks.length > 0 ? checks : null;
    } catch {
      // not this test's concern: the config's own tests cover it
    }
  });
  void client.subscribeAsync(agentTopic(agentId, 'config'), { qos: 1 });
  const fromApi = async (): Promise<PortCheck[]> => {
    const list = await app.api<CheckListResponse>(`/api/v1/checks?agentId=${encodeURIComponent(agentId)}&type=port`);
    return list.checks.flatMap((c) => {
      const d = c.definition as unknown as PortCheck & { type: string };
      return d.type === 'port' ? [{ id: c.id, host: d.host, port: d.port, expect: d.expect, warn: d.warn, crit: d.crit }] : [];
    });
  };
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const round = async (): Promise<void> => {
    const checks = fromConfig ?? (await fromApi());
    if (checks.length > 0) source = fromConfig ? 'config' : 'api';
    const results = await Promise.all(
      checks.map(async (c) => {
        const pattern = c.expect ? new RegExp(c.expect) : null;
        const r = await probeTcp({ host: c.host, port: c.port, timeoutMs: 2000, ...(pattern ? { expect: (reply: string) => pattern.test(reply) } : {}), warn: c.warn ?? null, crit: c.crit ?? null, stateOfTime: stateOfValue });
        return { id: c.id, t: Math.floor(Date.now() / 1000), state: r.state, output: r.output, perfdata: r.perfdata, durationMs: r.durationMs };
      }),
    );
    if (results.length === 0) return;
    const payload: CheckResultsPayload = { v: 1, results };
    await client.publishAsync(agentTopic(agentId, 'checks'), JSON.stringify(payload), { qos: 1 });
  };
  const loop = (): void => {
    if (stopped) return;
    round()
      .catch((e: unknown) => {
        lastError = String(e);
      })
      .finally(() => {
        if (!stopped) timer = setTimeout(loop, 1000);
      });
  };
  loop();
  return {
    stop: () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
    source: () => source,
    lastError: () => lastError,
  };
}

/** A TCP service on loopback that greets like an SMTP server; stop() closes it and every connection. */
async function smtpLikeService(t: { teardown(fn: () => unknown): void }): Promise<{ port: number; stop: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    s.end('220 mail-01 ESMTP ready\r\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  let open = true;
  const stop = async (): Promise<void> => {
    if (!open) return;
    open = false;
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  t.teardown(stop);
  return { port, stop };
}

function row(page: Page, checkId: string) {
  return page.locator(`[data-testid=check-row][data-check-id="${checkId}"]`);
}

void t.test('an operator creates a port check, sees it OK, and CRITICAL live when the service stops', async (t) => {
  if (!uiTestCanRun(t)) return;
  const app = await startAppliance(t);
  await app.api('/api/v1/users', { username: OPERATOR.username, role: 'operator', password: OPERATOR.password });
  await app.api('/api/v1/users', { username: VIEWER.username, role: 'viewer', password: VIEWER.password });
  const service = await smtpLikeService(t);

  const id = await enroll(app, HOST);
  const client = await connectAgent(t, app, id);
  await client.publishAsync(agentTopic(id.agentId, 'status'), 'online', { qos: 1, retain: true });
  await publishMetrics(client, id.agentId, sampleBatch(Math.floor(Date.now() / 1000)));
  const agent = runPortChecks(app, client, id.agentId);
  t.teardown(agent.stop);

  const browser = await launchChromium(t);
  const { page, pageErrors, cspViolations } = await signedInPage(browser, app.url, OPERATOR);
  await page.goto(`${app.url}/`);
  await page.locator('[data-testid=nav-checks]').click();
  await page.locator('[data-testid=view-checks]').waitFor();
  t.match(page.url(), /#view=checks/, 'the Checks view is in the URL');
  await page.locator('[data-testid=view-checks] [data-testid=empty]').waitFor();
  t.equal(await page.locator('[data-testid=view-checks] [data-testid=empty]').textContent(), 'No checks yet.');

  // the dialog: a port out of range is refused by the appliance, and said beside the port field
  await page.locator('[data-testid=check-new]').click();
  const form = page.locator('[data-testid=check-form]');
  await form.waitFor();
  t.equal(await form.locator('[data-testid=check-type]').inputValue(), 'port', 'a new check starts as a port check');
  // every type shows its own fields; a probe runs on the appliance, so it has no placement but an optional server
  for (const type of CHECK_TYPE_LIST) {
    await form.locator('[data-testid=check-type]').selectOption(type);
    const missing: string[] = [];
    for (const spec of TYPE_FIELDS[type]) if ((await form.locator(`[data-testid=check-${spec.key}]`).count()) !== 1) missing.push(spec.key);
    if (type === 'log' && (await form.locator('[data-testid=check-pattern]').count()) !== 1) missing.push('patterns');
    const probe = type.startsWith('probe-');
    if ((await form.locator('[data-testid=check-placement]').count()) !== (probe ? 0 : 1)) missing.push('placement');
    t.same(missing, [], `${type}: its fields are on the form`);
  }
  await form.locator('[data-testid=check-type]').selectOption('port');
  await form.locator('[data-testid=check-name]').fill('smtp');
  await form.locator('[data-testid=check-agent]').selectOption(id.agentId);
  await form.locator('[data-testid=check-host]').fill('127.0.0.1');
  await form.locator('[data-testid=check-port]').fill('70000');
  await form.locator('[data-testid=check-expect]').fill('^220');
  await form.locator('[data-testid=check-interval]').fill('5');
  await form.locator('[data-testid=check-save]').click();
  const portError = form.locator('[data-field=port] [data-testid=field-error]');
  await portError.waitFor();
  t.ok((await portError.textContent())?.length, `the refusal is shown beside the port: "${await portError.textContent()}"`);
  t.equal(await form.locator('[data-testid=form-error]').count(), 0, 'and not as a problem of the whole form');
  await page.screenshot({ path: path.join(ARTIFACTS, 'checks-dialog.png') });
  await form.locator('[data-testid=check-port]').fill(String(service.port));
  t.equal(await portError.count(), 0, 'editing the field clears its message');
  await form.locator('[data-testid=check-save]').click();
  await page.locator('[data-testid=check-dialog]').waitFor({ state: 'detached' });

  const created = await waitFor('the check in the API', async () => (await app.api<CheckListResponse>('/api/v1/checks')).checks.find((c) => c.definition.name === 'smtp'));
  t.equal(created.type, 'port');
  const r = row(page, created.id);
  await r.waitFor();
  t.match(await r.locator('[data-testid=check-where]').textContent(), HOST, 'the row names the server it runs on');

  // the agent's results arrive: OK, with the service's greeting in the output
  await page.locator(`[data-testid=check-row][data-check-id="${created.id}"][data-state=ok]`).waitFor({ timeout: 20_000 }).catch((e: unknown) => {
    throw new Error(`${String(e)}\nthe stand-in agent: checks from ${agent.source()}, last error ${agent.lastError() || 'none'}\n${app.output().slice(-3000)}`);
  });
  t.match(await r.locator('[data-testid=check-output]').textContent(), /TCP OK.*220 mail-01/, 'the output line is the check\'s');
  t.equal(await r.locator('[data-testid=check-state]').textContent(), 'OK');
  t.equal(await page.locator('[data-testid=count-ok]').getAttribute('data-count'), '1', 'counted as OK');

  // the service has been up a while: its connect times are stored (an RRD step is written when
  // the next one begins, and a refused connection has no time to write)
  await waitFor('connect times stored', async () => {
    const now = Math.floor(Date.now() / 1000);
    const s = await app.api<SeriesResponse>(`/api/v1/checks/${created.id}/series?label=time&from=${now - 600}&to=${now}&points=120`);
    return s.data.slice(1).some((col) => col.some((v) => v !== null));
  }, { timeoutMs: 30_000 });

  // the service stops: CRITICAL on screen live, without a reload
  await page.evaluate(() => {
    (window as unknown as { stillThisPage: boolean }).stillThisPage = true;
  });
  await service.stop();
  await page.locator(`[data-testid=check-row][data-check-id="${created.id}"][data-state=critical]`).waitFor({ timeout: 20_000 });
  t.ok(await page.evaluate(() => (window as unknown as { stillThisPage?: boolean }).stillThisPage === true), 'the page was not reloaded');
  t.match(await r.locator('[data-testid=check-output]').textContent(), /TCP CRITICAL.*connection refused/, 'the output says why');
  t.equal(await r.locator('[data-testid=check-state]').textContent(), 'Critical');
  t.equal(await page.locator('[data-testid=count-critical]').getAttribute('data-count'), '1', 'the counts follow');
  t.equal(await page.locator('[data-testid=count-ok]').getAttribute('data-count'), '0');
  t.comment(`the stand-in agent took its checks from: ${agent.source()}`);
  await page.screenshot({ path: path.join(ARTIFACTS, 'checks-critical.png'), fullPage: true });

  // a state filter is kept in the URL, across a reload
  await page.locator('[data-testid=count-ok]').click();
  await page.locator('[data-testid=view-checks] [data-testid=empty]').waitFor();
  t.match(page.url(), /state=ok/, 'the state filter is in the URL');
  await page.reload();
  await page.locator('[data-testid=view-checks] [data-testid=empty]').waitFor();
  t.equal(await page.locator('[data-testid=count-ok]').getAttribute('aria-pressed'), 'true', 'and survives a reload');
  await page.locator('[data-testid=check-filter-type]').selectOption('port');
  await page.locator('[data-testid=count-critical]').click();
  await r.waitFor();
  t.match(page.url(), /state=critical/);
  t.match(page.url(), /type=port/, 'the type filter too');

  // the server's panel: its Checks tab with the state, the perfdata chart and the state history
  await page.goto(`${app.url}/#open=${id.agentId}`);
  const panel = page.locator(`[data-testid=server-panel][data-agent-id="${id.agentId}"]`);
  await panel.locator('[data-testid=chart-cpu]').waitFor();
  await panel.locator('[data-testid=panel-tab-checks]').click();
  t.notOk(await panel.locator('[data-testid=chart-cpu]').isVisible(), 'the Checks tab takes the place of the charts');
  const panelRow = panel.locator(`[data-testid=panel-check-row][data-check-id="${created.id}"][data-state=critical]`);
  await panelRow.waitFor();
  await panelRow.locator('[data-testid=panel-check-open]').click();
  const detail = panel.locator('[data-testid=check-detail]');
  await detail.waitFor();
  await detail.locator('[data-testid=check-history-entry][data-state=critical]').waitFor();
  t.ok((await detail.locator('[data-testid=check-history-entry][data-state=ok]').count()) > 0, 'the history holds the OK before the CRITICAL');
  await waitFor('the response-time chart drawn', async () => Number(await detail.locator('[data-testid=check-chart]').first().getAttribute('data-points')) > 0, { timeoutMs: 20_000 });
  t.pass('the connect time is charted from the stored perfdata');
  t.match(await detail.locator('[data-testid=check-chart] .chart-title').first().textContent(), 'time (ms)', 'in milliseconds');
  await page.screenshot({ path: path.join(ARTIFACTS, 'checks-panel.png'), fullPage: true });

  // Korean
  await page.locator('[data-testid=lang-ko]').click();
  t.equal(await page.locator('[data-testid=nav-checks]').textContent(), '점검', 'the tab is Korean');
  t.equal(await panel.locator('[data-testid=panel-tab-checks]').textContent(), '점검');
  t.equal(await panelRow.locator('[data-testid=check-state]').textContent(), '심각', 'so is the state');
  await page.locator('[data-testid=nav-checks]').click();
  await r.waitFor();
  t.equal(await page.locator('[data-testid=view-checks] h2').textContent(), '서비스 점검');
  t.equal(await page.locator('[data-testid=check-new]').textContent(), '새 점검');
  await page.screenshot({ path: path.join(ARTIFACTS, 'checks-ko.png'), fullPage: true });
  await page.locator('[data-testid=lang-en]').click();

  // a viewer sees the check and nothing to change it with
  const viewer = await signedInPage(browser, app.url, VIEWER);
  await viewer.page.goto(`${app.url}/#view=checks`);
  await row(viewer.page, created.id).waitFor();
  t.equal(await viewer.page.locator('[data-testid=check-new]').count(), 0, 'a viewer has no "New check"');
  t.equal(await viewer.page.locator('[data-testid=check-edit]').count(), 0, 'no Edit');
  t.equal(await viewer.page.locator('[data-testid=check-delete]').count(), 0, 'no Delete');
  await viewer.page.goto(`${app.url}/#open=${id.agentId}`);
  await viewer.page.locator('[data-testid=panel-tab-checks]').click();
  await viewer.page.locator(`[data-testid=panel-check-row][data-check-id="${created.id}"]`).waitFor();
  t.equal(await viewer.page.locator('[data-testid=panel-check-new]').count(), 0, 'nor in the server panel');

  // an edit keeps the type and what was not changed
  await r.locator('[data-testid=check-edit]').click();
  await form.waitFor();
  t.ok(await form.locator('[data-testid=check-type]').isDisabled(), 'a saved check keeps its type');
  t.equal(await form.locator('[data-testid=check-port]').inputValue(), String(service.port), 'the form holds the saved definition');
  await form.locator('[data-testid=check-name]').fill('smtp banner');
  await form.locator('[data-testid=check-save]').click();
  await page.locator('[data-testid=check-dialog]').waitFor({ state: 'detached' });
  await waitFor('the new name on the row', async () => (await r.locator('[data-testid=check-name-cell]').textContent()) === 'smtp banner');
  const edited = await app.api<CheckView>(`/api/v1/checks/${created.id}`);
  t.same({ ...edited.definition, name: 'smtp' }, created.definition, 'only the name changed');

  // delete, confirmed (the watched page accepts the confirmation)
  await r.locator('[data-testid=check-delete]').click();
  await r.waitFor({ state: 'detached' });
  t.same((await app.api<CheckListResponse>('/api/v1/checks')).checks.map((c: CheckView) => c.id), [], 'the check is gone from the appliance');

  t.same(pageErrors, [], 'no script errors on the operator\'s page');
  t.same(cspViolations, [], 'nothing the Content-Security-Policy refuses');
  t.same(viewer.pageErrors, [], 'nor on the viewer\'s');
  t.same(viewer.cspViolations, []);
});
