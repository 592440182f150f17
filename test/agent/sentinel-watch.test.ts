// S13, B4: the sentinel's rules on a virtual clock (the processes, the network and the channels
// for real: sentinel.int.test.ts): MQTT still up is no outage; a planned restart that ends with
// the appliance still away alarms a grace period later; a channel that fails is tried again;
// the recovery goes once.
import t from 'tap';
import type { AgentSentinel, SentinelChannel } from '../../contract/sentinel.js';
import { silentLogger } from '../../core/logger.js';
import type { AlarmMessage } from '../../agent/sentinel/alarm-message.js';
import type { HeartbeatResult } from '../../agent/sentinel/heartbeat-probe.js';
import { SentinelWatch } from '../../agent/sentinel/sentinel-watch.js';
import { VirtualClock } from '../helpers/virtual-clock.js';

const CONFIG: AgentSentinel = {
  appliance: 'rack-a', graceS: 10, ownNetworkCheck: '10.0.0.1:22',
  channels: [{ type: 'webhook', url: 'http://127.0.0.1:9/alarm' }],
};

function rig() {
  const clock = new VirtualClock();
  const world = { mqtt: true, heartbeat: { ok: true, plannedRestartUntilMs: null, status: 'ok' } as HeartbeatResult, network: true, failSends: 0 };
  const sent: { channel: SentinelChannel; alarm: AlarmMessage }[] = [];
  const watch = new SentinelWatch({
    clock, log: silentLogger, sentinelName: 'web-01',
    mqttConnected: () => world.mqtt,
    heartbeat: () => Promise.resolve(world.heartbeat),
    ownNetwork: () => Promise.resolve({ ok: world.network, detail: world.network ? '10.0.0.1:22 answers' : '10.0.0.1:22: ECONNREFUSED' }),
    send: (channel, alarm) => {
      if (world.failSends > 0) {
        world.failSends--;
        return Promise.reject(new Error('HTTP 502'));
      }
      sent.push({ channel, alarm });
      return Promise.resolve();
    },
  });
  watch.apply(CONFIG);
  t.teardown(() => watch.stop());
  const down = (): void => {
    world.mqtt = false;
    world.heartbeat = { ok: false, problem: 'heartbeat: fetch failed (ECONNREFUSED)' };
  };
  return { clock, world, sent, down };
}

void t.test('a heartbeat failing while the MQTT session is up is no outage', async (t) => {
  const { clock, world, sent } = rig();
  world.heartbeat = { ok: false, problem: 'heartbeat answered HTTP 502' };
  await clock.advance(60_000);
  t.same(sent, []);
});

void t.test('both failing for the grace period: one alarm naming what was seen, then one recovery', async (t) => {
  const { clock, world, sent, down } = rig();
  await clock.advance(5_000);
  const lastSeen = clock.now();
  down();
  await clock.advance(7_500);
  t.same(sent, [], 'not within the grace period');
  await clock.advance(5_000);
  t.equal(sent.length, 1);
  t.match(sent[0]?.alarm, { event: 'alarm', appliance: 'rack-a', sentinel: 'web-01', seen: /MQTT session lost since .*ECONNREFUSED.*own network: 10\.0\.0\.1:22 answers/ });
  t.ok(Date.parse(sent[0]?.alarm.since ?? '') <= lastSeen + 2_500, 'since: when it was last seen alive');
  await clock.advance(60_000);
  t.equal(sent.length, 1, 'one alarm per outage');
  world.heartbeat = { ok: true, plannedRestartUntilMs: null, status: 'ok' };
  await clock.advance(5_000);
  t.equal(sent.length, 2);
  t.match(sent[1]?.alarm, { event: 'recovery', message: /answers again/ });
});

void t.test('its own network failing holds the alarm back until it passes', async (t) => {
  const { clock, world, sent, down } = rig();
  world.network = false;
  down();
  await clock.advance(60_000);
  t.same(sent, []);
  world.network = true;
  await clock.advance(5_000);
  t.equal(sent.length, 1);
});

void t.test('a planned restart silences its window; still away after it, the alarm comes a grace period later', async (t) => {
  const { clock, world, sent, down } = rig();
  const untilMs = clock.now() + 60_000;
  world.heartbeat = { ok: true, plannedRestartUntilMs: untilMs, status: 'ok' };
  await clock.advance(5_000);
  down();
  await clock.advance(55_000 + 7_500);
  t.same(sent, [], 'quiet inside the window and the grace after it');
  await clock.advance(5_000);
  t.equal(sent.length, 1);
});

void t.test('a channel that fails is tried again', async (t) => {
  const { clock, world, sent, down } = rig();
  world.failSends = 2;
  down();
  await clock.advance(20_000);
  t.equal(sent.length, 1, 'delivered on the third attempt');
  t.equal(sent[0]?.alarm.event, 'alarm');
});
