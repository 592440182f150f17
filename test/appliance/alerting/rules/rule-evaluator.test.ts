// Rule evaluation over time (S7): "for at least N s", grades, hysteresis, missing data, silence.
import t from 'tap';
import type { Sample } from '../../../../contract/metrics.js';
import {
  applyStateChanges,
  evaluateObservation,
  evaluateSamples,
  evaluateSilence,
  initialSeriesState,
  seriesKey,
  silentCheck,
  sweepSeries,
  type RuleTransition,
  type SeriesState,
} from '../../../../appliance/alerting/rules/rule-evaluator.js';
import { DEFAULT_RULES } from '../../../../appliance/alerting/rules/rule-types.js';
import { type Rule } from '../../../../contract/alerting.js';

const T0 = Date.UTC(2025, 2, 3, 5, 0, 0); // appliance and sample time of step 0

const cpuRule: Rule = {
  id: 'cpu',
  name: 'CPU busy',
  metric: { kind: 'derived', name: 'cpu_busy_pct' },
  comparison: '>',
  levels: { warning: 80, critical: 90 },
  recovery: { delta: 5 },
  forS: 60,
  scope: { kind: 'all' },
  enabled: true,
};

type Step = [seconds: number, value: number];

/** Runs observations (sample time = appliance time) and lists "t:kind:grade" for each transition. */
function run(rule: Rule, steps: readonly Step[]): { log: string[]; state: SeriesState } {
  let state = initialSeriesState({ ruleId: rule.id, agentId: 'a1' });
  const log: string[] = [];
  for (const [s, value] of steps) {
    const result = evaluateObservation(rule, state, { tMs: T0 + s * 1000, value }, T0 + s * 1000);
    state = result.state;
    for (const tr of result.transitions) log.push(`${s}:${describe(tr)}`);
  }
  return { log, state };
}

function describe(tr: RuleTransition): string {
  switch (tr.kind) {
    case 'pending':
    case 'fired':
      return `${tr.kind}:${tr.severity}`;
    case 'escalated':
    case 'deescalated':
      return `${tr.kind}:${tr.from}>${tr.severity}`;
    case 'resolved':
      return `resolved:${tr.from}:${tr.reason}`;
    case 'cancelled':
      return `cancelled:${tr.severity}:${tr.reason}`;
  }
}

const every10s = (values: number[], from = 0): Step[] => values.map((v, i) => [from + i * 10, v]);

