// The S1 collectors of the second cut — disk I/O, TCP states, visitors, routes, top processes —
// on /proc and /sys files recorded from a real machine under a known workload
// (test/fixtures/proc/vm-workload/README.md), with expectations worked out by hand from the
// recorded numbers, and each once against this machine's live /proc.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { fixturesDir } from '../../helpers/paths.js';
import { metricsBatchSchema, snapshotSchema } from '../../../contract/metrics.js';
import { createDiskCollector, parseDiskstats, selectDisks } from '../../../agent/collectors/disk.js';
import { formatIpv6, hexBytes, procNetAddress } from '../../../agent/collectors/ip-address.js';
import { parseIpv4Routes, parseIpv6Routes, createRoutesCollector } from '../../../agent/collectors/routes.js';
import { AF_INET, loadSockDiag } from '../../../agent/collectors/sock-diag.js';
import { createTcpCollector } from '../../../agent/collectors/tcp.js';
import { shortReadEndsTable, TcpTables, TcpTableScan, type TcpTablesReading } from '../../../agent/collectors/tcp-tables.js';
import { createTopProcessesCollector, parseProcIo, parseProcStat, type ProcStat } from '../../../agent/collectors/top-processes.js';
import { createVisitorsCollector } from '../../../agent/collectors/visitors.js';
import { rewriteInPlace, tempDir } from '../../helpers/temp-dir.js';

const fixture = path.join(fixturesDir, 'proc', 'vm-workload');
const t0 = path.join(fixture, 't0');
const t1 = path.join(fixture, 't1');
const pids = JSON.parse(readFileSync(path.join(fixture, 'pids.json'), 'utf8')) as Record<'service' | 'cpuHog' | 'memoryHog' | 'writer', number>;

void t.test('disk: /proc/diskstats counters become ops, bytes and busy % per second', (t) => {
  const before = parseDiskstats(readFileSync(path.join(t0, 'proc/diskstats'), 'utf8'));
  t.same(before.get('vda'), { reads: 74955, readSectors: 3845690, writes: 248827, writeSectors: 106222736, busyMs: 156292 });
  t.ok(before.has('loop0') && before.has('zram0'), 'the kernel lists loop and zram devices too');

  const root = tempDir(t);
  let nowMs = 0;
  const collector = createDiskCollector({ root, nowMs: () => nowMs });
  cpSync(t0, root, { recursive: true });
  t.same(collector.collect(100), [], 'a rate needs two readings');
  cpSync(t1, root, { recursive: true });
  nowMs = 1430; // the recorded readings are 1.43 s apart (proc/uptime)
  const samples = collector.collect(105);
  t.same(samples.map((s) => s.k), ['vda'], 'only the disk backed by a device: no loop, no zram');
  // deltas: 6 reads, 48 sectors read, 279 writes, 1,131,072 sectors written, 332 ms busy
  const v = samples[0]?.v ?? {};
  t.equal(v.reads?.toFixed(3), (6 / 1.43).toFixed(3));
  t.equal(v.read_bytes?.toFixed(1), (48 * 512 / 1.43).toFixed(1));
  t.equal(v.writes?.toFixed(3), (279 / 1.43).toFixed(3));
  t.equal(v.write_bytes?.toFixed(0), (1131072 * 512 / 1.43).toFixed(0), '~405 MB/s: the disk writer');
  t.equal(v.busy?.toFixed(2), (332 / 1430 * 100).toFixed(2));
  t.ok(metricsBatchSchema.safeParse({ v: 1, i: 5, s: samples }).success);
  t.end();
});

