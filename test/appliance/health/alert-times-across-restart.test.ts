// D1: alert times never go backwards across a reboot. The board has no real-time clock: after a
// power cut it can come up with its clock behind the time of the last alerts. The appliance's
// clock (the last known time from the data dir as a floor: core/clock.ts nonDecreasingClock) is
// what the alerting core stamps alerts and their history with, here in virtual time with a real
// SQLite file, the real repository, hub and outbox, and a clock that goes back an hour across the
// restart.
import path from 'node:path';
import t from 'tap';
import { nonDecreasingClock } from '../../../core/clock.js';
import { silentLogger } from '../../../core/logger.js';
import { AlertRepository } from '../../../appliance/alerting/alert-repository.js';
import { createAlertingCore } from '../../../appliance/alerting/alerting-feature.js';
import { MuteStore } from '../../../appliance/alerting/mute-store.js';
import { SmsOutbox } from '../../../appliance/alerting/outbox/sms-outbox.js';
import { openDatabase } from '../../../appliance/db/database.js';
import { LastKnownTime, readLastKnownTime } from '../../../appliance/health/last-known-time.js';
import { LiveHub } from '../../../appliance/live/live-hub.js';
import type { Clock } from '../../../core/clock.js';
import { VirtualClock } from '../../helpers/virtual-clock.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { Agents } from '../alerting/support/alerting-rig.js';

const T = Date.UTC(2026, 11, 5, 14, 0, 0);

/** One run of the appliance's alerting with its last-known-time keeper, as Appliance.start wires them. */
function run(dataDir: string, system: VirtualClock) {
  const lastKnownMs = readLastKnownTime(dataDir);
  const clock: Clock = nonDecreasingClock(system, lastKnownMs ?? 0);
  const keeper = new LastKnownTime({ dataDir, clock, logger: silentLogger });
  keeper.start();
  const db = openDatabase(path.join(dataDir, 'rackwatch.sqlite'));
  const repo = new AlertRepository(db);
  const core = createAlertingCore({
    repo, agents: new Agents(), hub: new LiveHub({ ringSize: 10, bootTimeMs: clock.now() }),
    outbox: new SmsOutbox({ db, clock, logger: silentLogger, transport: null }), mutes: new MuteStore(db), clock, logger: silentLogger,
  });
  core.engine.start();
  core.admin.deleteRule('default-cpu-busy');
  return {
    repo, engine: core.engine,
    stop: () => {
      core.engine.stop();
      keeper.stop();
      db.close();
    },
  };
}

void t.test('a clock that goes back across a restart: new alert times are no earlier than the last ones', async (t) => {
  const dataDir = tempDir(t);
  const before = new VirtualClock(T);
  const first = run(dataDir, before);
  await before.advance(10 * 60_000);
  first.engine.raiseFault('disk full', 'the data partition is full');
  await before.advance(5 * 60_000);
  first.engine.clearFault('disk full');
  const firstAlert = first.repo.alertHistory()[0];
  t.equal(firstAlert?.resolvedAt, T + 15 * 60_000, 'the first run resolved its alert at T+15 min');
  first.stop();

  // the power comes back; the clock starts an hour behind the last run
  const after = new VirtualClock(T - 60 * 60_000);
  const second = run(dataDir, after);
  t.teardown(second.stop);
  await after.advance(2 * 60_000);
  second.engine.raiseFault('rrdcached not answering', 'PING unanswered');
  const secondAlert = second.repo.openAlerts()[0];
  if (!secondAlert || !firstAlert) throw new Error('two alerts expected');
  t.equal(secondAlert.startedAt, T + 15 * 60_000, 'stamped at the last known time, not at the system clock (T-58 min)');
  t.ok(secondAlert.startedAt >= (firstAlert.resolvedAt ?? Infinity), 'not before the last event of the previous run');
  const times = [...second.repo.eventsOf(firstAlert.id), ...second.repo.eventsOf(secondAlert.id)].map((e) => e.at);
  t.same(times, [...times].sort((a, b) => a - b), `the history's times never go back: ${times.map((x) => (x - T) / 60_000).join(', ')} min`);

  // the clock passes the last known time: alerts take the system's time again
  await after.advance(75 * 60_000);
  second.engine.clearFault('rrdcached not answering');
  t.equal(second.repo.getAlert(secondAlert.id)?.resolvedAt, after.now(), 'resolved at the system clock once it is ahead');
});
