// Every family the agent collects on a chart (S1), and the top processes and users over time
// (S18): the REAL built appliance, a hand-driven MQTT agent publishing each family and `x.top`
// snapshots (with users) and `x.visitors`, and Debian's headless Chromium opening the server
// panel's "All metrics" tab. Screenshots for a person to look at go to test-artifacts/.
import path from 'node:path';
import t from 'tap';
import type { MetricsBatch, Sample } from '../../contract/metrics.js';
import { FAMILIES_EN, FAMILIES_KO } from '../../webui/src/i18n-families.js';
import { coreBusyColumns, familyKeys, MAX_CORES } from '../../webui/src/family-series.js';
import type { AgentDetail } from '../../contract/api.js';
import { startAppliance } from '../helpers/appliance-harness.js';
import { ARTIFACTS, launchChromium, signedInPage, uiTestCanRun } from '../helpers/chromium.js';
import { connectAgent, enroll, publishMetrics } from '../helpers/mqtt-agent.js';

void t.test('both languages have every string of the tab', (t) => {
  t.same(Object.keys(FAMILIES_KO).sort(), Object.keys(FAMILIES_EN).sort());
  for (const [k, v] of Object.entries(FAMILIES_KO)) t.ok(v.trim().length > 0, k);
  t.end();
});

void t.test('which keys get a line: cores in number order and bounded, no loopback', (t) => {
  const latest = [
    ...Array.from({ length: 20 }, (_, i) => ({ family: 'cpucore' as const, key: `cpu${i}`, t: 1, values: {} })),
    { family: 'net' as const, key: 'lo', t: 1, values: {} }, { family: 'net' as const, key: 'eth0', t: 1, values: {} },
    { family: 'disk' as const, key: 'sda', t: 1, values: {} },
  ];
  const keys = familyKeys({ latest } as unknown as AgentDetail);
  t.same(keys.cores.slice(0, 3), ['cpu0', 'cpu1', 'cpu2']);
  t.equal(keys.cores[10], 'cpu10', 'cpu10 after cpu9');
  t.equal(keys.cores.length, MAX_CORES);
  t.equal(keys.coreCount, 20);
  t.same(keys.interfaces, ['eth0']);
  t.same(keys.disks, ['sda']);
  const busy = coreBusyColumns([{ agentId: 'a', family: 'cpucore', step: 5, fields: ['user', 'idle'], data: [[10, 15], [5, 6], [70, 95]] }, null]);
  t.same(busy, [[10, 15], [30, 5], [null, null]], 'busy = 100 − idle; a core with no series is a column of gaps');
  t.end();
});

function familySamples(tm: number, k: number): Sample[] {
  return [
    { t: tm, f: 'cpu', v: { user: 20, system: 5, iowait: 1, steal: 0, idle: 74 } },
    { t: tm, f: 'memory', v: { total: 8e9, used: 3e9, available: 5e9, cached: 1e9, swap_total: 1e9, swap_used: 0 } },
    { t: tm, f: 'load', v: { load1: 1.5, load5: 1.25, load15: 1 } },
    { t: tm, f: 'cpucore', k: 'cpu0', v: { user: 50, system: 10, iowait: 0, steal: 0, idle: 40 } },
    { t: tm, f: 'cpucore', k: 'cpu1', v: { user: 5, system: 5, iowait: 0, steal: 0, idle: 90 } },
    { t: tm, f: 'disk', k: 'sda', v: { reads: 12, writes: 40 + k, read_bytes: 1e6, write_bytes: 8e6, busy: 35 } },
    { t: tm, f: 'tcp', v: { established: 42, syn_sent: 0, syn_recv: 1, fin_wait1: 0, fin_wait2: 0, time_wait: 17, close: 0, close_wait: 2, last_ack: 0, listen: 9, closing: 0 } },
    { t: tm, f: 'net', k: 'eth0', v: { rx_bytes: 125_000, tx_bytes: 62_500, rx_packets: 100, tx_packets: 80, rx_errs: 0.5, tx_errs: 0, rx_drop: 2, tx_drop: 0, colls: 0, up: 1 } },
  ];
}