void t.test('disk: a virtual device counts only when a mounted filesystem sits on it', (t) => {
  const hardware = new Set(['sda', 'nvme0n1']);
  const whole = new Set(['sda', 'nvme0n1', 'dm-0', 'dm-1', 'md0', 'loop0', 'loop1']);
  const selected = selectDisks(
    ['sda', 'sda1', 'sda2', 'nvme0n1', 'nvme0n1p1', 'dm-0', 'dm-1', 'md0', 'loop0', 'loop1'],
    (name) => hardware.has(name),
    new Set(['dm-0', 'loop1', 'sda2']), // / on LVM, a loop-mounted image, /boot on a partition
    (name) => whole.has(name),
  );
  t.same([...selected], ['sda', 'nvme0n1', 'dm-0', 'loop1'], 'partitions never: their disk counts them');

  const root = tempDir(t, 'rw-proc-', {
    proc: {
      diskstats: [
        '   8       0 sda 10 0 80 0 20 0 160 0 0 5 0',
        '   8       1 sda1 10 0 80 0 20 0 160 0 0 5 0',
        ' 253       0 dm-0 10 0 80 0 20 0 160 0 0 5 0',
        ' 253       1 dm-1 10 0 80 0 20 0 160 0 0 5 0',
        '',
      ].join('\n'),
      mounts: '/dev/mapper/vg-root / ext4 rw 0 0\n/dev/sda1 /boot ext4 rw 0 0\ntmpfs /run tmpfs rw 0 0\n',
    },
    sys: { block: { sda: { device: '' }, 'dm-0': {}, 'dm-1': {} } },
  });
  const resolved: string[] = [];
  const collector = createDiskCollector({
    root, nowMs: () => 0,
    resolveDevice: (device) => {
      resolved.push(device);
      return ({ '/dev/mapper/vg-root': 'dm-0', '/dev/sda1': 'sda1' } as Record<string, string>)[device] ?? null;
    },
  });
  collector.collect(1);
  t.same(resolved, ['/dev/mapper/vg-root', '/dev/sda1'], 'device paths of real filesystems are resolved, tmpfs is not');
  t.end();
});

void t.test('disk: live, every reported device is a whole block device of this machine', async (t) => {
  const collector = createDiskCollector();
  collector.collect(1);
  await new Promise((resolve) => setTimeout(resolve, 50));
  const samples = collector.collect(2);
  for (const sample of samples) {
    t.ok(readFileSync('/proc/diskstats', 'utf8').includes(` ${sample.k} `), `${sample.k} is in /proc/diskstats`);
    t.ok((sample.v.busy ?? 0) >= 0 && (sample.v.busy ?? 0) <= 100, 'busy is a share');
  }
  t.ok(metricsBatchSchema.safeParse({ v: 1, i: 5, s: samples.length ? samples : [{ t: 2, f: 'load', v: {} }] }).success);
});

void t.test('ip addresses: /proc/net hex in host byte order, RFC 5952 text', (t) => {
  const buffer = Buffer.from('020200C0 000000FD000000000000000002000000 0000000000000000FFFF00000100007F');
  t.equal(procNetAddress(buffer, 0, 8, true), '192.0.2.2');
  t.equal(procNetAddress(buffer, 9, 41, true), 'fd00::2');
  t.equal(procNetAddress(buffer, 42, 74, true), '127.0.0.1', 'an IPv4-mapped address is shown as IPv4');
  t.equal(procNetAddress('C0000202', 0, 8, false), '192.0.2.2', 'a big-endian host prints the bytes in order');
  const v6 = (hex: string): string => formatIpv6(hexBytes(hex) ?? []);
  t.equal(v6('00000000000000000000000000000000'), '::');
  t.equal(v6('00000000000000000000000000000001'), '::1');
  t.equal(v6('20010db8000000000001000000000001'), '2001:db8::1:0:0:1', 'the longest zero run is the one compressed');
  t.equal(v6('20010db8000100000001000100010001'), '2001:db8:1:0:1:1:1:1', 'a single zero group stays');
  t.equal(v6('fe8000000000000000fc00fffe000001'), 'fe80::fc:ff:fe00:1');
  t.end();
});

void t.test('tcp: sockets by state from both tables, IPv4 and IPv6 together', async (t) => {
  const [sample] = await createTcpCollector({ root: t0 }).collect(100);
  // tcp: 29 established, 10 time_wait, 6 listen; tcp6: 2 established, 1 time_wait, 1 listen
  t.same(sample?.v, {
    established: 31, syn_sent: 0, syn_recv: 0, fin_wait1: 0, fin_wait2: 0, time_wait: 11,
    close: 0, close_wait: 0, last_ack: 0, listen: 7, closing: 0,
  });
  t.equal(sample?.f, 'tcp');
});

