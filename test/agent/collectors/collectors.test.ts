// The metric collectors (S1) on /proc files recorded from a real machine, with expectations worked
// out by hand from the recorded numbers, and once against this machine's live /proc.
import { cpSync, readFileSync } from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import { FAMILIES, familyFields, metricsBatchSchema, type Family, type Sample } from '../../../contract/metrics.js';
import { cpuPercentages, createCpuCollector, parseProcStatCpu, type CpuTimes, type ProcStatCpu } from '../../../agent/collectors/cpu.js';
import {
  createFilesystemsCollector, filesystemValues, parseMounts, selectRealFilesystems, type StatFsResult,
} from '../../../agent/collectors/filesystems.js';
import { createLoadCollector, parseLoadavg } from '../../../agent/collectors/load.js';
import { createMemoryCollector, memoryValues, parseMeminfo } from '../../../agent/collectors/memory.js';
import { createNetworkCollector, parseNetDev, readLinkUp } from '../../../agent/collectors/network.js';
import { RateTracker } from '../../../agent/rate-tracker.js';
import { VirtualClock } from '../../helpers/virtual-clock.js';
import { fixturesDir } from '../../helpers/paths.js';

const fixture = path.join(fixturesDir, 'proc', 'vm-2cpu');
const read = (reading: 't0' | 't1', file: string): string => readFileSync(path.join(fixture, reading, 'proc', file), 'utf8');
const recordedStatfs = JSON.parse(readFileSync(path.join(fixture, 'statfs.json'), 'utf8')) as Record<string, StatFsResult>;

/** Every sample a collector produced uses exactly its family's contract fields. */
function checkContractFields(t: Test, samples: Sample[]): void {
  for (const sample of samples) {
    t.same(Object.keys(sample.v).sort(), [...familyFields(sample.f)].sort(), `${sample.f} sample has the contract's fields`);
    t.equal(sample.k !== undefined, FAMILIES[sample.f].keyed, `${sample.f} sample is keyed only if its family is`);
  }
}

void t.test('cpu: /proc/stat jiffies become percentages of the elapsed time, machine and per core', (t) => {
  const t0 = parseProcStatCpu(read('t0', 'stat'));
  const t1 = parseProcStatCpu(read('t1', 'stat'));
  // "cpu  22252 0 6262 67703 858 0 266 3082 0 0"
  t.same(t0.total, { user: 22252, nice: 0, system: 6262, idle: 67703, iowait: 858, irq: 0, softirq: 266, steal: 3082 });
  t.same([...t0.cores.keys()], ['cpu0', 'cpu1']);
  const tracker = new RateTracker<keyof CpuTimes>();
  t.equal(tracker.update('cpu', 0, t0.total), null, 'no percentages from a single reading');
  const delta = tracker.update('cpu', 1000, t1.total);
  if (!delta) throw new Error('expected a delta');
  // 109 user + 4 system + 109 idle = 222 jiffies elapsed
  const pct = cpuPercentages(delta.deltas);
  if (!pct) throw new Error('expected percentages');
  t.equal(pct.user.toFixed(4), (109 / 222 * 100).toFixed(4));
  t.equal(pct.system.toFixed(4), (4 / 222 * 100).toFixed(4));
  t.equal(pct.idle.toFixed(4), (109 / 222 * 100).toFixed(4));
  t.equal(pct.iowait, 0);
  t.equal(pct.steal, 0);
  t.ok(Math.abs(pct.user + pct.system + pct.iowait + pct.steal + pct.idle - 100) < 1e-9, 'the five fields add up to 100');

  // cpu0: 98 user + 1 system + 12 idle = 111 jiffies (the busy loop ran there)
  const cpu0 = (stat: ProcStatCpu): CpuTimes => {
    const times = stat.cores.get('cpu0');
    if (!times) throw new Error('no cpu0 line');
    return times;
  };
  tracker.update('cpu0', 0, cpu0(t0));
  const coreDelta = tracker.update('cpu0', 1000, cpu0(t1));
  const core0 = coreDelta && cpuPercentages(coreDelta.deltas);
  t.equal(core0?.user.toFixed(4), (98 / 111 * 100).toFixed(4));
  t.equal(core0?.idle.toFixed(4), (12 / 111 * 100).toFixed(4));
  t.end();
});

void t.test('cpu: nice counts as user and irq/softirq as system; a short line from an old kernel reads as zeros', (t) => {
  const pct = cpuPercentages({ user: 10, nice: 10, system: 10, idle: 50, iowait: 5, irq: 5, softirq: 5, steal: 5 });
  t.same(pct, { user: 20, system: 20, iowait: 5, steal: 5, idle: 50 });
  t.same(parseProcStatCpu('cpu  1 2 3 4\ncpu0 1 2 3 4\n').total, { user: 1, nice: 2, system: 3, idle: 4, iowait: 0, irq: 0, softirq: 0, steal: 0 });
  t.equal(cpuPercentages({ user: 0, nice: 0, system: 0, idle: 0, iowait: 0, irq: 0, softirq: 0, steal: 0 }), null,
    'no jiffies elapsed: no sample rather than a division by zero');
  t.throws(() => parseProcStatCpu('intr 1 2 3\n'), /no aggregate "cpu" line/);
  t.end();
});

