// S13, B4: the sentinel's rules on a virtual clock (the processes, the network and the channels
// for real: sentinel.int.test.ts): MQTT still up is no outage; a planned restart that ends with
// the appliance still away alarms a grace period later; a channel that fails is tried again;
// the recovery goes once; two sentinels with a peer appliance send one alarm per contact; a
// session that stops answering counts as lost within the bound (session-liveness.ts), an idle one never.
import t from 'tap';
import type { AgentSentinel, SentinelChannel } from '../../contract/sentinel.js';
import { silentLogger } from '../../core/logger.js';
import type { AlarmMessage } from '../../agent/sentinel/alarm-message.js';
import type { HeartbeatResult } from '../../agent/sentinel/heartbeat-probe.js';
import { SentinelWatch } from '../../agent/sentinel/sentinel-watch.js';
import { ANSWER_BOUND_MS, SessionLiveness } from '../../agent/session-liveness.js';
import { ChannelNotUsable } from '../../agent/sentinel/channel-not-usable.js';
import { PeerAlarms } from '../../appliance/sentinel/peer-alarms.js';
import { VirtualClock } from '../helpers/virtual-clock.js';

const CONFIG: AgentSentinel = {
  appliance: 'rack-a', graceS: 10, ownNetworkCheck: '10.0.0.1:22',
  channels: [{ type: 'webhook', url: 'http://127.0.0.1:9/alarm' }],
};