void t.test('tcp: with no IPv6 socket in use, tcp6 is not read and sockstat counts TIME_WAIT of both families', async (t) => {
  const root = tempDir(t, 'rw-proc-', {
    proc: {
      net: {
        tcp: readFileSync(path.join(t0, 'proc/net/tcp'), 'utf8'),
        // a table that would be wrong if it were read
        tcp6: 'header\n   0: 000000FD000000000000000002000000:480C 00000000000000000000000000000000:0000 0A 0\n',
        sockstat6: 'TCP6: inuse 0\nUDP6: inuse 0\n',
        sockstat: 'sockets: used 31\nTCP: inuse 12 orphan 0 tw 14 alloc 15 mem 76\n',
      },
    },
  });
  const [sample] = await createTcpCollector({ root }).collect(1);
  t.equal(sample?.v.listen, 6, 'IPv4 listeners only: tcp6 was skipped');
  t.equal(sample?.v.time_wait, 14, 'TIME_WAIT from sockstat (10 IPv4 in the table, 4 IPv6 not read)');
});

void t.test('tcp: a table read in small chunks gives the same counts (lines cut across reads)', async (t) => {
  const whole = await new TcpTables(t0).read(1);
  const chunked = await new TcpTables(t0, { chunkBytes: 97 }).read(1);
  t.equal(whole.counts.established, 31);
  t.same(chunked, whole);
});

void t.test('visitors: connections from other hosts to listening ports, loopback left out', async (t) => {
  const snapshot = await createVisitorsCollector({ root: t0 }).snapshot(100);
  t.same(snapshot, {
    visitors: [
      { remote: '192.0.2.2', remotePort: 0x9477, localPort: 18443 },
      { remote: '192.0.2.2', remotePort: 0x9f95, localPort: 18443 },
      { remote: 'fd00::2', remotePort: 0x8193, localPort: 18444 },
    ],
  }, 'the two IPv4 clients and the IPv6 one; not the 127.0.0.1 client nor the clients\' own sockets');
  t.ok(snapshotSchema.safeParse({ t: 100, ...snapshot }).success);

  const withLoopback = (await createVisitorsCollector({ root: t0, includeLoopback: true }).snapshot(100)).visitors ?? [];
  t.equal(withLoopback.filter((v) => v.remote === '127.0.0.1').length, 24, '23 clients of port 42371 and one of 18443');
});

void t.test('visitors and tcp share one reading of the tables per instant', async (t) => {
  let passes = 0;
  const prototype = TcpTableScan.prototype;
  const finish = Object.getOwnPropertyDescriptor(prototype, 'finish')?.value as (this: TcpTableScan) => TcpTablesReading;
  prototype.finish = function countedFinish(this: TcpTableScan) {
    passes++;
    return finish.call(this);
  };
  t.teardown(() => { prototype.finish = finish; });
  const tables = new TcpTables(t0);
  await createTcpCollector({ tables }).collect(5);
  await createVisitorsCollector({ tables }).snapshot(5);
  t.equal(passes, 1, 'one pass for both at instant 5');
  await createTcpCollector({ tables }).collect(10);
  t.equal(passes, 2, 'a new instant reads again');
});

void t.test('visitors and tcp: live, a client of a listening port on this machine', async (t) => {
  const server = net.createServer((socket) => socket.on('error', () => undefined));
  server.listen(0, '0.0.0.0');
  await once(server, 'listening');
  t.teardown(() => server.close());
  const port = (server.address() as AddressInfo).port;
  // connect from an address of this machine that is not loopback, when it has one
  const outside = Object.values(os.networkInterfaces()).flat()
    .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
  const client = net.connect({ port, host: outside ?? '127.0.0.1', ...(outside ? { localAddress: outside } : {}) });
  await once(client, 'connect');
  t.teardown(() => client.destroy());
  for (const source of ['auto', 'proc'] as const) {
    const tables = new TcpTables('/', { includeLoopback: outside === undefined, source });
    const visitors = (await createVisitorsCollector({ tables }).snapshot(1)).visitors ?? [];
    t.ok(visitors.some((v) => v.localPort === port && v.remotePort === client.localPort && v.remote === (outside ?? '127.0.0.1')),
      `${tables.source}: the client ${outside ?? '127.0.0.1'}:${client.localPort} is a visitor of port ${port}`);
    const [sample] = await createTcpCollector({ tables }).collect(1);
    t.ok((sample?.v.established ?? 0) >= 2 && (sample?.v.listen ?? 0) >= 1, `${tables.source}: both ends established, the server listening`);
  }
});