const table: { name: string; rule?: Rule; steps: Step[]; expect: string[] }[] = [
  {
    name: 'a breach shorter than forS goes pending and is cancelled, never fired',
    steps: every10s([50, 95, 95, 95, 95, 95, 50]),
    expect: ['10:pending:critical', '60:cancelled:critical:recovered'],
  },
  {
    name: 'a breach held for forS fires after pending',
    steps: every10s([85, 85, 85, 85, 85, 85, 85]),
    expect: ['0:pending:warning', '60:fired:warning'],
  },
  {
    name: 'one dip below the threshold restarts the forS clock',
    steps: every10s([85, 85, 85, 79, 85, 85, 85, 85, 85, 85, 85]),
    expect: ['0:pending:warning', '30:cancelled:warning:recovered', '40:pending:warning', '100:fired:warning'],
  },
  {
    name: 'hysteresis keeps it firing until below the recovery level (threshold − delta)',
    steps: every10s([85, 85, 85, 85, 85, 85, 85, 79, 76, 75.5, 74.9]),
    expect: ['0:pending:warning', '60:fired:warning', '100:resolved:warning:recovered'],
  },
  {
    name: 'a sustained jump to critical fires critical directly',
    steps: every10s([95, 95, 95, 95, 95, 95, 95]),
    expect: ['0:pending:critical', '60:fired:critical'],
  },
  {
    name: 'warning escalates to critical once critical has held for forS',
    steps: every10s([85, 85, 85, 85, 85, 85, 85, 95, 95, 95, 95, 95, 95, 95]),
    expect: ['0:pending:warning', '60:fired:warning', '130:escalated:warning>critical'],
  },
  {
    name: 'critical de-escalates to warning below the critical recovery level, then resolves',
    steps: every10s([95, 95, 95, 95, 95, 95, 95, 86, 84, 80, 74]),
    expect: ['0:pending:critical', '60:fired:critical', '80:deescalated:critical>warning', '100:resolved:warning:recovered'],
  },
  {
    name: 'forS 0 fires at once, with no pending step',
    rule: { ...cpuRule, forS: 0 },
    steps: every10s([50, 91, 50]),
    expect: ['10:fired:critical', '20:resolved:critical:recovered'],
  },
  {
    name: "a '<' rule alarms on low values and recovers above threshold + delta",
    rule: {
      ...cpuRule,
      metric: { kind: 'field', family: 'memory', field: 'available' },
      comparison: '<',
      levels: { warning: 100, critical: 50 },
      recovery: { delta: 20 },
      forS: 0,
    },
    // 60 is above critical (50) but below its recovery (70): still critical
    steps: every10s([200, 90, 40, 60, 110, 125]),
    expect: ['10:fired:warning', '20:escalated:warning>critical', '40:deescalated:critical>warning', '50:resolved:warning:recovered'],
  },
  {
    name: 'per-grade recovery levels override the delta',
    rule: { ...cpuRule, forS: 0, recovery: { delta: 5, levels: { warning: 60 } } },
    steps: every10s([85, 70, 65, 59]),
    expect: ['0:fired:warning', '30:resolved:warning:recovered'],
  },
];

for (const row of table) {
  void t.test(row.name, (t) => {
    t.same(run(row.rule ?? cpuRule, row.steps).log, row.expect);
    t.end();
  });
}

void t.test('an observation older than the last one is ignored', (t) => {
  const rule = { ...cpuRule, forS: 0 };
  const { state } = run(rule, [[0, 95]]);
  const older = evaluateObservation(rule, state, { tMs: T0 - 10_000, value: 10 }, T0 + 20_000);
  t.equal(older.state, state);
  t.same(older.transitions, []);
  t.end();
});

void t.test('forS is measured in sample time: a backlog delivered late fires as it happened', (t) => {
  let state = initialSeriesState({ ruleId: 'cpu', agentId: 'a1' });
  const late = T0 + 3_600_000;
  const kinds: string[] = [];
  for (let s = 0; s <= 60; s += 10) {
    const r = evaluateObservation(cpuRule, state, { tMs: T0 + s * 1000, value: 85 }, late);
    state = r.state;
    kinds.push(...r.transitions.map((x) => `${x.kind}@${(x.sampleTMs ?? 0) - T0}/${x.atMs - T0}`));
  }
  t.same(kinds, ['pending@0/3600000', 'fired@60000/3600000'], 'sample time decides, appliance time stamps');
  t.end();
});

const sample = (s: number, f: Sample['f'], v: Sample['v'], k?: string): Sample => ({ t: T0 / 1000 + s, f, v, ...(k ? { k } : {}) });

void t.test('evaluateSamples: every filesystem is its own series; quiet series are not kept', (t) => {
  const fsRule: Rule = {
    ...cpuRule,
    id: 'fs',
    metric: { kind: 'derived', name: 'fs_used_pct', key: '*' },
    levels: { critical: 95 },
    forS: 0,
  };
  const states = new Map<string, SeriesState>();
  const changes = evaluateSamples({
    rules: [fsRule, cpuRule],
    states,
    agentId: 'a1',
    agentGroupIds: [],
    samples: [
      sample(0, 'fs', { size: 100, used: 97, avail: 3 }, '/var'),
      sample(0, 'fs', { size: 100, used: 20, avail: 80 }, '/'),
      sample(0, 'cpu', { idle: 90 }),
    ],
    context: {},
    nowMs: T0,
  });
  applyStateChanges(states, changes);
  t.same(changes.transitions.map((x) => [x.kind, x.series.key]), [['fired', '/var']]);
  t.same([...states.keys()], [seriesKey({ ruleId: 'fs', agentId: 'a1', key: '/var' })], 'only the breaching series is kept');
  t.end();
});

