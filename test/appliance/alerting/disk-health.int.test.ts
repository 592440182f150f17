// Disk health (S1+, S7) end to end: the REAL built agent finds a stand-in smartctl on its PATH
// (test/helpers/fake-smartctl.ts, answering with recorded outputs of real drives,
// test/fixtures/smart/), publishes the `smart` family, the REAL built appliance stores it, and the
// built-in rule "Disk health failing" raises a warning on the NVMe drive whose critical-warning bit
// is set — and on no healthy drive — texted through the modem simulator to the contact who takes
// warnings. An agent with no smartctl says so once and never logs an error per sample.
import t from 'tap';
import type { AgentDetail, AgentSummary } from '../../../contract/api.js';
import type { AlertListResponse } from '../../../contract/alerts-api.js';
import { createContact, send, smsTo, waitForModemReady, waitForSms } from '../../helpers/alerting-helpers.js';
import { startAgent, startAppliance, waitFor, type RunningAppliance } from '../../helpers/appliance-harness.js';
import { fakeSmartctl } from '../../helpers/fake-smartctl.js';
import { tempDir } from '../../helpers/temp-dir.js';

t.setTimeout(180_000);
const LEE = '+821033334444';

async function agentNamed(app: RunningAppliance, hostname: string): Promise<string> {
  const agent = await waitFor(`${hostname} listed`, async () => (await app.api<AgentSummary[]>('/api/v1/agents')).find((a) => a.hostname === hostname));
  return agent.id;
}

void t.test('smartctl on the agent\'s PATH: the smart family is stored and the built-in rule texts a warning for the NVMe with a critical warning', async (t) => {
  const app = await startAppliance(t, { args: ['--modem', 'sim', '--timezone', 'UTC'] });
  await waitForModemReady(app);
  await createContact(app, { name: 'Lee', phone: '010-3333-4444', language: 'en', severities: ['warning', 'critical', 'disaster'] });
  // every 2 s instead of 300 s, so the test sees several rounds
  const defaults = await send(app, 'PUT', '/api/v1/config/defaults', { collectors: { smart: { enabled: true, intervalS: 2 } } });
  t.equal(defaults.status, 200, JSON.stringify(defaults.json));

  const fake = fakeSmartctl(tempDir(t, 'rw-smartctl-'), [{ name: '/dev/sda', type: 'sat' }, { name: '/dev/nvme0', type: 'nvme' }]);
  fake.answer('sda', 'smart-ata.json');
  fake.answer('nvme0', 'smart-nvme-critical-warning.json', 8);
  const withSmartctl = startAgent(t, app, { interval: 5, hostname: 'disks-host', env: { PATH: `${fake.dir}:${process.env.PATH ?? ''}` } });
  const bare = startAgent(t, app, { interval: 5, hostname: 'bare-host', env: { PATH: '/nonexistent' } });
  const id = await agentNamed(app, 'disks-host');
  const bareId = await agentNamed(app, 'bare-host');

  const latest = await waitFor('both drives in the agent\'s latest values', async () => {
    const detail = await app.api<AgentDetail>(`/api/v1/agents/${id}`);
    const smart = detail.latest.filter((s) => s.family === 'smart');
    return smart.length === 2 ? smart : null;
  }, { timeoutMs: 60_000, intervalMs: 500 });
  t.match(latest.find((s) => s.key === 'sda')?.values, { healthy: 1, reallocated: 0, pending: 0, temperature: 32, failing: 0 }, 'the healthy SATA disk as recorded');
  t.match(latest.find((s) => s.key === 'nvme0')?.values, { healthy: 0, critical_warn: 4, pct_used: 1, temperature: 38, failing: 2 }, 'the NVMe with its critical warning');

  const alert = await waitFor('the disk-health alert', async () => {
    const list = await app.api<AlertListResponse>(`/api/v1/alerts?state=firing&agent=${id}`);
    return list.alerts.find((a) => a.ruleId === 'default-disk-health') ?? null;
  }, { timeoutMs: 60_000, intervalMs: 500 });
  t.equal(alert.key, 'nvme0', 'on the failing drive');
  t.equal(alert.severity, 'warning');
  const sms = await waitForSms(app, LEE, (text) => text.includes('nvme0'), 40_000);
  t.match(sms.text, /^\[WARN\] disks-host .*nvme0/, `the SMS names the server and the drive: ${sms.text}`);

  // several more rounds: still one alert, on nvme0 only, one SMS
  const rounds = fake.calls().length;
  await waitFor('three more rounds of smartctl', () => fake.calls().length >= rounds + 6, { timeoutMs: 30_000, intervalMs: 200 });
  const all = await app.api<AlertListResponse>(`/api/v1/alerts?agent=${id}`);
  t.same(all.alerts.filter((a) => a.ruleId === 'default-disk-health').map((a) => a.key), ['nvme0'], 'no alert on the healthy drive, no second one on nvme0');
  t.equal((await smsTo(app, LEE)).filter((m) => m.text.includes('nvme0')).length, 1, 'texted once');
  t.notMatch(withSmartctl.output(), /disk health:|collector failed/, 'nothing to complain about on the agent with smartctl');

  // the agent without smartctl: sent several rounds by now, said it once, no error per sample
  await waitFor('the bare agent\'s notices', () => /no drive reports/.test(bare.output()), { timeoutMs: 20_000, intervalMs: 200 });
  const notices = bare.output().split('\n').filter((l) => l.includes('disk health:'));
  t.equal(notices.filter((l) => l.includes('smartctl (smartmontools) is not installed')).length, 1, 'a missing smartctl said once');
  t.equal(notices.filter((l) => l.includes('no drive reports')).length, 1, 'no drive (this machine has no NVMe or drivetemp sensor) said once');
  t.notMatch(bare.output(), /collector failed/, 'never an error per sample');
  const bareDetail = await app.api<AgentDetail>(`/api/v1/agents/${bareId}`);
  t.same(bareDetail.latest.filter((s) => s.family === 'smart'), [], 'and no smart series');
});