void t.test('tcp tables: live, a table of many pages is read to its end without the final empty read', async (t) => {
  // 300 connections on loopback: 600 lines of 150 bytes, some 22 kernel pages, the last one part full
  const server = net.createServer((socket) => socket.on('error', () => undefined));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  const clients: net.Socket[] = [];
  t.teardown(() => {
    for (const client of clients) client.destroy();
    server.close();
  });
  for (let i = 0; i < 300; i++) {
    const client = net.connect({ port, host: '127.0.0.1' });
    client.on('error', () => undefined);
    clients.push(client);
  }
  await Promise.all(clients.map((client) => once(client, 'connect')));
  const fromProc = await new TcpTables('/', { includeLoopback: true, maxVisitors: 5000, source: 'proc' }).read(1);
  const mine = fromProc.visitors.filter((v) => v.localPort === port);
  t.equal(mine.length, 300, 'every accepted connection of the port, the last page included');
  t.ok(fromProc.counts.established >= 600, `both ends of the 300 counted (${fromProc.counts.established} established)`);

  const tables = new TcpTables('/', { includeLoopback: true, maxVisitors: 5000 });
  // two groups of collectors may want the tables at once for different instants: both are answered
  const [fromNetlink, again] = await Promise.all([tables.read(1), tables.read(2)]);
  t.same(again.visitors.filter((v) => v.localPort === port), mine, 'a dump asked for during another one waits for it');
  t.equal(tables.source, 'sock_diag', 'the netlink addon of this machine\'s architecture loads');
  t.same(fromNetlink.visitors.filter((v) => v.localPort === port), mine, 'sock_diag: the same 300 visitors, same order');
  t.ok(fromNetlink.counts.established >= 600, `sock_diag: both ends of the 300 counted (${fromNetlink.counts.established} established)`);

  // the side that closes first keeps its socket in TIME_WAIT for a minute: sock_diag does not
  // list those, sockstat counts them
  const closing = clients.slice(0, 5);
  await Promise.all(closing.map((client) => { client.end(); return once(client, 'close'); }));
  const afterClose = await new TcpTables('/', { includeLoopback: true, maxVisitors: 5000 }).read(3);
  t.ok(afterClose.counts.time_wait >= 5, `the 5 closed connections are in TIME_WAIT (${afterClose.counts.time_wait})`);
  t.equal(afterClose.visitors.filter((v) => v.localPort === port).length, 295, 'and no longer visitors');

  t.equal(shortReadEndsTable(4096, 65536), false, 'a full page: more may follow');
  t.equal(shortReadEndsTable(3500, 65536), true, 'room left for another line: the table ended');
  t.equal(shortReadEndsTable(50, 97), false, 'a read of less than a page proves nothing');
  t.equal(shortReadEndsTable(0, 65536), false, 'the empty read is handled by its caller');
});

void t.test('sock_diag: an addon that is missing or is not the netlink one is refused with the reason', (t) => {
  const missing = loadSockDiag(['/nonexistent/sock-diag.node']);
  t.match(missing, { ok: false, why: /no netlink addon for .*\/nonexistent\/sock-diag\.node/ });
  const notAnAddon = loadSockDiag([path.join(t0, 'proc/uptime')]);
  t.match(notAnAddon, { ok: false, why: /uptime: / }, 'a file that does not load says why');
  t.end();
});