function rig() {
  const clock = new VirtualClock();
  const world = { mqtt: true, heartbeat: { ok: true, plannedRestartUntilMs: null, status: 'ok' } as HeartbeatResult, network: true, failSends: 0, notUsable: false, attempts: 0 };
  const sent: { channel: SentinelChannel; alarm: AlarmMessage }[] = [];
  const watch = new SentinelWatch({
    clock, log: silentLogger, sentinelName: 'web-01',
    mqttConnected: () => world.mqtt,
    heartbeat: () => Promise.resolve(world.heartbeat),
    ownNetwork: () => Promise.resolve({ ok: world.network, detail: world.network ? '10.0.0.1:22 answers' : '10.0.0.1:22: ECONNREFUSED' }),
    send: (channel, alarm) => {
      world.attempts++;
      if (world.notUsable) return Promise.reject(new ChannelNotUsable('serialport is not installed beside the agent: run the installer again with --with-modem'));
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

void t.test('an outage shorter than the grace period does not alarm, even one that begins just before a look', async (t) => {
  // looks every 2.5 s (a quarter of the 10 s grace): alive at 2.5 s, down from 4.9 s, seen down at
  // 5, 7.5, 10 and 12.5 s, back at 12.6 s: 7.7 s away, yet 10 s after the last look that saw it alive
  const { clock, world, sent, down } = rig();
  await clock.advance(4_900);
  down();
  await clock.advance(7_700);
  world.mqtt = true;
  world.heartbeat = { ok: true, plannedRestartUntilMs: null, status: 'ok' };
  await clock.advance(30_000);
  t.same(sent, [], 'the grace period counts from the first look that found it away');
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

void t.test('a channel that cannot work until the server is changed is not retried each tick (serialport missing)', async (t) => {
  const { clock, world, sent, down } = rig();
  world.notUsable = true;
  down();
  await clock.advance(60_000);
  t.equal(world.attempts, 1, 'tried once for this alarm, not every tick');
  t.equal(sent.length, 0);
});

// The agreement rule (sentinel-watch.ts, docs/agent.md "Sentinel"): two sentinels with a peer
// channel, the peer being the appliance's own PeerAlarms on a virtual clock.
void t.test('two sentinels with a peer: one alarm per contact, and the peer alone is told by the second', async (t) => {
  const clock = new VirtualClock();
  const raised: string[] = [];
  const open = new Set<string>();
  const peer = new PeerAlarms({
    raise: (name) => { if (open.has(name)) return false; open.add(name); raised.push(name); return true; },
    clear: (name) => { open.delete(name); },
    logger: silentLogger,
  });
  const world = { up: true, peerUp: true };
  const config: AgentSentinel = { ...CONFIG, channels: [{ type: 'peer', url: 'http://10.0.0.2', token: 'peer-token-1' }, ...CONFIG.channels] };
  const sent: { by: string; channel: string; event: string }[] = [];
  const watch = (name: string): SentinelWatch => {
    const w = new SentinelWatch({
      clock, log: silentLogger, sentinelName: name,
      mqttConnected: () => world.up,
      heartbeat: () => Promise.resolve(world.up ? { ok: true, plannedRestartUntilMs: null, status: 'ok' } : { ok: false, problem: 'heartbeat: ECONNREFUSED' }),
      ownNetwork: () => Promise.resolve({ ok: true, detail: 'answers' }),
      send: (channel, alarm) => {
        if (channel.type === 'peer') {
          if (!world.peerUp) return Promise.reject(new Error('peer: ECONNREFUSED'));
          const answer = peer.report({ event: alarm.event, appliance: alarm.appliance, sentinel: alarm.sentinel, since: alarm.since, seen: alarm.seen });
          sent.push({ by: name, channel: 'peer', event: alarm.event });
          return Promise.resolve(answer);
        }
        sent.push({ by: name, channel: channel.type, event: alarm.event });
        return Promise.resolve(null);
      },
    });
    w.apply(config);
    t.teardown(() => w.stop());
    return w;
  };
  watch('s-1');
  await clock.advance(1_000);
  watch('s-2');
  await clock.advance(5_000);
  world.up = false;
  await clock.advance(30_000);
  t.same(raised, ['rack-a'], 'the peer raised one alert');
  const hooks = sent.filter((s) => s.channel === 'webhook' && s.event === 'alarm');
  t.equal(hooks.length, 1, 'the webhook contact got one alarm, not one per sentinel');
  t.equal(sent.filter((s) => s.channel === 'peer' && s.event === 'alarm').length, 2, 'both sentinels told the peer');
  const first = hooks[0]?.by;
  world.up = true;
  await clock.advance(10_000);
  t.same(sent.filter((s) => s.channel === 'webhook' && s.event === 'recovery').map((s) => s.by), [first], 'the recovery goes where the alarm went');
  t.equal(open.size, 0, 'the peer resolved its alert');

  // the peer away: each sentinel alarms alone (duplicates, never silence)
  world.peerUp = false;
  sent.length = 0;
  world.up = false;
  await clock.advance(30_000);
  t.same(sent.filter((s) => s.channel === 'webhook' && s.event === 'alarm').map((s) => s.by).sort(), ['s-1', 's-2']);
});

/**
 * S13, B4: the session judged by its answers (session-liveness.ts, wired to mqtt.js's
 * packetsend/packetreceive as session.ts does): a broker that still holds the TCP connection but
 * answers nothing (SIGSTOP, a cut link) is a lost session within the bound, not after mqtt.js's
 * 1.5 × keepalive. `publishEveryMs` null: an idle agent with nothing to publish.
 */
function answeringRig(publishEveryMs: number | null) {
  const clock = new VirtualClock();
  const liveness = new SessionLiveness(clock);
  const broker = { answers: true, pings: 0 };
  const sent: AlarmMessage[] = [];
  // what the broker does with a packet that wants an answer: a PUBACK/PINGRESP a few ms later, or nothing
  const send = (packet: { cmd: string; qos?: number }): void => {
    liveness.sent(packet);
    if (broker.answers) clock.setTimeout(() => { if (broker.answers) liveness.received(); }, 5);
  };
  if (publishEveryMs !== null) {
    const publish = (): void => { send({ cmd: 'publish', qos: 1 }); clock.setTimeout(publish, publishEveryMs); };
    clock.setTimeout(publish, publishEveryMs);
  }
  const world = { heartbeat: { ok: true, plannedRestartUntilMs: null, status: 'ok' } as HeartbeatResult };
  const watch = new SentinelWatch({
    clock, log: silentLogger, sentinelName: 'web-01',
    // the TCP connection stays up throughout: mqtt.js would say connected until its keepalive gives up
    mqttConnected: () => liveness.answering,
    mqttProbe: () => { if (liveness.idle) { broker.pings++; send({ cmd: 'pingreq' }); } },
    // a failing heartbeat takes its 3 s timeout (heartbeat-probe.ts in main.ts), as against a hung appliance
    heartbeat: () => world.heartbeat.ok ? Promise.resolve(world.heartbeat) : new Promise((resolve) => clock.setTimeout(() => resolve(world.heartbeat), 3_000)),
    ownNetwork: () => Promise.resolve({ ok: true, detail: '10.0.0.1:22 answers' }),
    send: (_channel, alarm) => { sent.push(alarm); return Promise.resolve(); },
  });
  watch.apply(CONFIG);
  t.teardown(() => watch.stop());
  const hang = (): void => {
    broker.answers = false;
    world.heartbeat = { ok: false, problem: 'heartbeat: no answer within 3000 ms' };
  };
  return { clock, liveness, broker, world, sent, hang };
}

void t.test('a hung broker: the session counts as lost within the bound and the alarm comes within grace + 15 s', async (t) => {
  for (const publishEveryMs of [3_000, null]) {
    const { clock, liveness, sent, hang } = answeringRig(publishEveryMs);
    await clock.advance(20_000);
    t.ok(liveness.answering, 'answered while the broker answers');
    const hungAt = clock.now();
    hang();
    // a batch goes within 3 s, or the sentinel's ping once the heartbeat has failed (a look every 2.5 s, its 3 s timeout)
    const lostAfter = await clock.until(() => !liveness.answering, 60_000);
    t.ok(lostAfter <= 2_500 + 3_000 + ANSWER_BOUND_MS + 100, `lost ${lostAfter} ms after the hang (publishing every ${publishEveryMs ?? 'never'})`);
    await clock.until(() => sent.length > 0, 60_000);
    t.ok(sent.length > 0 && clock.now() - hungAt <= CONFIG.graceS * 1000 + 15_000, `alarm ${clock.now() - hungAt} ms after the hang`);
    t.match(sent[0], { event: 'alarm', seen: /MQTT session lost since .*no answer within 3000 ms/ });
  }
});

void t.test('an idle but healthy session is not counted lost, with or without pings', async (t) => {
  const { clock, liveness, broker, sent } = answeringRig(null);
  // nothing sent: nothing waits for an answer, however long (then only mqtt.js's keepalive judges)
  await clock.advance(120_000);
  t.ok(liveness.answering);
  t.equal(broker.pings, 0, 'no pings while the heartbeat answers');
  broker.answers = false;
  await clock.advance(120_000);
  t.ok(liveness.answering, 'an idle session with nothing waiting is never judged dead here');
  t.same(sent, []);
});

void t.test('the heartbeat failing alone: the session answers the pings, no alarm', async (t) => {
  for (const publishEveryMs of [3_000, null]) {
    const { clock, liveness, broker, world, sent } = answeringRig(publishEveryMs);
    world.heartbeat = { ok: false, problem: 'heartbeat answered HTTP 502' };
    await clock.advance(120_000);
    t.ok(liveness.answering);
    if (publishEveryMs === null) t.ok(broker.pings > 10, 'pinged each look the heartbeat failed');
    t.same(sent, [], `no alarm (publishing every ${publishEveryMs ?? 'never'})`);
  }
});
