// Disk health (S1+): smartctl's JSON recorded from real drives (test/fixtures/smart/, README there)
// parsed into the `smart` family's values; the collector against a stand-in smartctl (a real
// process) and a recorded sysfs tree: what it publishes, how `failing` counts, what it says once
// when smartctl is missing or may not read the drives, and the runner's bounds.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { familyFields, metricsBatchSchema, type Sample } from '../../../contract/metrics.js';
import { createLogger } from '../../../core/logger.js';
import { CountRises, createSmartHealthCollector, failingAttributes, RISE_HOLD_MS } from '../../../agent/collectors/smart-health.js';
import { deviceKey, parseScan, parseSmartctlJson, type SmartReading } from '../../../agent/collectors/smartctl-report.js';
import { createSmartctlRunner } from '../../../agent/collectors/smartctl-runner.js';
import { fakeSmartctl, permissionDeniedAnswer, SMART_FIXTURES } from '../../helpers/fake-smartctl.js';
import { tempDir } from '../../helpers/temp-dir.js';

const recorded = (file: string): SmartReading => parseSmartctlJson(JSON.parse(readFileSync(path.join(SMART_FIXTURES, file), 'utf8')));
const NO_RISE = { reallocated: false, media_errors: false };

function capturingLog(): { log: ReturnType<typeof createLogger>; lines: string[] } {
  const lines: string[] = [];
  return { log: createLogger('agent', 'debug', (l) => lines.push(l)), lines };
}

void t.test('recorded answers of real drives become the family\'s values', (t) => {
  t.same(recorded('smart-ata.json'), { healthy: 1, reallocated: 0, pending: 0, media_errors: null, pct_used: null, critical_warn: null, temperature: 32 }, 'a healthy SATA disk');
  t.same(failingAttributes(recorded('smart-ata.json'), NO_RISE), [], 'nothing failing on it');

  const failed = recorded('smart-fail2.json');
  t.same(failed, { healthy: 0, reallocated: 1975, pending: 8, media_errors: null, pct_used: null, critical_warn: null, temperature: 25 }, 'a failed ATA disk with reallocated and pending sectors');
  t.same(failingAttributes(failed, NO_RISE), ['self-assessment failed', '8 pending sectors']);

  t.same(recorded('smart-nvme2.json'), { healthy: 1, reallocated: null, pending: null, media_errors: 0, pct_used: 1, critical_warn: 0, temperature: 38 }, 'a healthy NVMe');
  const warned = recorded('smart-nvme-critical-warning.json');
  t.equal(warned.critical_warn, 4);
  t.same(failingAttributes(warned, NO_RISE), ['self-assessment failed', 'critical warning 0x04'], 'an NVMe with a critical-warning bit');
  t.equal(recorded('smart-nvme-failed.json').media_errors, 7, 'NVMe media errors');
  t.same(recorded('smart-scsi.json'), { healthy: 1, reallocated: 56, pending: null, media_errors: 0, pct_used: null, critical_warn: null, temperature: 34 }, 'SCSI: the grown defect list counts as reallocated');

  t.same(parseSmartctlJson({ smartctl: { exit_status: 2 } }), { healthy: null, reallocated: null, pending: null, media_errors: null, pct_used: null, critical_warn: null, temperature: null }, 'an answer without data');
  t.same(failingAttributes({ ...recorded('smart-nvme2.json'), pct_used: 90 }, NO_RISE), ['90 % of its endurance used']);
  t.same(parseScan({ devices: [{ name: '/dev/sda', type: 'sat' }, { name: 'sdb' }, { name: '/dev/bus/0', type: 'megaraid,1' }] }).map(deviceKey), ['sda', 'bus/0:megaraid,1'], 'scan: names below /dev, RAID slots apart');
  t.end();
});

void t.test('reallocated sectors and media errors count while they rise, and for a day after', (t) => {
  const rises = new CountRises();
  t.notOk(rises.rose('sda\nreallocated', 1975, 0), 'a count found at the first reading is history');
  t.notOk(rises.rose('sda\nreallocated', 1975, 300_000), 'unchanged');
  t.ok(rises.rose('sda\nreallocated', 1976, 600_000), 'one more sector: rising');
  t.ok(rises.rose('sda\nreallocated', 1976, 600_000 + RISE_HOLD_MS - 1), 'still counted within the day');
  t.notOk(rises.rose('sda\nreallocated', 1976, 600_000 + RISE_HOLD_MS), 'a day without growth: no longer');
  t.end();
});

