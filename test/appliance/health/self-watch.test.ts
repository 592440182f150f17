// B4, S13: the appliance's self-watch (appliance/health/self-watch.ts) in virtual time, raising
// its alerts through the real alert engine, repository and SMS outbox (the alerting rig). The
// modem is the real driver talking AT to the simulated modem, which answers that it is not
// registered: the critical alert fires after the rule's five minutes, not before, with its SMS
// queued; it resolves when the network comes back. The other conditions read sources the test
// sets: an injected event-loop lag, an unsynchronised clock (ten minutes), a growing ingest
// backlog, a nearly full partition, a failed database write. A restarted appliance keeps the
// open alert without texting it again and resolves it when the condition is found gone.
import t, { type Test } from 'tap';
import type { ModemHealth } from '../../../contract/alerts-api.js';
import { silentLogger } from '../../../core/logger.js';
import { SELF_WATCH_RULES } from '../../../appliance/alerting/rules/self-watch-rules.js';
import { builtInRuleName, ruleDisplayName } from '../../../webui/src/builtin-rule-names.js';
import { SelfWatch, type DataPartitionReading, type SelfWatchSources } from '../../../appliance/health/self-watch.js';
import { driverWithModel } from '../../gsm/modem/support/model-harness.js';
import { contact, rig, texts, type Rig } from '../alerting/support/alerting-rig.js';

const KIM = '+821011112222';
const MINUTE = 60_000;
const GB = 1024 ** 3;

interface Knobs {
  restarts: number;
  rrdOk: boolean;
  disk: DataPartitionReading;
  synchronised: boolean | null;
  modem: ModemHealth;
  backlog: number;
  lagMs: number;
}

function knobs(): Knobs {
  return {
    restarts: 0, rrdOk: true, disk: { freeBytes: 5 * GB, totalBytes: 8 * GB, rrdBytes: GB, budgetBytes: undefined },
    synchronised: true, modem: { state: 'disabled', signal: null, registration: null, operator: null, sim: null, lastError: null },
    backlog: 0, lagMs: 0,
  };
}

function sourcesOf(k: Knobs): SelfWatchSources {
  return {
    rrdcached: () => ({ ok: k.rrdOk, restarts: k.restarts }),
    dataPartition: () => k.disk,
    clockSynchronised: () => ({ synchronised: k.synchronised, source: 'chrony' }),
    modem: () => k.modem,
    ingestBacklog: () => k.backlog,
    eventLoopLagMs: () => {
      const lag = k.lagMs;
      k.lagMs = 0;
      return lag;
    },
  };
}

function watching(t: Test, r: Rig, sources: SelfWatchSources): SelfWatch {
  const watch = new SelfWatch({ sources, clock: r.clock, logger: silentLogger });
  watch.start(r.engine);
  t.teardown(() => watch.stop());
  return watch;
}

const openSelf = (r: Rig): string[] => r.engine.openAlerts().filter((a) => a.agentId === 'appliance').map((a) => `${a.ruleId} ${a.severity}`).sort();

