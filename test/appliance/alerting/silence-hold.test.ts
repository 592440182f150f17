// S7: agents kept away by the appliance itself are not texted as silent (AlertEngine.holdSilence).
// The soak's chaos (docs/benchmarks.md "Soak under faults") texted "[CRIT] bench-000013 offline"
// for every agent the broker disconnected while the disk was full, and for agents that had not
// reconnected 30 s after a start whose broker listened only later. In virtual time, with the
// alerting rig (real SQLite, repository, hub and outbox). "Agent silent" fires at once here
// (silentAfter 0): these tests are about when silence is judged; its minute is silence-duration.test.ts's.
import t from 'tap';
import { MAX_GRACE_STRETCH_MS } from '../../../appliance/alerting/silence-grace.js';
import { T0, contact, rig, silentAfter, texts } from './support/alerting-rig.js';

const KIM = '+821011112222';

void t.test('S7: while the storage refuses writes nobody turns silent, nor in the grace after; an agent still away after it is texted', async (t) => {
  const r = rig(t, { graceMs: 30_000 });
  silentAfter(r, 0);
  r.agents.add('a1', 'web-01', 'online', T0);
  r.agents.add('a2', 'web-02', 'online', T0);
  r.admin.saveContact(contact('kim', KIM));
  // both report all along until the disk fills (their publishes in flight count as reporting)
  r.agents.talking.add('a1');
  r.agents.talking.add('a2');
  await r.clock.advance(31_000); // the start-up grace is over
  t.same(texts(r, KIM), [], 'nobody silent before');
  const one = r.agents.rows.get('a1');
  const two = r.agents.rows.get('a2');
  if (!one || !two) throw new Error('no agents');
  one.lastSeen = two.lastSeen = r.clock.now();
  r.agents.talking.clear();
  r.engine.holdSilence('storage: disk-full');
  // the broker closes both connections (their last wills)
  one.status = two.status = 'offline';
  r.hub.publish('status', 'a1', { agentId: 'a1', status: 'offline', at: r.clock.now() });
  r.hub.publish('status', 'a2', { agentId: 'a2', status: 'offline', at: r.clock.now() });
  await r.clock.advance(5 * 60_000);
  t.same(texts(r, KIM), [], 'five minutes of a full disk: no "offline" SMS');
  r.engine.releaseSilence('storage: disk-full');
  // web-01 reconnects 20 s later; web-02 does not come back
  await r.clock.advance(20_000);
  one.status = 'online';
  one.lastSeen = r.clock.now();
  await r.clock.advance(9_000);
  t.same(texts(r, KIM), [], 'still in the 30 s grace after the disk was freed');
  await r.clock.advance(3_000);
  t.match(texts(r, KIM), [/^\[CRIT\] web-02 offline since /], 'after the grace only the agent still away is texted');
});

void t.test('S7: the start-up grace runs from the release of "starting" (the broker listening), not from the engine start', async (t) => {
  const r = rig(t, { graceMs: 30_000 });
  silentAfter(r, 0);
  r.agents.add('a1', 'db-01', 'offline', T0 - 60_000);
  r.admin.saveContact(contact('kim', KIM));
  r.engine.holdSilence('starting');
  // a start that replays minutes of journal before the broker listens
  await r.clock.advance(4 * 60_000);
  t.same(texts(r, KIM), [], 'nobody is silent before the broker listens');
  r.engine.releaseSilence('starting');
  await r.clock.advance(29_000);
  t.same(texts(r, KIM), [], 'nor within the grace after');
  await r.clock.advance(3_000);
  t.match(texts(r, KIM), [/^\[CRIT\] db-01 offline since /], 'an agent that did not reconnect is texted after it');
});

void t.test('S7: an agent already silent when a hold begins stays in its alert (no "[OK]") until it reports again', async (t) => {
  const r = rig(t, { graceMs: 10_000 });
  silentAfter(r, 0);
  r.agents.add('a1', 'db-01', 'offline', T0 - 60_000);
  r.admin.saveContact(contact('kim', KIM));
  await r.clock.advance(12_000);
  t.match(texts(r, KIM), [/^\[CRIT\] db-01 offline/], 'silent, texted');
  r.engine.holdSilence('storage: read-only');
  await r.clock.advance(60_000);
  r.engine.releaseSilence('storage: read-only');
  await r.clock.advance(20_000);
  t.equal(texts(r, KIM).length, 1, 'neither a recovery nor a second alert through the hold and its grace');
  t.equal(r.engine.openAlerts().length, 1, 'its alert is still open');
  const row = r.agents.rows.get('a1');
  if (!row) throw new Error('no a1');
  row.status = 'online';
  row.lastSeen = r.clock.now();
  await r.clock.advance(2_000);
  t.match(texts(r, KIM)[1] ?? '', /^\[OK\] db-01 /, 'one recovery when it reports again');
});