void t.test('collector: smartctl on two drives; a rise of media errors; a drive asleep is neither woken nor an error', async (t) => {
  const dir = tempDir(t);
  const fake = fakeSmartctl(dir, [{ name: '/dev/sda', type: 'sat' }, { name: '/dev/nvme0', type: 'nvme' }]);
  fake.answer('sda', 'smart-ata.json');
  fake.answer('nvme0', 'smart-nvme2.json');
  const { log, lines } = capturingLog();
  let now = 0;
  const collector = createSmartHealthCollector({ root: path.join(dir, 'no-sysfs'), smartctl: fake.program, log, nowMs: () => now });
  const first = await collector.collect(1000);
  t.same(first.map((s) => [s.k, s.v.healthy, s.v.temperature, s.v.failing]), [['sda', 1, 32, 0], ['nvme0', 1, 38, 0]]);
  for (const s of first) t.same(Object.keys(s.v).sort(), [...familyFields('smart')].sort(), 'the contract\'s fields');
  t.ok(metricsBatchSchema.safeParse({ v: 1, i: 300, s: first }).success, 'a valid batch');
  t.same(fake.calls(), ['--scan --json=c', '--json=c -H -A -n standby /dev/sda', '--json=c -H -A -n standby /dev/nvme0'], 'standby drives are not woken; no -d for types smartctl picks itself');

  now += 300_000;
  fake.answer('nvme0', 'smart-nvme-failed.json');
  const second = await collector.collect(1300);
  t.match(second.find((s) => s.k === 'nvme0')?.v, { media_errors: 7, failing: 1 }, 'media errors that rose count as failing');

  now += 300_000;
  writeFileSync(path.join(dir, 'sda.json'), JSON.stringify({ smartctl: { messages: [{ string: 'Device is in STANDBY mode, exit(2)', severity: 'information' }], exit_status: 2 } }));
  const third = await collector.collect(1600);
  t.same(third.map((s) => [s.k, s.v.healthy, s.v.temperature]), [['sda', 1, null], ['nvme0', 1, 35]], 'a drive in standby: its last health, no temperature');
  t.same(lines.filter((l) => / (warn|error) /.test(l)), [], 'nothing logged as a problem');
  t.equal(fake.calls().filter((c) => c.startsWith('--scan')).length, 1, 'the drive list is kept between rounds');
});

void t.test('collector: no smartctl, or no permission: said once, no error, nothing run again; kernel temperatures still sent', async (t) => {
  const sysfs = tempDir(t, 'rw-', {
    sys: {
      class: { nvme: { nvme0: { hwmon3: { temp1_input: '41850\n' } } } },
      block: { sda: { device: { hwmon: { hwmon1: { temp1_input: '30000\n' } } } }, loop0: {} },
    },
  });
  const missing = capturingLog();
  const withoutSmartctl = createSmartHealthCollector({ root: sysfs, smartctl: null, log: missing.log });
  let samples: Sample[] = [];
  for (let round = 0; round < 3; round++) samples = await withoutSmartctl.collect(1000 + round * 300);
  t.same(samples.map((s) => [s.k, s.v.temperature, s.v.healthy, s.v.failing]), [['nvme0', 41.9], ['sda', 30]].map(([k, c]) => [k, c, null, null]), 'temperatures from hwmon; no health, so no failing count');
  t.equal(missing.lines.length, 1, 'one line over three rounds');
  t.match(missing.lines[0], /warn .*disk health: smartctl \(smartmontools\) is not installed/);

  const nothing = capturingLog();
  const bare = createSmartHealthCollector({ root: tempDir(t), smartctl: null, log: nothing.log });
  for (let round = 0; round < 3; round++) t.same(await bare.collect(1000 + round * 300), [], 'no drive: no sample');
  t.equal(nothing.lines.length, 2, 'no smartctl and no drive: each said once');

  const dir = tempDir(t);
  const fake = fakeSmartctl(dir, [{ name: '/dev/sda', type: 'sat' }]);
  writeFileSync(path.join(dir, 'sda.json'), permissionDeniedAnswer('/dev/sda'));
  writeFileSync(path.join(dir, 'sda.exit'), '2');
  const denied = capturingLog();
  const unprivileged = createSmartHealthCollector({ root: sysfs, smartctl: fake.program, log: denied.log });
  for (let round = 0; round < 3; round++) samples = await unprivileged.collect(1000 + round * 300);
  t.same(samples.map((s) => s.k), ['nvme0', 'sda'], 'kernel temperatures still sent');
  t.equal(fake.calls().length, 2, 'smartctl ran in the first round only (scan and one drive)');
  t.equal(denied.lines.length, 1, 'said once');
  t.match(denied.lines[0], /Permission denied.*CAP_SYS_RAWIO/);
});

void t.test('runner: killed at its timeout, refused beyond its output bound, arguments never through a shell', async (t) => {
  const dir = tempDir(t);
  const script = (name: string, body: string): string => {
    const file = path.join(dir, name);
    writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    return file;
  };
  const run = createSmartctlRunner({ timeoutMs: 300, maxOutputBytes: 1000 });
  t.match(await run(script('slow', 'sleep 30'), []), { ok: false, problem: 'timeout' });
  t.match(await run(script('big', 'head -c 5000 /dev/zero | tr "\\0" x'), []), { ok: false, problem: 'too-big' });
  t.match(await run(path.join(dir, 'absent'), []), { ok: false, problem: 'missing' });
  t.match(await run(script('garbled', 'echo not json'), []), { ok: false, problem: 'not-json' });
  const echo = await run(script('echo', 'printf \'{"args":"%s"}\' "$1"'), ['$(touch pwned)']);
  t.same(echo, { ok: true, json: { args: '$(touch pwned)' } }, 'the argument arrives as it was given');
  t.same(await run(script('failing', 'echo \'{"smart_status":{"passed":false}}\'; exit 8'), []), { ok: true, json: { smart_status: { passed: false } } }, 'a non-zero exit status with an answer is an answer');
});
