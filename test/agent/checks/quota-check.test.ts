// The quota check (S16): Linux quotas read from repquota's report, else each account's files
// summed under the check's paths, incrementally (a second run with nothing changed reads no
// directory again), against the recommended and warning levels (per-account overrides), the
// worst account named in the output. Real files owned by real uids (the tests run as root).
import { chownSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { OwnerUsage } from '../../../agent/checks/owner-usage.js';
import { QuotaCheck } from '../../../agent/checks/quota-check.js';
import { mountOf, parseMounts, parseRepquota } from '../../../agent/checks/repquota.js';
import { fixturesDir } from '../../helpers/paths.js';
import { tempDir } from '../../helpers/temp-dir.js';

const MiB = 1024 * 1024;
const isRoot = process.getuid?.() === 0;

void t.test("repquota's report: used blocks per account, whatever the grace columns hold", (t) => {
  const rows = parseRepquota(readFileSync(path.join(fixturesDir, 'quota', 'repquota-u.txt'), 'utf8'));
  t.same(rows.map((r) => [r.account, r.usedBytes / 1024, r.softBytes / 1024, r.hardBytes / 1024]), [
    ['root', 20, 0, 0],
    ['alice', 1048580, 1048576, 2097152],
    ['bob', 512000, 1048576, 2097152],
    ['carol', 100, 0, 0],
    ['dave', 2097200, 1048576, 2097152],
    ['#1004', 4, 0, 0],
  ]);
  t.same(parseRepquota('repquota: Cannot stat() mounted device /dev/sda1: No such file\n'), [], 'an error message is no account');
  t.end();
});

void t.test('mount options say where user quotas are kept; a path belongs to its longest mount point', (t) => {
  const mounts = parseMounts([
    '/dev/sda1 / ext4 rw,relatime 0 0',
    '/dev/sdb1 /home ext4 rw,relatime,usrquota,grpquota 0 0',
    '/dev/sdc1 /srv/data\\040x xfs rw,uquota 0 0',
    '/dev/sdd1 /var ext4 rw,usrjquota=aquota.user,jqfmt=vfsv0 0 0',
  ].join('\n'));
  t.same(mounts.map((m) => [m.mountPoint, m.userQuota]), [['/', false], ['/home', true], ['/srv/data x', true], ['/var', true]]);
  t.equal(mountOf(mounts, '/home/alice/www')?.mountPoint, '/home');
  t.equal(mountOf(mounts, '/homework')?.mountPoint, '/', 'a prefix that is not a path component is not that mount');
  t.end();
});

function file(p: string, bytes: number, uid: number): void {
  writeFileSync(p, Buffer.alloc(bytes, 1));
  chownSync(p, uid, uid);
}

void t.test('files summed per owner, incrementally', { skip: isRoot ? false : 'needs root to chown files' }, async (t) => {
  const root = tempDir(t);
  mkdirSync(path.join(root, 'a/deep/er'), { recursive: true });
  mkdirSync(path.join(root, 'b'));
  file(path.join(root, 'a/one'), 3 * MiB, 60001);
  file(path.join(root, 'a/deep/er/two'), 2 * MiB, 60001);
  file(path.join(root, 'b/three'), 1 * MiB, 60002);
  const usage = new OwnerUsage(root, { rescanRuns: 3 });
  const first = await usage.run(10_000);
  t.ok(first.complete);
  t.equal(first.read, 5, 'the first run reads every directory');
  const mib = (n: number | undefined): number => Math.round((n ?? 0) / MiB);
  t.equal(mib(first.byUid.get(60001)), 5);
  t.equal(mib(first.byUid.get(60002)), 1);

  const second = await usage.run(10_000);
  t.ok(second.read < 5, `an unchanged tree is not read again whole (${second.read} of 5 directories read)`);
  t.equal(mib(second.byUid.get(60001)), 5, 'and gives the same totals');

  file(path.join(root, 'a/deep/er/four'), 4 * MiB, 60002);
  const third = await usage.run(10_000);
  t.equal(mib(third.byUid.get(60002)), 5, 'a new file is counted at the next run');

  // growth in place does not touch the directory: counted within rescanRuns runs
  writeFileSync(path.join(root, 'b/three'), Buffer.alloc(6 * MiB, 1));
  let grown = 0;
  for (let i = 0; i < 3 && grown !== 10; i++) grown = mib((await usage.run(10_000)).byUid.get(60002));
  t.equal(grown, 10, 'a file grown in place is counted within rescanRuns runs');
});

void t.test('the check: levels, per-account overrides, the worst account named, perfdata per account', { skip: isRoot ? false : 'needs root to chown files' }, async (t) => {
  const root = tempDir(t);
  mkdirSync(path.join(root, 'etc'));
  writeFileSync(path.join(root, 'etc/passwd'), 'alice:x:60011:60011::/home/alice:/bin/sh\nbob:x:60012:60012::/home/bob:/bin/sh\ncarol:x:60013:60013::/:/bin/sh\n');
  const home = path.join(root, 'home');
  mkdirSync(home);
  chownSync(home, 60013, 60013);
  file(path.join(home, 'a'), 3 * MiB, 60011);
  file(path.join(home, 'b'), 6 * MiB, 60012);
  const check = (accounts = {}): QuotaCheck => new QuotaCheck({
    paths: [home], recommendedBytes: 2 * MiB, warningBytes: 5 * MiB, accounts, timeoutMs: 10_000, root, repquota: null,
  });
  const r = await check().run();
  t.equal(r.state, 'critical');
  t.match(r.output, /^QUOTA CRITICAL - bob uses 6\.\d MiB, above the warning level of 5\.0 MiB \(2 of 3 accounts over their levels\)/);
  t.same(r.perfdata.map((p) => [p.label, Math.round((p.value ?? 0) / MiB), p.unit, p.warn, p.crit]), [
    ['bob', 6, 'B', String(2 * MiB), String(5 * MiB)],
    ['alice', 3, 'B', String(2 * MiB), String(5 * MiB)],
    ['carol', 0, 'B', String(2 * MiB), String(5 * MiB)],
  ]);
  t.match(r.longOutput, /^from files under .*\nbob 6\.\d MiB \(recommended 2\.0 MiB, warning 5\.0 MiB\) CRITICAL\nalice 3\.\d MiB/);

  const relaxed = await check({ bob: { recommendedBytes: 10 * MiB, warningBytes: 20 * MiB } }).run();
  t.equal(relaxed.state, 'warning', "bob's own levels replace the defaults; alice is still above the recommended level");
  t.match(relaxed.output, /^QUOTA WARNING - alice uses 3\.\d MiB, above the recommended 2\.0 MiB/);

  const fine = await check({ bob: { recommendedBytes: 10 * MiB, warningBytes: 20 * MiB }, alice: { recommendedBytes: 10 * MiB, warningBytes: 20 * MiB } }).run();
  t.equal(fine.state, 'ok');
  t.match(fine.output, /^QUOTA OK - 3 accounts within their levels; the largest: bob 6\.\d MiB of 10\.0 MiB recommended/);

  const nothing = await new QuotaCheck({ paths: [], recommendedBytes: 1, warningBytes: 2, accounts: {}, timeoutMs: 1000, root, repquota: null }).run();
  t.equal(nothing.state, 'unknown');
  t.match(nothing.output, /no user quotas here and no paths to sum/);
});