void t.test('sock_diag: a visitor that throws fails that dump only; the process and the next dump carry on', async (t) => {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  // enough sockets that the dump spans several netlink messages: the one that throws is not the last
  const port = (server.address() as net.AddressInfo).port;
  const clients = await Promise.all(Array.from({ length: 200 }, async () => {
    const c = net.connect(port, '127.0.0.1');
    await once(c, 'connect');
    return c;
  }));
  t.teardown(() => {
    for (const c of clients) c.destroy();
    server.close();
  });
  const loaded = loadSockDiag();
  if (!loaded.ok) throw new Error(loaded.why);
  t.teardown(() => loaded.socket.close());
  await t.rejects(loaded.socket.dump(AF_INET, () => { throw new Error('a bug in a visitor'); }), /a bug in a visitor/);
  let listening = 0;
  await loaded.socket.dump(AF_INET, (socket) => { if (socket.state === 10) listening++; });
  t.ok(listening >= 1, 'the next dump lists this test\'s listening socket');
});

void t.test('routes: IPv4 and IPv6 tables as `ip route` shows them', (t) => {
  const snapshot = createRoutesCollector({ root: t0, littleEndian: true }).snapshot(100);
  t.same(snapshot.routes, [
    { destination: '0.0.0.0/0', gateway: '192.0.2.1', iface: 'eth0', metric: 0, family: 'inet' },
    { destination: '192.0.2.0/24', gateway: '', iface: 'eth0', metric: 0, family: 'inet' },
    { destination: 'fd00::/64', gateway: '', iface: 'eth0', metric: 256, family: 'inet6' },
    { destination: 'fe80::/64', gateway: '', iface: 'eth0', metric: 256, family: 'inet6' },
    { destination: '::/0', gateway: 'fd00::1', iface: 'eth0', metric: 1024, family: 'inet6' },
  ], 'local, multicast and the kernel\'s unreachable-default entries left out');
  t.ok(snapshotSchema.safeParse({ t: 100, ...snapshot }).success);
  t.same(parseIpv4Routes('Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\nbh0\t0000000A\t00000000\t0201\t0\t0\t0\t000000FF\n', true), [],
    'a reject route is left out');
  t.same(parseIpv6Routes('garbage\n'), []);
  t.end();
});

void t.test('routes: live, every route is a valid contract entry', (t) => {
  const snapshot = createRoutesCollector().snapshot(1);
  t.ok(snapshotSchema.safeParse({ t: 1, ...snapshot }).success);
  const up = readFileSync('/proc/net/route', 'utf8').split('\n').slice(1).some((line) => (parseInt(line.split('\t')[3] ?? '0', 16) & 1) === 1);
  if (up) t.ok((snapshot.routes ?? []).some((r) => r.family === 'inet'), 'the IPv4 routes that are up are listed');
  t.end();
});

void t.test('top processes: /proc/<pid>/stat and io parsed in place', (t) => {
  const stat: ProcStat = { kernelThread: false, cpuTicks: 0, startTicks: 0, rssPages: 0, nameStart: 0, nameEnd: 0 };
  const odd = Buffer.from('4242 (a (b) c) R 1 1 1 0 -1 2129984 0 0 0 0 150 25 0 0 20 0 1 0 7000 0 321 0\n');
  t.ok(parseProcStat(odd.toString('latin1'), stat));
  t.same({ ...stat, name: odd.toString('utf8', stat.nameStart, stat.nameEnd) },
    { kernelThread: true, cpuTicks: 175, startTicks: 7000, rssPages: 321, nameStart: 6, nameEnd: 13, name: 'a (b) c' },
    'a name with blanks and parentheses; PF_KTHREAD in the flags');
  const io = 'rchar: 9\nwchar: 9\nsyscr: 1\nsyscw: 1\nread_bytes: 4096\nwrite_bytes: 8192\ncancelled_write_bytes: 100\n';
  t.equal(parseProcIo(io), 12288, 'read_bytes + write_bytes, not cancelled_write_bytes');
  t.equal(parseProcIo(io.slice(0, 40)), -1, 'a cut file is no answer');
  t.notOk(parseProcStat('4242 (x) R 1 1', stat), 'a cut stat is no answer');
  t.end();
});

