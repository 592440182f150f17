// Rule definitions (S7): the shipped defaults are sound, bad rules are reported path by path,
// derived metrics compute what an operator means, and the cause names the fullest filesystem.
import t from 'tap';
import type { LatestSeries } from '../../../../contract/api.js';
import type { Sample } from '../../../../contract/metrics.js';
import { computeCause, fullestFilesystem, topProcessesFromSnapshot } from '../../../../appliance/alerting/rules/cause.js';
import { derivedValue, observeMetric } from '../../../../appliance/alerting/rules/metric-observations.js';
import { DEFAULT_RULES, recoveryThreshold, validateRule } from '../../../../appliance/alerting/rules/rule-types.js';
import { type Rule } from '../../../../contract/alerting.js';

void t.test('the shipped defaults are valid, enabled, and cover CPU, memory, swap, every filesystem, load, silence, disk health and CRITICAL checks', (t) => {
  for (const rule of DEFAULT_RULES) t.same(validateRule(rule), [], rule.id);
  t.ok(DEFAULT_RULES.every((r) => r.enabled && r.builtin));
  const metrics = DEFAULT_RULES.map((r) => (r.metric.kind === 'derived' ? `${r.metric.name}${r.metric.key ?? ''}` : r.metric.kind));
  t.same(metrics, ['cpu_busy_pct', 'memory_used_pct', 'swap_used_pct', 'fs_used_pct*', 'load1_per_core', 'agent_silent', 'field', 'check_state']);
  t.same(DEFAULT_RULES.find((r) => r.metric.kind === 'field')?.metric, { kind: 'field', family: 'smart', field: 'failing', key: '*' }, 'the field rule is disk health (S1+)');
  const fs = DEFAULT_RULES.find((r) => r.id === 'default-fs-used');
  t.same(fs?.levels, { info: 80, warning: 90, critical: 95, disaster: 98 });
  t.end();
});

void t.test('validateRule reports every problem as "path: message"', (t) => {
  const bad: Rule = {
    id: '',
    name: 'x',
    metric: { kind: 'field', family: 'cpu', field: 'nope', key: '/' },
    comparison: '>',
    levels: { warning: 90, critical: 80 },
    recovery: { delta: -1, levels: { critical: 85, disaster: 1 } },
    forS: -5,
    scope: { kind: 'group', groupId: '' },
    enabled: true,
  };
  t.same(validateRule(bad).map((p) => p.split(':')[0]), [
    'id',
    'forS',
    'metric.field',
    'metric.key',
    'levels.critical',
    'recovery.delta',
    // a named value that cannot be read first, then those past their threshold or out of reach
    'recovery.levels.disaster',
    'recovery.levels.critical',
    'scope.groupId',
  ]);
  t.same(validateRule({ ...bad, id: 'ok', metric: { kind: 'derived', name: 'memory_used_pct' }, levels: {}, recovery: {}, forS: 0, scope: { kind: 'all' } }), [
    'levels: define at least one of info, warning, critical, disaster',
  ]);
  t.end();
});

void t.test('a level the metric can never pass is refused: its grade would never fire (S4, S7)', (t) => {
  const rule = (comparison: Rule['comparison'], levels: Rule['levels'], metric: Rule['metric'] = { kind: 'derived', name: 'cpu_busy_pct' }): Rule => ({
    id: 'r', name: 'r', metric, comparison, levels, forS: 0, scope: { kind: 'all' }, enabled: true,
  });
  const paths = (r: Rule): string[] => validateRule(r).map((p) => p.split(':')[0] ?? '');
  t.same(validateRule(rule('>', { warning: 90, critical: 100 })), ["levels.critical: a '>' rule on this metric never fires at 100: it reads at most 100"], 'CPU > 100 never fires');
  t.same(paths(rule('>=', { critical: 100 })), [], 'CPU ≥ 100 can');
  t.same(paths(rule('>', { critical: 150 })), ['levels.critical']);
  t.same(paths(rule('<', { warning: 0 }, { kind: 'field', family: 'load', field: 'load1' })), ['levels.warning'], 'load < 0 never fires');
  t.same(paths(rule('<=', { warning: 0 }, { kind: 'field', family: 'load', field: 'load1' })), [], 'load ≤ 0 can');
  t.same(paths(rule('>', { critical: 1 }, { kind: 'field', family: 'net', field: 'up' })), ['levels.critical'], "a link's up flag is 0 or 1");
  t.same(paths(rule('>', { critical: 1e12 }, { kind: 'field', family: 'net', field: 'rx_bytes' })), [], 'bytes have no ceiling');
  t.same(paths(rule('<', { critical: -5 }, { kind: 'check_perf', checkId: '*', label: 'days' })), [], "a check's perfdata has no range (a certificate expired 5 days ago)");
  for (const builtin of DEFAULT_RULES) t.same(validateRule(builtin), [], `${builtin.id} still passes`);
  t.end();
});