void t.test('S7: two holds overlap: the grace begins when the last ends', async (t) => {
  const r = rig(t, { graceMs: 10_000 });
  silentAfter(r, 0);
  r.agents.add('a1', 'db-01', 'online', T0);
  r.admin.saveContact(contact('kim', KIM));
  r.agents.talking.add('a1');
  await r.clock.advance(11_000);
  t.same(texts(r, KIM), [], 'reporting: not silent');
  const row = r.agents.rows.get('a1');
  if (!row) throw new Error('no a1');
  row.lastSeen = r.clock.now();
  r.agents.talking.clear();
  r.engine.holdSilence('storage: disk-full');
  r.engine.holdSilence('storage: io-error');
  row.status = 'offline';
  r.hub.publish('status', 'a1', { agentId: 'a1', status: 'offline', at: r.clock.now() });
  await r.clock.advance(30_000);
  r.engine.releaseSilence('storage: disk-full');
  await r.clock.advance(30_000);
  t.same(texts(r, KIM), [], 'one hold still lasts');
  r.engine.releaseSilence('storage: io-error');
  await r.clock.advance(9_000);
  t.same(texts(r, KIM), [], 'in the grace');
  await r.clock.advance(3_000);
  t.match(texts(r, KIM), [/^\[CRIT\] db-01 offline/]);
});

void t.test('S7: agents still reconnecting stretch the grace (a slow fleet is not texted), up to MAX_GRACE_STRETCH_MS', async (t) => {
  const r = rig(t, { graceMs: 30_000 });
  silentAfter(r, 0);
  for (let i = 0; i < 8; i++) r.agents.add(`a${i}`, `web-0${i}`, 'offline', T0 - 60_000);
  r.admin.saveContact(contact('kim', KIM));
  // the fleet comes back one agent every 20 s (each inside the 30 s since the previous); web-07 never does
  for (let i = 0; i < 7; i++) {
    await r.clock.advance(20_000);
    const row = r.agents.rows.get(`a${i}`);
    if (!row) throw new Error('no agent');
    row.status = 'online';
    row.lastSeen = r.clock.now();
    r.agents.talking.add(`a${i}`);
    r.hub.publish('status', `a${i}`, { agentId: `a${i}`, status: 'online', at: r.clock.now() });
  }
  await r.clock.advance(29_000);
  t.same(texts(r, KIM), [], '2 min 49 s after the start, 29 s after the last agent came back: nobody texted');
  await r.clock.advance(3_000);
  t.match(texts(r, KIM), [/^\[CRIT\] web-07 offline since /], 'once 30 s pass without one coming back, the agent still away is texted');
});

void t.test('S7: the stretch is bounded: a fleet that trickles back for ever does not hide a server that is down', async (t) => {
  const r = rig(t, { graceMs: 30_000 });
  silentAfter(r, 0);
  r.agents.add('down', 'db-01', 'offline', T0 - 60_000);
  r.agents.add('flappy', 'web-01', 'offline', T0 - 60_000);
  r.admin.saveContact(contact('kim', KIM));
  const row = r.agents.rows.get('flappy');
  if (!row) throw new Error('no agent');
  r.agents.talking.add('flappy');
  let at = 0;
  while (texts(r, KIM).length === 0 && at < 30 * 60_000) {
    await r.clock.advance(20_000);
    at += 20_000;
    row.status = 'online';
    row.lastSeen = r.clock.now();
    r.hub.publish('status', 'flappy', { agentId: 'flappy', status: 'online', at: r.clock.now() });
  }
  t.match(texts(r, KIM), [/^\[CRIT\] db-01 offline since /], 'db-01 is texted');
  t.ok(at <= 30_000 + MAX_GRACE_STRETCH_MS + 20_000, `within the grace and its longest stretch (after ${at / 1000} s)`);
  t.ok(at > 30_000 + MAX_GRACE_STRETCH_MS - 20_000, `and not before the stretch ran out (after ${at / 1000} s)`);
});