void t.test('top processes: the 5 highest by CPU, memory and disk I/O, with name, pid and user', (t) => {
  const root = tempDir(t);
  const collector = createTopProcessesCollector({ root, pageSize: 4096, ticksPerSecond: 100 });
  cpSync(t0, root, { recursive: true });
  t.same(collector.snapshot(100), {}, 'the first snapshot only sets the baseline');
  rewriteInPlace(t1, root);
  const { top } = collector.snapshot(115);
  // uptime 7217.56 → 7218.99: 1.43 s. CPU: the hog 104 → 213 ticks, the writer 28 → 39, pid 1 +1.
  t.same(top?.cpu, [
    { pid: pids.cpuHog, name: 'sh', user: 'nobody', value: 76.22 },
    { pid: pids.writer, name: 'node', user: 'root', value: 7.69 },
    { pid: 1, name: 'process_api', user: 'root', value: 0.7 },
  ], 'processes that used no CPU are not listed');
  // RSS pages × 4096 / MemTotal (24684092 kB)
  t.same(top?.memory.map((p) => [p.pid, p.value]), [
    [pids.memoryHog, 1.35], [pids.writer, 0.19], [pids.service, 0.18], [1, 0.05], [pids.cpuHog, 0.01],
  ], 'the 300 MB hog first; kthreadd (no RSS) not listed');
  // write_bytes 713,031,680 → 1,264,582,656 in 1.43 s; the hog's io is unreadable (skipped), pid 2 is a kernel thread
  t.same(top?.io, [{ pid: pids.writer, name: 'node', user: 'root', value: Math.round(551550976 / (7218.99 - 7217.56)) }]);
  // S18, per account: root's 11 + 1 ticks in 1.43 s, and the resident pages of pid 1, the
  // service, the memory hog and the writer (3150 + 10917 + 83413 + 11509) × 4096; kthreadd is not
  // an account's work
  t.same(top?.users, [
    { user: 'nobody', cpu: 76.22, memory: 399 * 4096 },
    { user: 'root', cpu: 8.39, memory: (3150 + 10917 + 83413 + 11509) * 4096 },
  ], 'CPU and memory summed by user, most CPU first');
  t.ok(snapshotSchema.safeParse({ t: 115, top }).success);
  t.end();
});

void t.test('top processes: I/O of a process that slept through a round shows as a rate over both', (t) => {
  const root = tempDir(t);
  const collector = createTopProcessesCollector({ root, pageSize: 4096, ticksPerSecond: 100 });
  cpSync(t0, root, { recursive: true });
  collector.snapshot(1);
  rewriteInPlace(t1, root);
  collector.snapshot(2); // uptime 7218.99, the writer at 39 ticks and 1,264,582,656 bytes written
  const writerDir = path.join(root, 'proc', String(pids.writer));
  const stat = readFileSync(path.join(writerDir, 'stat'), 'utf8');
  const io = (written: number): string => `rchar: 1\nwchar: 1\nsyscr: 1\nsyscw: 1\nread_bytes: 0\nwrite_bytes: ${written}\ncancelled_write_bytes: 0\n`;
  // 2 s later it has used no CPU tick: its io file is not read, and no rate is made up
  writeFileSync(path.join(root, 'proc/uptime'), '7220.99 2056.00\n');
  writeFileSync(path.join(writerDir, 'io'), io(1_264_582_656 + 1_000_000));
  t.same(collector.snapshot(3).top?.io, [], 'nothing listed while it sleeps');
  // 2 s later again it ran one tick: its bytes since the last reading, over the 4 s since then
  writeFileSync(path.join(root, 'proc/uptime'), '7222.99 2056.00\n');
  writeFileSync(path.join(writerDir, 'stat'), stat.replace(' 14 25 ', ' 15 25 '));
  writeFileSync(path.join(writerDir, 'io'), io(1_264_582_656 + 3_000_000));
  t.same(collector.snapshot(4).top?.io, [{ pid: pids.writer, name: 'node', user: 'root', value: Math.round(3_000_000 / (7222.99 - 7218.99)) }],
    'the 3 MB over 4 s, not over the last 2 s');
  t.end();
});