void t.test("hysteresis: recovery values for '>' and '<' rules", (t) => {
  const up = { comparison: '>' as const, levels: { warning: 80, critical: 90 }, recovery: { delta: 5, levels: { critical: 70 } } };
  t.equal(recoveryThreshold(up, 'warning'), 75);
  t.equal(recoveryThreshold(up, 'critical'), 70);
  t.equal(recoveryThreshold({ comparison: '<', levels: { warning: 10 }, recovery: { delta: 5 } }, 'warning'), 15);
  t.equal(recoveryThreshold({ comparison: '>', levels: { warning: 10 } }, 'warning'), 10, 'no hysteresis by default');
  t.end();
});

void t.test('derived metrics: CPU busy, memory, swap, filesystem as df prints it, inodes, load per core', (t) => {
  t.equal(derivedValue('cpu_busy_pct', { idle: 12.5 }, {}), 87.5);
  t.equal(derivedValue('memory_used_pct', { total: 8, used: 6 }, {}), 75);
  t.equal(derivedValue('swap_used_pct', { swap_total: 0, swap_used: 0 }, {}), null, 'no swap, no value');
  t.equal(derivedValue('fs_used_pct', { size: 100, used: 90, avail: 5 }, {}), (90 / 95) * 100, "root's reserve counts as full");
  t.equal(derivedValue('fs_used_pct', { size: 100, used: 90 }, {}), null, 'without avail no value: never used ÷ size (contract/filesystem-use.ts)');
  t.equal(derivedValue('fs_inodes_used_pct', { inodes: 0, inodes_used: 0 }, {}), null);
  t.equal(derivedValue('load1_per_core', { load1: 6 }, { cpuCores: 4 }), 1.5);
  t.equal(derivedValue('load1_per_core', { load1: 6 }, {}), null, 'no inventory yet, no value');
  t.equal(derivedValue('cpu_busy_pct', { idle: null }, {}), null);
  t.end();
});

void t.test('observeMetric selects one key or every key, and skips unknown values', (t) => {
  const samples: Sample[] = [
    { t: 100, f: 'fs', k: '/', v: { size: 100, used: 50, avail: 50 } },
    { t: 100, f: 'fs', k: '/var', v: { size: 100, used: null, avail: 50 } },
    { t: 100, f: 'net', k: 'eth0', v: { rx_errs: 3 } },
  ];
  t.same(observeMetric({ kind: 'derived', name: 'fs_used_pct', key: '*' }, samples, {}), [{ key: '/', tMs: 100_000, value: 50 }]);
  t.same(observeMetric({ kind: 'derived', name: 'fs_used_pct', key: '/var' }, samples, {}), []);
  t.same(observeMetric({ kind: 'field', family: 'net', field: 'rx_errs', key: 'eth0' }, samples, {}), [{ key: 'eth0', tMs: 100_000, value: 3 }]);
  t.same(observeMetric({ kind: 'agent_silent', missedIntervals: 3 }, samples, {}), []);
  t.end();
});

void t.test('the cause names the fullest filesystem; top processes only when given', (t) => {
  const latest: LatestSeries[] = [
    { family: 'fs', key: '/', t: 1, values: { size: 100, used: 40, avail: 60 } },
    { family: 'fs', key: '/data', t: 1, values: { size: 1000, used: 913, avail: 87 } },
    { family: 'fs', key: '/empty', t: 1, values: { size: 0, used: 0, avail: 0 } },
    { family: 'cpu', t: 1, values: { idle: 3 } },
  ];
  t.same(fullestFilesystem(latest), { mount: '/data', usedPct: 91.3 });
  t.same(computeCause(latest), { fullestFs: { mount: '/data', usedPct: 91.3 } });
  const java = { name: 'java', pid: 4242, user: 'app', pct: 88 };
  t.same(computeCause([], { byCpu: java, byMemory: java }), { topCpuProcess: java, topMemProcess: java });
  t.same(computeCause([], {}, { agentId: 'a1', silent: true, reason: 'offline', lastSeenMs: 5 }), { silence: { reason: 'offline', lastSeenMs: 5 } });
  t.end();
});

void t.test('the top CPU and memory processes come from the agent\'s top snapshot', (t) => {
  const p = (pid: number, name: string, value: number) => ({ pid, name, user: 'app', value });
  const top = { cpu: [p(1, 'nginx', 12), p(2, 'java', 187.25)], memory: [p(2, 'java', 41), p(3, 'postgres', 22)], io: [] };
  const processes = topProcessesFromSnapshot(top);
  t.same(processes, { byCpu: { name: 'java', pid: 2, user: 'app', pct: 187.3 }, byMemory: { name: 'java', pid: 2, user: 'app', pct: 41 } });
  t.same(computeCause([], processes).topCpuProcess?.name, 'java');
  t.same(topProcessesFromSnapshot(undefined), {}, 'no snapshot, no process');
  t.same(topProcessesFromSnapshot({ cpu: [], memory: [], io: [] }), {});
  t.end();
});
