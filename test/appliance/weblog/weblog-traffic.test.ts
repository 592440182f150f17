// Web log traffic on the appliance (S11) with a real SQLite file and virtual time: a "requests/s
// drop to zero" rule fires when a source's intervals stop arriving and recovers when they come
// back; totals and top tables survive a restart; a range older than the hour buckets' keep is
// answered from the day buckets.
import path from 'node:path';
import t, { type Test } from 'tap';
import type { Sample } from '../../../contract/metrics.js';
import type { Rule } from '../../../contract/alerting.js';
import type { WeblogInterval } from '../../../contract/weblog.js';
import { silentLogger } from '../../../core/logger.js';
import { openDatabase } from '../../../appliance/db/database.js';
import { AgentRepository } from '../../../appliance/agents/agent-repository.js';
import { LiveHub } from '../../../appliance/live/live-hub.js';
import { applyStateChanges, evaluateSamples, type RuleTransition, type SeriesState } from '../../../appliance/alerting/rules/rule-evaluator.js';
import { WeblogSourceRepository } from '../../../appliance/weblog/weblog-source-repository.js';
import { WeblogTrafficRepository } from '../../../appliance/weblog/weblog-traffic-repository.js';
import { WeblogTraffic } from '../../../appliance/weblog/weblog-traffic.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { VirtualClock } from '../../helpers/virtual-clock.js';

const AGENT = 'a1b2c3d4e5f6';
const SOURCE = 'w000000000001';

function interval(t: number, requests: number, urls: Record<string, number> = {}): WeblogInterval {
  return {
    source: SOURCE, t, i: 10, requests, bytes: requests * 100, classes: [0, requests, 0, 0, 0], codes: requests ? { 200: requests } : {}, methods: {},
    latency: null, visitors: 1, top: { url: Object.entries(urls).map(([key, count]) => ({ key, count, error: 0 })), referrer: [], visitor: [], agent: [], notfound: [] },
    malformed: 0, cut: 0, samples: [], problem: null,
  };
}

const dropToZero: Rule = {
  id: 'r-drop', name: 'no traffic', metric: { kind: 'field', family: 'weblog', field: 'requests', key: SOURCE },
  comparison: '<', levels: { critical: 0.01 }, forS: 0, scope: { kind: 'agent', agentId: AGENT }, enabled: true,
};

function setUp(t: Test, dir: string, clock: VirtualClock) {
  const db = openDatabase(path.join(dir, 'rackwatch.sqlite'));
  t.teardown(() => db.close());
  const sources = new WeblogSourceRepository(db);
  if (!sources.get(SOURCE)) {
    new AgentRepository(db).insert(AGENT, 'web-01', 'x', 0);
    sources.insert({ id: SOURCE, agentId: AGENT, path: '/var/log/access.log', format: 'combined', intervalS: 10, keepQuery: false, fromStart: false, poolId: null, weight: 1, createdAt: 0 });
  }
  const written: Sample[] = [];
  const states = new Map<string, SeriesState>();
  const transitions: RuleTransition[] = [];
  const traffic = new WeblogTraffic({
    repo: new WeblogTrafficRepository(db), sourceOf: (id) => sources.get(id), sources: () => sources.list(),
    write: (_agent, _step, samples) => {
      written.push(...samples);
      return Promise.resolve();
    },
    // what the alert engine does with them (alert-engine.ts onBatch)
    onSamples: (agentId, _i, samples) => {
      const changes = evaluateSamples({ rules: [dropToZero], states, agentId, agentGroupIds: [], samples, context: {}, nowMs: clock.now() });
      applyStateChanges(states, changes);
      transitions.push(...changes.transitions);
    },
    hub: new LiveHub({ ringSize: 16, bootTimeMs: 0 }), clock, logger: silentLogger,
  });
  traffic.start();
  t.teardown(() => traffic.stop());
  return { traffic, written, transitions };
}

void t.test('a requests-drop-to-zero rule fires when intervals stop arriving, and recovers when they come back', async (t) => {
  const clock = new VirtualClock();
  const { traffic, written, transitions } = setUp(t, tempDir(t, 'rw-weblog-'), clock);
  const nowS = (): number => Math.floor(clock.now() / 1000);
  for (let n = 0; n < 3; n++) {
    traffic.record(AGENT, [interval(nowS() - 10, 50)]);
    await clock.advance(10_000);
  }
  t.same(transitions, [], 'traffic: nothing fires');
  // the last interval arrived 10 s ago
  await clock.advance(15_000);
  t.same(transitions, [], 'not before three intervals (and 30 s) without one');
  await clock.advance(10_000);
  t.match(transitions, [{ kind: 'fired', severity: 'critical', value: 0, series: { key: SOURCE } }], 'silent: fired on "no requests"');
  t.equal(written.filter((s) => s.v.requests === 0).length, 0, 'the silence is never written to RRD (a gap stays a gap)');
  const fedBefore = transitions.length;
  await clock.advance(60_000);
  t.equal(transitions.length, fedBefore, 'still firing, no new transition');
  traffic.record(AGENT, [interval(nowS() - 10, 20)]);
  t.match(transitions.at(-1), { kind: 'resolved' }, 'traffic again: resolved');
});

void t.test('totals and top tables survive a restart; an old range is read from the day buckets', (t) => {
  const dir = tempDir(t, 'rw-weblog-');
  const clock = new VirtualClock();
  const nowS = Math.floor(clock.now() / 1000);
  const threeDaysAgo = nowS - 3 * 86_400 - (nowS % 10);
  const first = setUp(t, dir, clock);
  first.traffic.record(AGENT, [interval(threeDaysAgo, 7, { '/old': 7 })]);
  first.traffic.record(AGENT, [interval(nowS - 20, 30, { '/a': 20, '/b': 10 })]);
  first.traffic.record(AGENT, [interval(nowS - 10, 12, { '/b': 12 })]);
  first.traffic.stop();

  const second = setUp(t, dir, clock);
  t.match(second.traffic.totals(SOURCE), { requests: 49, bytes: 4900, status: { 200: 49 }, lastIntervalAt: nowS - 10 });
  const lastHour = second.traffic.top(SOURCE, 'url', nowS - 3600, nowS, 10);
  t.same(lastHour.entries, [{ key: '/b', count: 22, error: 0 }, { key: '/a', count: 20, error: 0 }], 'the last hour: hour buckets');
  const week = second.traffic.top(SOURCE, 'url', nowS - 4 * 86_400, nowS, 10);
  t.same(week.entries.map((e) => [e.key, e.count]), [['/b', 22], ['/a', 20], ['/old', 7]], 'four days: day buckets, the old interval too');
  const status = second.traffic.top(SOURCE, 'status', nowS - 4 * 86_400, nowS, 10);
  t.same(status.entries, [{ key: '200', count: 49, error: 0 }]);
  t.end();
});