void t.test('top processes: exited processes are forgotten, a reused pid starts afresh', (t) => {
  const root = tempDir(t);
  const collector = createTopProcessesCollector({ root, pageSize: 4096, ticksPerSecond: 100 });
  cpSync(t0, root, { recursive: true });
  collector.snapshot(1);
  t.equal(collector.remembered, 6, 'six processes');
  // all but the CPU hog exit
  for (const pid of [1, 2, pids.service, pids.memoryHog, pids.writer]) rmSync(path.join(root, 'proc', String(pid)), { recursive: true });
  writeFileSync(path.join(root, 'proc/uptime'), readFileSync(path.join(t1, 'proc/uptime')));
  rewriteInPlace(path.join(t1, 'proc', String(pids.cpuHog)), path.join(root, 'proc', String(pids.cpuHog)));
  collector.snapshot(2);
  t.equal(collector.remembered, 1, 'the exited ones are forgotten');
  // the hog exits and its pid goes to a new `sh`, started at 7220.00 s (after the last snapshot)
  writeFileSync(path.join(root, 'proc/uptime'), '7220.50 2056.00\n');
  writeFileSync(path.join(root, 'proc', String(pids.cpuHog), 'stat'),
    `${pids.cpuHog} (sh) R 1 1 1 0 -1 4194560 0 0 0 0 5 0 0 0 20 0 1 0 722000 2654208 300 0\n`);
  const { top } = collector.snapshot(3);
  t.same(top?.cpu, [{ pid: pids.cpuHog, name: 'sh', user: 'nobody', value: Number((5 / 100 / 1.51 * 100).toFixed(2)) }],
    'its 5 ticks are its own, not a difference from the old process\'s 213');
  t.end();
});

/** The /proc/<pid>/stat (or io) files this process holds open, by pid. */
function openProcPids(file: 'stat' | 'io' = 'stat'): number[] {
  const pids: number[] = [];
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const match = /^\/proc\/(\d+)\/(\w+)$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
      if (match?.[1] && match[2] === file) pids.push(Number(match[1]));
    } catch {
      // the fd of the directory listing itself, gone by now
    }
  }
  return pids;
}

void t.test('top processes: live, stat and io files stay open while their process lives and are closed after', async (t) => {
  const children = Array.from({ length: 3 }, () => spawn('sleep', ['30'], { stdio: 'ignore' }));
  t.teardown(() => { for (const child of children) child.kill('SIGKILL'); });
  await Promise.all(children.map((child) => once(child, 'spawn')));
  const collector = createTopProcessesCollector();
  t.teardown(() => collector.release());
  collector.snapshot(1);
  const childPids = children.map((child) => child.pid ?? -1);
  t.ok(childPids.every((pid) => openProcPids('stat').includes(pid)), 'each child\'s stat is held open');
  t.ok(childPids.every((pid) => openProcPids('io').includes(pid)), 'and its io (read at its first round)');
  for (const child of children) child.kill('SIGKILL');
  await Promise.all(children.map((child) => once(child, 'exit')));
  collector.snapshot(2);
  t.same([...openProcPids('stat'), ...openProcPids('io')].filter((pid) => childPids.includes(pid)), [], 'closed once they have exited');
  t.equal(collector.openFiles, openProcPids('stat').length + openProcPids('io').length, 'no other file leaks');
  collector.release();
  t.same([...openProcPids('stat'), ...openProcPids('io')], [], 'release() closes them all');

  const few = createTopProcessesCollector({ maxOpenFiles: 2 });
  few.snapshot(3);
  await new Promise((resolve) => setTimeout(resolve, 200));
  const { top } = few.snapshot(4);
  t.equal(few.openFiles, 4, 'no more than the limit held open, of each kind');
  t.ok((top?.memory.length ?? 0) > 0, 'processes beyond it are still read');
  few.release();
});