void t.test('evaluateSamples: rule scope by agent and by group; disabled rules are skipped', (t) => {
  const base = { ...cpuRule, forS: 0 };
  const rules: Rule[] = [
    { ...base, id: 'mine', scope: { kind: 'agent', agentId: 'a1' } },
    { ...base, id: 'other', scope: { kind: 'agent', agentId: 'a2' } },
    { ...base, id: 'web', scope: { kind: 'group', groupId: 'web' } },
    { ...base, id: 'db', scope: { kind: 'group', groupId: 'db' } },
    { ...base, id: 'off', enabled: false },
  ];
  const changes = evaluateSamples({
    rules, states: new Map(), agentId: 'a1', agentGroupIds: ['web'], samples: [sample(0, 'cpu', { idle: 1 })], context: {}, nowMs: T0,
  });
  t.same(changes.transitions.map((x) => x.series.ruleId).sort(), ['mine', 'web']);
  t.end();
});

void t.test('evaluateSamples: derived metrics (memory, swap, load per core) from one sample', (t) => {
  const rule = (id: string, name: 'memory_used_pct' | 'swap_used_pct' | 'load1_per_core', level: number): Rule =>
    ({ ...cpuRule, id, metric: { kind: 'derived', name }, levels: { warning: level }, forS: 0 });
  const changes = evaluateSamples({
    rules: [rule('mem', 'memory_used_pct', 85), rule('swap', 'swap_used_pct', 50), rule('load', 'load1_per_core', 2)],
    states: new Map(),
    agentId: 'a1',
    agentGroupIds: [],
    samples: [sample(0, 'memory', { total: 1000, used: 900, swap_total: 0, swap_used: 0 }), sample(0, 'load', { load1: 9, load5: 1, load15: 1 })],
    context: { cpuCores: 4 },
    nowMs: T0,
  });
  t.same(changes.transitions.map((x) => [x.series.ruleId, x.value]), [['mem', 90], ['load', 2.25]], 'no swap means no swap value');
  t.end();
});

void t.test('sweep: a stale pending series is cancelled; a stale firing one resolves only for an online agent', (t) => {
  const rule = { ...cpuRule, forS: 60 };
  const pending = run(rule, [[0, 85]]).state;
  const firing = run({ ...rule, forS: 0 }, [[0, 85]]).state;
  const states = new Map<string, SeriesState>([
    ['p', { ...pending, series: { ruleId: 'cpu', agentId: 'a1' } }],
    ['f-online', { ...firing, series: { ruleId: 'cpu', agentId: 'a2' } }],
    ['f-offline', { ...firing, series: { ruleId: 'cpu', agentId: 'a3' } }],
  ]);
  const base = { rules: [rule], states, staleAfterMs: 600_000, onlineAgentIds: new Set(['a1', 'a2']), groupsOf: new Map() };
  t.same(sweepSeries({ ...base, nowMs: T0 + 599_000 }).transitions, [], 'nothing is stale yet');
  const changes = sweepSeries({ ...base, nowMs: T0 + 600_000 });
  t.same(changes.transitions.map((x) => `${x.series.agentId}:${describe(x)}`), ['a1:cancelled:warning:no-data', 'a2:resolved:warning:no-data']);
  t.same([...changes.removals].sort(), ['f-online', 'p']);
  t.end();
});

