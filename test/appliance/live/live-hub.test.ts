// The live hub's replay ring: what a reconnecting stream gets after Last-Event-ID.
import t from 'tap';
import { LiveHub } from '../../../appliance/live/live-hub.js';

void t.test('since() returns the events after an id, oldest first, within the ring', (t) => {
  const hub = new LiveHub({ ringSize: 3, bootTimeMs: 1000 });
  const seen: number[] = [];
  const off = hub.subscribe((e) => seen.push(e.id));
  for (let n = 0; n < 5; n++) hub.publish('status', 'a', { agentId: 'a', status: 'online', at: n });
  off();
  hub.publish('status', 'a', { agentId: 'a', status: 'offline', at: 9 });
  t.equal(seen.length, 5, 'the unsubscribed listener got nothing more');
  const ids = hub.since(0).map((e) => e.id);
  t.equal(ids.length, 3, 'only the ring is kept');
  t.same(hub.since(ids[0] as number).map((e) => e.id), ids.slice(1));
  t.same(hub.since(ids[2] as number), [], 'nothing after the newest');
  t.end();
});

void t.test('ids from an earlier boot are older than every id of a later boot', (t) => {
  const first = new LiveHub({ ringSize: 10, bootTimeMs: 5_000 });
  for (let n = 0; n < 900; n++) first.publish('status', 'a', { agentId: 'a', status: 'online', at: n });
  const lastOfFirst = first.since(0).at(-1)?.id as number;
  const second = new LiveHub({ ringSize: 10, bootTimeMs: 6_000 });
  second.publish('status', 'a', { agentId: 'a', status: 'online', at: 0 });
  t.equal(second.since(lastOfFirst).length, 1, 'a client that reconnects after a restart gets the new events');
  t.end();
});

void t.test('a replayed event is the frame live subscribers got, and the ring keeps no parsed data', (t) => {
  const hub = new LiveHub({ ringSize: 8, bootTimeMs: 1000 });
  const live: string[] = [];
  hub.subscribe((e) => live.push(e.frame));
  const batch = { v: 1 as const, i: 5, s: [{ f: 'load' as const, t: 100, v: { load1: 0.5, load5: 0.25, load15: 0.125 } }] };
  const relayed = `{"agentId":"a","batch":${JSON.stringify(batch)}}`;
  hub.publish('sample', 'a', { agentId: 'a', batch }, relayed);
  hub.publish('status', 'b', { agentId: 'b', status: 'offline', at: 7 });
  const replay = hub.since(0);
  t.same(replay.map((e) => e.frame), live, 'the same frames, in order');
  t.match(replay[0]?.frame, new RegExp(`^id: \\d+\\nevent: sample\\ndata: ${relayed.replace(/[{}[\]().+*?^$|\\]/g, '\\$&')}\\n\\n$`), 'the publisher\'s own JSON is relayed');
  t.same(JSON.parse(replay[1]?.frame.split('\n')[2]?.slice('data: '.length) ?? ''), { agentId: 'b', status: 'offline', at: 7 }, 'other events are encoded');
  t.notOk(replay.some((e) => 'data' in e), 'a ring entry holds the frame, not the objects');
  t.end();
});