void t.test('top processes: live, a busy child shows up under its pid, name and user', async (t) => {
  const child = spawn(process.execPath, ['-e', 'process.stdout.write("go\\n"); const end = Date.now() + 1500; while (Date.now() < end);'], { stdio: ['ignore', 'pipe', 'ignore'] });
  t.teardown(() => { child.kill(); });
  const exited = once(child, 'exit'); // listened for now: on a busy machine it may end before the snapshot is taken
  await once(child.stdout, 'data'); // its busy loop has begun (a node start-up takes a while on a loaded machine)
  const collector = createTopProcessesCollector();
  t.teardown(() => collector.release());
  collector.snapshot(1);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const { top } = collector.snapshot(2);
  await exited;
  const entry = top?.cpu.find((p) => p.pid === child.pid);
  t.ok(entry, `the busy child is among the top 5 by CPU (${JSON.stringify(top?.cpu.map((p) => [p.name, p.value]))})`);
  t.equal(entry?.name, 'node');
  t.equal(entry?.user, os.userInfo().username);
  t.ok((entry?.value ?? 0) > 10, `it used a good part of a CPU (${entry?.value} %)`);
  t.ok((top?.memory.length ?? 0) > 0, 'memory list');
  t.ok(snapshotSchema.safeParse({ t: 2, top }).success);
});

void t.test('top users (S18): live, the busy processes of two accounts summed by account', async (t) => {
  // as root, the second account is `nobody` (setpriv); otherwise both busy processes are ours
  const asRoot = process.getuid?.() === 0;
  const busy = 'process.stdout.write("go\\n"); const end = Date.now() + 2500; while (Date.now() < end);';
  // `nobody` runs a plain node: the test runner adds NODE_OPTIONS naming its loaders under the
  // checkout (even to a child's own env), which `nobody` may not read when the clone is in a
  // private temporary directory; its node would exit at once
  const options = { stdio: ['ignore', 'pipe', 'ignore'] as ['ignore', 'pipe', 'ignore'] };
  const spawnBusy = (other: boolean) => (other && asRoot
    ? spawn('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'env', '-u', 'NODE_OPTIONS', process.execPath, '-e', busy], options)
    : spawn(process.execPath, ['-e', busy], options));
  const children = [spawnBusy(false), spawnBusy(true)];
  t.teardown(() => { for (const child of children) child.kill(); });
  // listened for from the start: on a busy machine one child may end before the other has begun
  const exited = children.map((child) => once(child, 'exit'));
  // a child that ends without starting its loop fails the test instead of leaving it waiting
  const started = await Promise.all(children.map((child) => Promise.race([once(child.stdout, 'data').then(() => true), once(child, 'exit').then(() => false)])));
  if (!started.every(Boolean)) {
    t.fail(`a busy child ended before its loop began (started: ${JSON.stringify(started)})`);
    return;
  }
  const collector = createTopProcessesCollector();
  t.teardown(() => collector.release());
  collector.snapshot(1);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const { top } = collector.snapshot(2);
  await Promise.all(exited);
  const users = top?.users ?? [];
  const me = os.userInfo().username;
  const mine = users.find((u) => u.user === me);
  t.ok(snapshotSchema.safeParse({ t: 2, top }).success);
  t.ok(users.length <= 10, 'at most the top 5 by CPU and the top 5 by memory');
  if (asRoot) {
    const nobody = users.find((u) => u.user === 'nobody');
    t.ok(nobody, `nobody's busy process is summed under nobody (${JSON.stringify(users)})`);
    t.ok((nobody?.cpu ?? 0) > 10, `nobody used a good part of a CPU (${nobody?.cpu} %)`);
    t.ok((nobody?.memory ?? 0) > 10 * 1024 * 1024, `nobody's node holds resident memory (${nobody?.memory} B)`);
    t.ok((mine?.cpu ?? 0) > 10, `${me} used a good part of a CPU too (${mine?.cpu} %)`);
  } else {
    t.ok((mine?.cpu ?? 0) > 20, `${me}'s two busy processes summed (${mine?.cpu} %)`);
  }
  t.ok((mine?.memory ?? 0) > 10 * 1024 * 1024, `${me}'s processes hold resident memory (${mine?.memory} B)`);
  const cpuOrder = users.map((u) => u.cpu);
  t.same(cpuOrder, [...cpuOrder].sort((a, b) => b - a), 'most CPU first');
});