void t.test('each family, and the top processes and users, charted in the server panel', async (t) => {
  if (!uiTestCanRun(t)) return;
  const app = await startAppliance(t);
  const web = await enroll(app, 'web-01');
  const client = await connectAgent(t, app, web);
  const start = Math.floor(Date.now() / 1000 / 60) * 60 - 300;
  // five minutes of every family at 10 s; a top snapshot with users every 10 s, visitors every 30 s
  for (let k = 0; k < 30; k++) {
    const tm = start + k * 10;
    const postgres = k < 15 ? 90 : 30;
    const batch: MetricsBatch = {
      v: 1, i: 10, s: familySamples(tm, k),
      x: {
        t: tm,
        top: {
          cpu: [{ pid: 200, name: 'postgres', user: 'postgres', value: postgres }, { pid: 300, name: 'java', user: 'app', value: 60 }],
          memory: [{ pid: 200, name: 'postgres', user: 'postgres', value: 40 }, { pid: 300, name: 'java', user: 'app', value: 20 }],
          io: [],
          users: [{ user: 'postgres', cpu: postgres, memory: 3.2e9 }, { user: 'app', cpu: 60, memory: 1.6e9 }],
        },
        ...(k % 3 === 0 ? { visitors: [{ remote: '10.0.0.5', remotePort: 40000 + k, localPort: 443 }, { remote: '10.0.0.6', remotePort: 50000, localPort: 443 }] } : {}),
      },
    };
    await publishMetrics(client, web.agentId, batch);
  }

  const browser = await launchChromium(t);
  const { page, pageErrors, cspViolations } = await signedInPage(browser, app.url);
  await page.setViewportSize({ width: 1600, height: 1000 });
  await page.goto(`${app.url}/`);
  await page.locator(`[data-testid=server-row][data-agent-id="${web.agentId}"] button`).first().click();
  const panel = page.locator(`[data-testid=server-panel][data-agent-id="${web.agentId}"]`);
  await panel.getByTestId('range-1h').click();
  await panel.getByTestId('panel-tab-families').click();
  const chart = (id: string) => panel.getByTestId(id);
  const points = async (id: string): Promise<number> => Number(await chart(id).getAttribute('data-points'));
  // each legend row as "<series> <last value>" (the legend also has min, avg and max: S10)
  const legend = async (id: string): Promise<string[]> => chart(id).locator('[data-testid=legend-row]').evaluateAll((rows) => rows.map((r) => (
    `${r.querySelector('th')?.textContent ?? ''} ${r.querySelector('td[data-col=last]')?.textContent ?? ''}`.replace(/\s+/g, ' ').trim()
  )));

  await t.test('every family the agent sent has its chart with data', async (t) => {
    for (const id of ['chart-load', 'chart-cpucore', 'chart-disk-ops', 'chart-disk-bytes', 'chart-disk-busy', 'chart-tcp', 'chart-if-eth0', 'chart-net-errors']) {
      await page.waitForFunction((sel) => Number(document.querySelector(sel)?.getAttribute('data-points') ?? 0) > 0, `[data-agent-id="${web.agentId}"] [data-testid=${id}]`, { timeout: 15_000 });
      t.ok((await points(id)) >= 5, `${id}: ${await points(id)} points`);
    }
    t.match((await legend('chart-load')).join(' | '), /1 min\s*1\.5\b/, 'load1 at its value');
    const cores = (await legend('chart-cpucore')).join(' | ');
    t.match(cores, /cpu0\s*60/, 'cpu0 busy 60 % (100 − idle 40)');
    t.match(cores, /cpu1\s*10/, 'cpu1 busy 10 %');
    t.match((await legend('chart-disk-busy')).join(' | '), /sda\s*35/, 'sda busy 35 %');
    const tcp = (await legend('chart-tcp')).join(' | ');
    t.match(tcp, /established\s*42/);
    t.match(tcp, /time_wait\s*17/);
    t.match((await legend('chart-if-eth0')).join(' | '), /in\s*1(\.00)?\s*Mb/i, 'eth0 in: 125,000 B/s = 1 Mbit/s');
    t.match((await legend('chart-net-errors')).join(' | '), /eth0 in drops\s*2/, 'drops per second');
  });

  await t.test('top processes and users over time, by CPU and by memory; a picked process', async (t) => {
    await page.waitForFunction((sel) => Number(document.querySelector(sel)?.getAttribute('data-points') ?? 0) > 0, `[data-agent-id="${web.agentId}"] [data-testid=chart-top-processes]`, { timeout: 15_000 });
    const procs = (await legend('chart-top-processes')).join(' | ');
    t.match(procs, /postgres \(postgres\)/);
    t.match(procs, /java \(app\)\s*60/, 'java at 60 % of a CPU in its last minute');
    t.match((await legend('chart-top-users')).join(' | '), /app\s*60/);
    t.ok((await points('chart-visitors')) > 0, 'visitors counted per minute');
    t.match((await legend('chart-visitors')).join(' | '), /connections\s*2/);
    await panel.getByTestId('top-by-memory').click();
    await chart('chart-top-users').locator('figcaption', { hasText: 'Top users by memory' }).waitFor();
    await page.waitForFunction((sel) => /GiB|GB/.test(document.querySelector(sel)?.textContent ?? ''), `[data-agent-id="${web.agentId}"] [data-testid=chart-top-users] [data-testid=chart-legend]`);
    t.match((await legend('chart-top-users')).join(' | '), /postgres\s*(2\.98 GiB|3\.2 GB)/, 'postgres\'s 3.2 GB resident');
    await panel.getByTestId('top-pick').selectOption('postgres');
    await chart('chart-picked-cpu').waitFor();
    await page.waitForFunction((sel) => Number(document.querySelector(sel)?.getAttribute('data-points') ?? 0) > 0, `[data-agent-id="${web.agentId}"] [data-testid=chart-picked-memory]`);
    t.same((await legend('chart-picked-cpu')).map((l) => l.replace(/\s*[\d.]+$/, '')), ['postgres (postgres)'], 'one line: the picked process');
    t.match((await legend('chart-picked-memory')).join(' | '), /postgres \(postgres\)\s*40/);
    await panel.screenshot({ path: path.join(ARTIFACTS, 'family-charts.png') });
  });

  await t.test('in Korean, and at phone width with no sideways scrolling', async (t) => {
    await page.getByTestId('lang-ko').click();
    t.equal(await panel.getByTestId('panel-tab-families').textContent(), '전체 지표');
    t.equal(await chart('chart-tcp').locator('figcaption').textContent(), '상태별 TCP 연결');
    await panel.screenshot({ path: path.join(ARTIFACTS, 'family-charts-ko.png') });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForFunction(() => document.documentElement.scrollWidth <= 390, undefined, { timeout: 5_000 }).catch(() => undefined);
    t.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), `no horizontal scroll at 390 px (${await page.evaluate(() => document.documentElement.scrollWidth)} px)`);
    await panel.screenshot({ path: path.join(ARTIFACTS, 'family-charts-phone.png') });
  });
  t.same(pageErrors, [], 'no page errors');
  t.same(cspViolations, [], 'nothing refused by the CSP');
});