void t.test('sweep: a disabled or deleted rule, or a removed agent, resolves its firing series', (t) => {
  const firing = run({ ...cpuRule, forS: 0 }, [[0, 85]]).state;
  const states = new Map([['k', firing]]);
  const base = { states, nowMs: T0 + 1000, staleAfterMs: 600_000, onlineAgentIds: new Set(['a1']), groupsOf: new Map() };
  t.same(sweepSeries({ ...base, rules: [{ ...cpuRule, enabled: false }] }).transitions.map(describe), ['resolved:warning:rule-withdrawn']);
  t.same(sweepSeries({ ...base, rules: [] }).transitions.map(describe), ['resolved:warning:rule-withdrawn']);
  t.same(sweepSeries({ ...base, rules: [cpuRule] }).transitions, [], 'an enabled rule keeps it');
  t.same(sweepSeries({ ...base, rules: [cpuRule], knownAgentIds: new Set(['a2']) }).transitions.map(describe), ['resolved:warning:agent-removed']);
  t.end();
});

void t.test('silentCheck: offline, or no message for 3 intervals; never-seen agents and the start-up grace are not silent', (t) => {
  const now = T0 + 100_000;
  const verdicts = silentCheck(
    [
      { id: 'offline', status: 'offline', lastSeenMs: now - 1000, intervalS: 5 },
      { id: 'quiet', status: 'online', lastSeenMs: now - 15_000, intervalS: 5 },
      { id: 'almost', status: 'online', lastSeenMs: now - 14_999, intervalS: 5 },
      { id: 'slow', status: 'online', lastSeenMs: now - 100_000, intervalS: 60 },
      { id: 'never', status: 'offline', lastSeenMs: null, intervalS: null },
    ],
    now,
    { missedIntervals: 3 },
  );
  t.same(verdicts.map((v) => [v.agentId, v.silent, v.reason]), [
    ['offline', true, 'offline'],
    ['quiet', true, 'no-data'],
    ['almost', false, null],
    ['slow', false, null],
    ['never', false, null],
  ]);
  const grace = silentCheck([{ id: 'offline', status: 'offline', lastSeenMs: now - 1000, intervalS: 5 }], now, { missedIntervals: 3, graceUntilMs: now + 1 });
  t.equal(grace[0]?.silent, false);
  t.end();
});

void t.test('agent silent (default rule, on by default): pending for its minute, then fires critical; resolves when the agent is back; one back within the minute is cancelled (S7)', (t) => {
  const rules = DEFAULT_RULES.filter((r) => r.metric.kind === 'agent_silent');
  t.equal(rules.length, 1);
  t.equal(rules[0]?.enabled, true);
  t.equal(rules[0]?.forS, 60, 'a minute, as Prometheus\' `up == 0` alert waits `for: 1m`');
  const states = new Map<string, SeriesState>();
  const step = (nowMs: number, status: 'online' | 'offline', lastSeenMs: number): string[] => {
    const changes = evaluateSilence({ rules, states, agents: [{ id: 'a1', status, lastSeenMs, intervalS: 5 }], groupsOf: new Map(), nowMs });
    applyStateChanges(states, changes);
    return changes.transitions.map(describe);
  };
  t.same(step(T0, 'online', T0 - 1000), []);
  t.same(states.size, 0, 'a healthy agent leaves no state');
  t.same(step(T0 + 20_000, 'online', T0 - 1000), ['pending:critical'], '3 intervals missed: pending');
  t.same(step(T0 + 25_000, 'online', T0 - 1000), [], 'one event per change');
  t.same(step(T0 + 79_000, 'online', T0 - 1000), [], '59 s silent: still pending');
  t.same(step(T0 + 80_000, 'online', T0 - 1000), ['fired:critical'], 'a minute silent: fires');
  t.same(step(T0 + 90_000, 'online', T0 + 89_000), ['resolved:critical:recovered']);
  t.same(step(T0 + 100_000, 'offline', T0 + 99_000), ['pending:critical'], 'the last will opens it pending');
  t.same(step(T0 + 130_000, 'offline', T0 + 99_000), []);
  t.same(step(T0 + 132_000, 'online', T0 + 131_000), ['cancelled:critical:recovered'], 'back within the minute: cancelled, never fired');
  t.same(states.size, 0, 'and nothing is kept');
  t.end();
});