void t.test('load: the three averages of /proc/loadavg', (t) => {
  t.same(parseLoadavg(read('t0', 'loadavg')), { load1: 1.19, load5: 0.83, load15: 0.43 });
  t.throws(() => parseLoadavg('garbage\n'));
  t.end();
});

void t.test('memory: /proc/meminfo in bytes, used = total − available', (t) => {
  const meminfo = parseMeminfo(read('t0', 'meminfo'));
  t.equal(meminfo.get('MemTotal'), 24684092 * 1024);
  t.same(memoryValues(meminfo), {
    total: 24684092 * 1024,
    used: (24684092 - 24242628) * 1024,
    available: 24242628 * 1024,
    cached: 621200 * 1024,
    swap_total: 0,
    swap_used: 0,
  });
  t.end();
});

void t.test('memory: swap in use, and a kernel without MemAvailable', (t) => {
  const values = memoryValues(parseMeminfo([
    'MemTotal:        1000 kB', 'MemFree:          100 kB', 'Buffers:           50 kB', 'Cached:           250 kB',
    'SwapTotal:        800 kB', 'SwapFree:         600 kB', 'HugePages_Total:       0', '',
  ].join('\n')));
  t.same(values, {
    total: 1000 * 1024, available: 400 * 1024, used: 600 * 1024, cached: 250 * 1024,
    swap_total: 800 * 1024, swap_used: 200 * 1024,
  });
  t.throws(() => memoryValues(parseMeminfo('MemFree: 1 kB\n')), /MemTotal/);
  t.end();
});

void t.test('network: /proc/net/dev counters per interface', (t) => {
  const t0 = parseNetDev(read('t0', 'net/dev'));
  t.same([...t0.keys()], ['lo', 'ifb0', 'ifb1', 'eth0']);
  t.same(t0.get('eth0'), {
    rx_bytes: 409772147, rx_packets: 11735, rx_errs: 0, rx_drop: 0,
    tx_bytes: 1020503, tx_packets: 8105, tx_errs: 0, tx_drop: 0, colls: 0,
  });
  const old = parseNetDev('Inter-|\n face |\n  eth1:4093487 10 1 2 0 0 0 0 700 20 3 4 0 5 0 0\n');
  t.same(old.get('eth1'), {
    rx_bytes: 4093487, rx_packets: 10, rx_errs: 1, rx_drop: 2,
    tx_bytes: 700, tx_packets: 20, tx_errs: 3, tx_drop: 4, colls: 5,
  }, 'a first counter glued to the colon (old kernels) still parses');
  const root = path.join(fixture, 't0');
  t.same(['eth0', 'ifb0', 'lo', 'gone'].map((name) => readLinkUp(root, name)), [1, 0, 1, 0],
    'up from operstate; "unknown" (lo) decided by the carrier; a vanished interface is down');
  t.end();
});

void t.test('filesystems: only real filesystems, one mount per device', (t) => {
  const mounts = parseMounts(read('t0', 'mounts'));
  t.ok(mounts.length > 10, 'the recorded table has the pseudo mounts of a container');
  t.same(selectRealFilesystems(mounts), [{ device: '/dev/vda', mountPoint: '/', type: 'ext4' }]);

  const table = [
    '/dev/sda2 /srv/a\\040b btrfs rw 0 0',
    '/dev/sda2 / btrfs rw,subvol=/@ 0 0',
    '/dev/sda2 /etc/hosts btrfs rw 0 0',
    'tmpfs /run tmpfs rw 0 0',
    'overlay /var/lib/docker/overlay2/x/merged overlay rw 0 0',
    'nas:/export /mnt/nas nfs4 rw 0 0',
    '/dev/sdb1 /data xfs rw 0 0',
    '',
  ].join('\n');
  t.same(selectRealFilesystems(parseMounts(table)), [
    { device: '/dev/sda2', mountPoint: '/', type: 'btrfs' },
    { device: 'nas:/export', mountPoint: '/mnt/nas', type: 'nfs4' },
    { device: '/dev/sdb1', mountPoint: '/data', type: 'xfs' },
  ]);
  t.equal(parseMounts(table)[0]?.mountPoint, '/srv/a b', 'octal escapes in mount points are decoded');
  t.end();
});

void t.test('filesystems: statfs numbers as df computes them', (t) => {
  const root = recordedStatfs['/'];
  if (!root) throw new Error('fixture lacks /');
  // blocks 66053021, bfree 60115269, bavail 20659976, bsize 4096; files 16777216, ffree 16344205
  t.same(filesystemValues(root), {
    size: 270553174016,
    used: 24321032192,
    avail: 84623261696,
    inodes: 16777216,
    inodes_used: 433011,
  });
  t.equal(filesystemValues({ ...root, blocks: 0 }), null, 'a filesystem without blocks has no size to watch');
  t.end();
});

