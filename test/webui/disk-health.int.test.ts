// Disk health on the server panel (S1+): the REAL built appliance, a hand-driven MQTT agent sending
// the `smart` family with the values of recorded real drives (test/fixtures/smart/, parsed by the
// agent's own parser), and Debian's headless Chromium showing the panel's disk-health table in
// English and Korean; a server without the family shows no such table.
import path from 'node:path';
import { readFileSync } from 'node:fs';
import t from 'tap';
import type { AgentDetail } from '../../contract/api.js';
import type { Sample } from '../../contract/metrics.js';
import { failingAttributes } from '../../agent/collectors/smart-health.js';
import { parseSmartctlJson } from '../../agent/collectors/smartctl-report.js';
import { diskHealthRows, diskVerdict } from '../../webui/src/disk-health.js';
import { startAppliance } from '../helpers/appliance-harness.js';
import { ARTIFACTS, launchChromium, signedInPage, uiTestCanRun } from '../helpers/chromium.js';
import { SMART_FIXTURES } from '../helpers/fake-smartctl.js';
import { connectAgent, enroll, publishMetrics } from '../helpers/mqtt-agent.js';

function driveSample(tm: number, key: string, fixture: string): Sample {
  const r = parseSmartctlJson(JSON.parse(readFileSync(path.join(SMART_FIXTURES, fixture), 'utf8')));
  return { t: tm, f: 'smart', k: key, v: { ...r, failing: failingAttributes(r, { reallocated: false, media_errors: false }).length } };
}

void t.test('rows: drives in trouble first, then by name; a drive known by its temperature alone has no verdict', (t) => {
  const latest = [
    { family: 'smart', key: 'sdb', t: 1, values: { healthy: 1, failing: 0, temperature: 30 } },
    { family: 'smart', key: 'sda', t: 1, values: { healthy: 1, failing: 0 } },
    { family: 'smart', key: 'nvme0', t: 1, values: { healthy: 0, failing: 2 } },
    { family: 'smart', key: 'nvme1', t: 1, values: { healthy: null, failing: null, temperature: 41 } },
    { family: 'disk', key: 'sda', t: 1, values: {} },
  ];
  const rows = diskHealthRows({ latest } as unknown as AgentDetail);
  t.same(rows.map((r) => [r.key, diskVerdict(r)]), [['nvme0', 'failing'], ['nvme1', 'unknown'], ['sda', 'passed'], ['sdb', 'passed']]);
  t.end();
});

void t.test('the server panel lists each drive with its verdict, counts, wear and temperature', async (t) => {
  if (!uiTestCanRun(t)) return;
  const app = await startAppliance(t);
  const disks = await enroll(app, 'disks-01');
  const plain = await enroll(app, 'plain-01');
  const client = await connectAgent(t, app, disks);
  const plainClient = await connectAgent(t, app, plain);
  const tm = Math.floor(Date.now() / 1000 / 300) * 300 - 300;
  await publishMetrics(client, disks.agentId, {
    v: 1, i: 5,
    s: [
      { t: tm, f: 'cpu', v: { user: 5, system: 1, iowait: 0, steal: 0, idle: 94 } },
      { ...driveSample(tm, 'sda', 'smart-ata.json'), i: 300 },
      { ...driveSample(tm, 'sdb', 'smart-fail2.json'), i: 300 },
      { ...driveSample(tm, 'nvme0', 'smart-nvme-critical-warning.json'), i: 300 },
    ],
  });
  await publishMetrics(plainClient, plain.agentId, { v: 1, i: 5, s: [{ t: tm, f: 'cpu', v: { user: 5, system: 1, iowait: 0, steal: 0, idle: 94 } }] });

  const browser = await launchChromium(t);
  const { page, pageErrors, cspViolations } = await signedInPage(browser, app.url);
  await page.setViewportSize({ width: 1400, height: 1000 });
  await page.goto(`${app.url}/`);
  await page.locator(`[data-testid=server-row][data-agent-id="${disks.agentId}"] button`).first().click();
  const panel = page.locator(`[data-testid=server-panel][data-agent-id="${disks.agentId}"]`);
  const table = panel.getByTestId('disk-health-table');
  await table.waitFor({ timeout: 15_000 });
  const rows = async (): Promise<string[]> => table.locator('[data-testid=disk-health-row]').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent?.trim() ?? '').join(' | ')));
  const en = await rows();
  t.same(en.map((r) => r.split(' | ').slice(0, 2).join(' ')), ['nvme0 Failing', 'sdb Failing', 'sda Passed'], 'drives in trouble first');
  t.match(en[1], /sdb \| Failing \| 25 °C \| 1,975 \| 8 \| — \| —/, `the failed disk's reallocated and pending sectors: ${en[1]}`);
  t.match(en[0], /nvme0 \| Failing \| 38 °C \| — \| — \| 0 \| 1(\.0)?\s?%/, `the NVMe's wear and temperature: ${en[0]}`);
  await panel.screenshot({ path: path.join(ARTIFACTS, 'disk-health.png') });

  await page.getByTestId('lang-ko').click();
  await table.locator('th', { hasText: '재할당' }).waitFor();
  t.match((await rows())[2], /sda \| 정상/, 'Korean verdicts');
  t.match((await rows())[0], /nvme0 \| 이상/);

  await page.locator(`[data-testid=server-row][data-agent-id="${plain.agentId}"] button`).first().click();
  const plainPanel = page.locator(`[data-testid=server-panel][data-agent-id="${plain.agentId}"]`);
  await plainPanel.getByTestId('disk-section').waitFor();
  t.equal(await plainPanel.getByTestId('disk-health-table').count(), 0, 'no table for a server that sends no disk health');
  t.same(pageErrors, [], 'no page errors');
  t.same(cspViolations, [], 'no CSP violations');
});