void t.test('a modem that answers "not registered" raises a critical alert after five minutes, texted, and resolves when it registers', async (t) => {
  const modem = driverWithModel(t, { model: { registration: 0 } });
  const r = rig(t, { clock: modem.clock });
  r.admin.saveContact(contact('kim', KIM));
  modem.driver.start();
  await modem.clock.advance(10_000);
  t.equal(modem.driver.status.registration, 'not-registered', 'the simulated modem answers +CREG: 0,0');
  const k = knobs();
  const watch = watching(t, r, { ...sourcesOf(k), modem: () => {
    const s = modem.driver.status;
    return { state: s.state, signal: s.signal, registration: s.registration, operator: s.operator, sim: s.sim, lastError: s.lastError };
  } });
  t.match(watch.conditions(), [{ rule: 'self-modem', severity: 'critical', firing: false, problem: 'modem not registered (not-registered)' }], 'pending at once');
  await modem.clock.advance(4 * MINUTE + 50_000);
  t.same(openSelf(r), [], 'not yet after 4 min 50 s');
  t.same(texts(r, KIM), []);
  await modem.clock.advance(15_000);
  t.same(openSelf(r), ['self-modem critical'], 'fired after the rule\'s 5 minutes');
  t.match(texts(r, KIM), [/^\[CRIT\] rackwatch appliance degraded modem not registered \(not-registered\) \d\d:\d\d #\d+/]);
  t.match(watch.conditions(), [{ rule: 'self-modem', firing: true }]);

  modem.model.setRegistration(1);
  await modem.clock.advance(2 * MINUTE);
  t.equal(modem.driver.status.registration, 'home');
  t.same(openSelf(r), [], 'resolved once the modem is registered');
  t.match(texts(r, KIM).at(-1), /^\[OK\] /, 'its recovery texted');
});

void t.test('rrdcached restarting more than three times in ten minutes fires at once; quiet for ten minutes, it resolves', async (t) => {
  const r = rig(t);
  r.admin.saveContact(contact('kim', KIM));
  const k = knobs();
  watching(t, r, sourcesOf(k));
  for (let i = 1; i <= 3; i++) {
    k.restarts = i;
    await r.clock.advance(60_000);
  }
  t.same(openSelf(r), [], 'three restarts: within the bound');
  k.restarts = 4;
  await r.clock.advance(5_000);
  t.same(openSelf(r), ['self-rrdcached-restarts critical']);
  t.match(texts(r, KIM), [/^\[CRIT\] rackwatch appliance degraded rrdcached restarted 4 times in 10 min/]);
  await r.clock.advance(10 * MINUTE);
  t.same(openSelf(r), [], 'no restart for ten minutes: resolved');
});

void t.test('an event loop held over a second fires a warning at once, which resolves ten minutes after the last lag', async (t) => {
  const r = rig(t);
  r.admin.saveContact(contact('kim', KIM));
  const k = knobs();
  const watch = watching(t, r, sourcesOf(k));
  k.lagMs = 900;
  await r.clock.advance(5_000);
  t.same(openSelf(r), [], '0.9 s is within the bound');
  k.lagMs = 2_400;
  await r.clock.advance(5_000);
  t.same(openSelf(r), ['self-event-loop warning']);
  t.match(watch.conditions(), [{ rule: 'self-event-loop', problem: 'event loop lagged 2.4 s' }]);
  t.match(texts(r, KIM), [/^\[WARN\] rackwatch appliance degraded event loop lagged 2\.4 s/]);
  // S7: a busy spell stalls again every few minutes (the soak's loaded box): one alert, one SMS
  for (let i = 0; i < 5; i++) {
    await r.clock.advance(4 * MINUTE);
    t.same(openSelf(r), ['self-event-loop warning'], `still open ${(i + 1) * 4} min on`);
    k.lagMs = 1_500;
    await r.clock.advance(5_000);
  }
  t.equal(texts(r, KIM).length, 1, 'five more stalls minutes apart: still the one SMS');
  await r.clock.advance(9 * MINUTE);
  t.same(openSelf(r), ['self-event-loop warning'], 'nine minutes after the last stall: still open');
  await r.clock.advance(MINUTE + 5_000);
  t.same(openSelf(r), [], 'resolved ten minutes after the last stall');
  t.match(texts(r, KIM)[1] ?? '', /^\[OK\] rackwatch /, 'and its recovery texted once');
});

void t.test('an unsynchronised clock, a nearly full or over-budget partition, a growing backlog and a failed write: each after its hold time', async (t) => {
  const r = rig(t);
  const k = knobs();
  const watch = watching(t, r, sourcesOf(k));
  k.synchronised = false;
  k.disk = { freeBytes: 0.5 * GB, totalBytes: 8 * GB, rrdBytes: 3 * GB, budgetBytes: 2 * GB };
  k.backlog = 150;
  watch.databaseWriteFailed('sessions', new Error('SQLITE_CORRUPT: database disk image is malformed'));
  await r.clock.advance(5_000);
  t.same(openSelf(r), ['self-database-write critical'], 'a failed write: at once');
  for (let i = 0; i < 12; i++) {
    k.backlog += 40;
    await r.clock.advance(5_000);
  }
  t.same(openSelf(r), ['self-data-partition warning', 'self-database-write critical'], 'after a minute: the partition');
  const disk = watch.conditions().find((c) => c.rule === 'self-data-partition');
  t.equal(disk?.problem, 'data partition 94% full (512 MB free), RRD files 3072 MB, over the 2048 MB budget');
  for (let i = 0; i < 50; i++) {
    k.backlog += 40;
    await r.clock.advance(5_000);
  }
  t.same(openSelf(r), ['self-data-partition warning', 'self-ingest-backlog warning'], 'after 5 minutes of growth: the backlog; no write failed for 5 minutes: that one resolved');
  await r.clock.advance(5 * MINUTE);
  t.same(openSelf(r), ['self-clock warning', 'self-data-partition warning', 'self-ingest-backlog warning'], 'after 10 minutes: the clock');
  k.backlog = 10;
  k.synchronised = true;
  k.disk = knobs().disk;
  await r.clock.advance(5_000);
  t.same(openSelf(r), [], 'all gone');
  t.same(watch.conditions(), []);
});

void t.test('after a restart the open alert stays open (not texted again) while its condition holds, and resolves when it is gone', (t) => {
  const r = rig(t);
  r.admin.saveContact(contact('kim', KIM));
  const k = knobs();
  k.lagMs = 3_000;
  const first = watching(t, r, sourcesOf(k));
  t.same(openSelf(r), ['self-event-loop warning']);
  first.stop();
  const sent = texts(r, KIM).length;
  // a new self-watch (the restarted appliance) on the same engine, its condition still holding
  k.lagMs = 3_000;
  const second = watching(t, r, sourcesOf(k));
  t.match(second.conditions(), [{ rule: 'self-event-loop', firing: true }]);
  t.equal(texts(r, KIM).length, sent, 'not texted again');
  second.stop();
  // restarted once more, the lag gone: resolved at the first look
  watching(t, r, sourcesOf(k));
  t.same(openSelf(r), []);
  t.end();
});

void t.test('every self-watch rule is named in Korean and English in the UI, under the name its alerts carry', (t) => {
  for (const rule of SELF_WATCH_RULES) {
    t.equal(builtInRuleName(rule.id, 'en'), rule.name, rule.id);
    t.not(builtInRuleName(rule.id, 'ko'), rule.id, `${rule.id} has a Korean name`);
    t.equal(ruleDisplayName(rule.id, rule.name, 'ko'), builtInRuleName(rule.id, 'ko'), 'an alert of the rule shows in Korean');
  }
  t.end();
});
