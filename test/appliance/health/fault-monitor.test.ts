// RES: the fault monitor's decisions, without a full disk: which errors are storage faults, how a
// reported write failure raises a fault (a full disk releases the reserve first), what ingest is
// told, how health names the causes, and the fault alert on the appliance (AlertEngine.raiseFault).
import t from 'tap';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { silentLogger } from '../../../core/logger.js';
import { FaultMonitor, RESERVE_FILE, mountedReadOnly } from '../../../appliance/health/fault-monitor.js';
import { storageFaultOf } from '../../../appliance/health/storage-fault.js';
import { FAULT_ALERT_RESOLVE_AFTER_MS, FaultAlerts } from '../../../appliance/health/fault-alerts.js';
import { healthCauses } from '../../../appliance/health/health-report.js';
import type { ApplianceFault } from '../../../contract/api.js';
import { VirtualClock } from '../../helpers/virtual-clock.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { contact, rig, texts } from '../alerting/support/alerting-rig.js';

const err = (code: string, message = code): Error & { code: string } => Object.assign(new Error(message), { code });

void t.test('SQLite and errno codes map to the storage faults; anything else is not one', (t) => {
  t.equal(storageFaultOf(err('SQLITE_FULL')), 'disk-full');
  t.equal(storageFaultOf(err('ENOSPC')), 'disk-full');
  t.equal(storageFaultOf(err('SQLITE_READONLY')), 'read-only');
  t.equal(storageFaultOf(err('SQLITE_READONLY_DBMOVED')), 'read-only');
  t.equal(storageFaultOf(err('EROFS')), 'read-only');
  t.equal(storageFaultOf(err('SQLITE_IOERR_WRITE')), 'io-error');
  t.equal(storageFaultOf(err('EIO')), 'io-error');
  t.equal(storageFaultOf(err('SQLITE_CONSTRAINT_UNIQUE')), null);
  t.equal(storageFaultOf(new Error('plain')), null);
  t.equal(storageFaultOf(null), null);
  t.end();
});

void t.test('a write failing with SQLITE_FULL releases the reserve, raises disk-full once, refuses ingest, and never throws', async (t) => {
  const dir = tempDir(t);
  const clock = new VirtualClock();
  const raised: ApplianceFault[] = [];
  const m = new FaultMonitor({ dataDir: dir, clock, logger: silentLogger, reserveBytes: 256 * 1024, onRaised: (f) => raised.push(f) });
  t.teardown(() => m.stop());
  await m.start();
  const reserve = path.join(dir, RESERVE_FILE);
  t.equal(statSync(reserve).size, 256 * 1024, 'the reserve is made at start while there is room');
  t.equal(m.writeRefusal(), null, 'ingest may store');

  const result = m.guard('last-seen', () => { throw err('SQLITE_FULL', 'database or disk is full'); });
  t.equal(result, undefined, 'guard swallows the failure');
  t.notOk(existsSync(reserve), 'the reserve is released before the alert is raised');
  t.same(raised.map((f) => f.cause), ['disk-full']);
  t.match(m.writeRefusal(), { code: 'RW_ERR_STORAGE_FULL' }, 'ingest is refused');
  m.report('sessions', err('SQLITE_FULL'));
  t.equal(raised.length, 1, 'raised once');
  t.same(m.counters.writeFailures, { 'last-seen': 1, sessions: 1 }, 'counted by place');
  t.equal(m.report('rules', err('SQLITE_CONSTRAINT')), false, 'not a storage fault: the caller handles it');

  // the temporary directory has room: the next check clears it and makes the reserve again
  await m.check();
  await m.check();
  t.notOk(m.has('disk-full'), 'cleared when the space is back');
  t.ok(existsSync(reserve), 'the reserve is made again');
  t.equal(m.writeRefusal(), null);
});

void t.test('an I/O error while the partition is read-only is the read-only fault, not a second one', (t) => {
  const clock = new VirtualClock();
  const m = new FaultMonitor({ dataDir: tempDir(t), clock, logger: silentLogger, reserveBytes: 4096 });
  t.teardown(() => m.stop());
  m.raise('read-only', 'test');
  m.report('alert events', err('SQLITE_IOERR_WRITE'));
  t.same(m.faults().map((f) => f.cause), ['read-only']);
  t.match(m.writeRefusal(), { code: 'RW_ERR_STORAGE_READONLY' });
  t.end();
});