void t.test('collectors read a root directory; counter families emit from the second reading on', async (t) => {
  const root = t.testdir();
  let nowMs = 10_000;
  const options = { root, nowMs: () => nowMs };
  const statted: string[] = [];
  const collectors = [
    createCpuCollector(options),
    createLoadCollector(options),
    createMemoryCollector(options),
    createFilesystemsCollector({
      root,
      statfs: (target) => {
        statted.push(target);
        const recorded = path.relative(root, target) === '' ? recordedStatfs['/'] : undefined;
        return recorded ? Promise.resolve(recorded) : Promise.reject(new Error(`no recorded statfs for ${target}`));
      },
    }),
    createNetworkCollector(options),
  ];
  const collectAll = async (stamp: number): Promise<Sample[]> => {
    const samples: Sample[] = [];
    for (const collector of collectors) samples.push(...await collector.collect(stamp));
    return samples;
  };
  const families = (samples: Sample[]): Family[] => [...new Set(samples.map((s) => s.f))].sort();

  cpSync(path.join(fixture, 't0'), root, { recursive: true });
  const first = await collectAll(1_700_000_000);
  t.same(families(first), ['fs', 'load', 'memory'], 'cpu and net wait for a second reading');
  t.same(statted, [root + path.sep], 'statfs is asked about the mount point below the root');

  cpSync(path.join(fixture, 't1'), root, { recursive: true });
  nowMs += 1000;
  const second = await collectAll(1_700_000_005);
  t.same(families(second), ['cpu', 'cpucore', 'fs', 'load', 'memory', 'net']);
  checkContractFields(t, second);
  t.ok(second.every((s) => s.t === 1_700_000_005), 'every sample carries the instant it was taken for');
  const eth0 = second.find((s) => s.f === 'net' && s.k === 'eth0');
  t.same(eth0?.v, {
    rx_bytes: 3492, rx_packets: 6, rx_errs: 0, rx_drop: 0,
    tx_bytes: 22160, tx_packets: 40, tx_errs: 0, tx_drop: 0, colls: 0, up: 1,
  }, 'eth0 rates over the recorded second');
  t.equal(second.find((s) => s.f === 'net' && s.k === 'ifb0')?.v.up, 0, 'ifb0 is down');
  t.same(second.filter((s) => s.f === 'cpucore').map((s) => s.k), ['cpu0', 'cpu1']);
  t.same(second.filter((s) => s.f === 'net').map((s) => s.k), ['ifb0', 'ifb1', 'eth0'], 'every interface but lo');
  t.ok(metricsBatchSchema.safeParse({ v: 1, i: 5, s: second }).success, 'the samples form a valid contract batch');
});

void t.test('filesystems: a statfs that hangs leaves that mount out, once, without blocking the sample', async (t) => {
  const root = t.testdir({ proc: { mounts: 'nas:/x /mnt/nas nfs4 rw 0 0\n/dev/sda1 / ext4 rw 0 0\n' } });
  const clock = new VirtualClock(0);
  const warnings: string[] = [];
  const log = {
    debug: () => undefined, info: () => undefined, error: () => undefined,
    warn: (message: string) => { warnings.push(message); },
    child: () => log,
  };
  const stat = recordedStatfs['/'];
  if (!stat) throw new Error('fixture lacks /');
  let calls = 0;
  const collector = createFilesystemsCollector({
    root, clock, log, statfsTimeoutMs: 2000,
    statfs: (target) => {
      calls++;
      return target.endsWith('nas') ? new Promise<StatFsResult>(() => undefined) : Promise.resolve(stat);
    },
  });
  const pending = collector.collect(100);
  await clock.advance(2000);
  const samples = await pending;
  t.same(samples.map((s) => s.k), ['/'], 'the hung mount is left out, the others are reported');
  t.same(warnings, ['filesystem /mnt/nas: statfs took longer than 2000 ms']);

  const again = collector.collect(105);
  await clock.advance(0);
  t.same((await again).map((s) => s.k), ['/']);
  t.equal(calls, 3, 'no second statfs is stacked on the one still hanging');
  t.equal(warnings.length, 2, 'the skip is reported once');
});

void t.test('live: the collectors read this machine\'s /proc and produce contract samples', async (t) => {
  const collectors = [
    createCpuCollector(), createLoadCollector(), createMemoryCollector(), createFilesystemsCollector(), createNetworkCollector(),
  ];
  for (const c of collectors) await c.collect(1);
  await new Promise((resolve) => setTimeout(resolve, 50));
  const now = Math.floor(Date.now() / 1000);
  const samples: Sample[] = [];
  for (const collector of collectors) samples.push(...await collector.collect(now));
  t.ok(samples.some((s) => s.f === 'cpu'), 'cpu');
  t.ok(samples.some((s) => s.f === 'cpucore' && s.k === 'cpu0'), 'cpucore');
  t.ok(samples.some((s) => s.f === 'load'), 'load');
  t.ok(samples.some((s) => s.f === 'memory' && (s.v.total ?? 0) > 0), 'memory');
  t.ok(samples.some((s) => s.f === 'fs'), 'at least one real filesystem');
  checkContractFields(t, samples);
  t.ok(metricsBatchSchema.safeParse({ v: 1, i: 5, s: samples }).success, 'a valid contract batch');
});