void t.test('an event fault (lost commits) shows for its hold, then clears by itself', async (t) => {
  const clock = new VirtualClock();
  const cleared: string[] = [];
  const m = new FaultMonitor({ dataDir: tempDir(t), clock, logger: silentLogger, onCleared: (c) => cleared.push(c) });
  t.teardown(() => m.stop());
  m.raise('lost-commits', 'the database is at commit 3, its ledger at 5', { clearAfterMs: 60_000 });
  await clock.advance(59_000);
  t.ok(m.has('lost-commits'));
  await clock.advance(1_000);
  t.same(cleared, ['lost-commits']);
});

void t.test('the mount of a directory is read-write here, and / is found in mountinfo', async (t) => {
  t.equal(await mountedReadOnly(tempDir(t)), false);
  t.equal(await mountedReadOnly('/proc/self'), false, 'proc is mounted rw');
});

void t.test('health names each cause once, in a few words', (t) => {
  const store = { ok: false, answering: false, restarts: 0, pid: 1 };
  t.same(healthCauses({ brokerOk: true, store, dbOk: true, faults: [{ cause: 'rrdcached-not-answering', since: 0, detail: '' }, { cause: 'disk-full', since: 0, detail: '' }] }),
    ['rrdcached not answering', 'disk full']);
  t.same(healthCauses({ brokerOk: false, store: { ...store, ok: false, answering: true }, dbOk: false, faults: [] }), ['broker down', 'rrdcached down', 'database not answering']);
  t.same(healthCauses({ brokerOk: true, store: { ...store, ok: true, answering: true }, dbOk: true, faults: [] }), []);
  t.end();
});

void t.test('RES: a fault raises a critical alert on the appliance, texted to critical contacts, resolved when cleared', async (t) => {
  const r = rig(t);
  r.admin.saveContact(contact('kim', '+821011112222'));
  r.engine.raiseFault('disk full', '12 bytes free on /var/lib/rackwatch');
  r.engine.raiseFault('disk full', 'again');
  const [alert, ...more] = r.engine.openAlerts();
  t.same(more, [], 'one alert per cause');
  t.equal(alert?.severity, 'critical');
  t.equal(alert?.agentId, 'appliance');
  t.same(alert?.metric, { kind: 'fault' });
  t.same(alert?.cause.fault, { cause: 'disk full', detail: '12 bytes free on /var/lib/rackwatch' });
  t.same(r.engine.openFaults(), ['disk full']);
  t.match(texts(r, '+821011112222'), [/^\[CRIT\] rackwatch appliance degraded disk full \d\d:\d\d #\d+/]);
  await r.clock.advance(120_000);
  t.equal(r.engine.openAlerts().length, 1, 'the sweep leaves it alone (no rule, no samples)');
  r.engine.clearFault('disk full');
  t.same(r.engine.openAlerts(), [], 'resolved when the fault is gone');
  t.match(texts(r, '+821011112222').at(-1) ?? '', /^\[OK\] rackwatch appliance degraded/);
});

void t.test('RES: a disk at the edge of full that clears and fills again within a minute is texted once, resolved a minute after it last cleared', async (t) => {
  const r = rig(t);
  r.admin.saveContact(contact('kim', '+821011112222'));
  const alerts = new FaultAlerts(() => r.engine, r.clock);
  t.teardown(() => alerts.stop());
  const full = { cause: 'disk-full' as const, detail: '12 bytes free on /var/lib/rackwatch' };
  alerts.raised(full);
  t.match(texts(r, '+821011112222'), [/^\[CRIT\] rackwatch appliance degraded disk full/]);
  // a journal rotated: 3 MB back for half a minute, then the filler's writes take them again
  alerts.cleared('disk-full');
  await r.clock.advance(30_000);
  t.equal(r.engine.openAlerts().length, 1, 'still open while the room lasts less than a minute');
  alerts.raised(full);
  await r.clock.advance(FAULT_ALERT_RESOLVE_AFTER_MS + 30_000);
  t.equal(r.engine.openAlerts().length, 1, 'the same alert, open while the disk is full');
  alerts.cleared('disk-full');
  await r.clock.advance(FAULT_ALERT_RESOLVE_AFTER_MS - 1_000);
  t.equal(r.engine.openAlerts().length, 1, 'not resolved before a minute of room');
  await r.clock.advance(1_000);
  t.same(r.engine.openAlerts(), [], 'resolved after a minute of room');
  const sent = texts(r, '+821011112222');
  t.equal(sent.length, 2, `one alert and one recovery: ${JSON.stringify(sent)}`);
  t.match(sent.at(-1) ?? '', /^\[OK\] rackwatch appliance degraded/);
});
