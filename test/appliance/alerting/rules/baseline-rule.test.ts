// B9: a baseline rule's input checks (levels in deviations on the rule's side of the forecast,
// the learning period's bounds), how archive rows become observations (no verdict during the
// learning period or without a forecast; memory as a share of its total; the narrowest band),
// and the SMS that says observed against the usual band, in English and Korean.
import t from 'tap';
import { parseRule } from '../../../../appliance/alerting/alert-schemas.js';
import { baselineCause, baselinePoints, combineWeekly, MIN_DEVIATION_PCT, type BaselinePoint } from '../../../../appliance/alerting/rules/baseline-observations.js';
import { alertMessage } from '../../../../appliance/alerting/policy/sms-templates.js';
import type { Alert } from '../../../../contract/alerting.js';

const rule = { name: 'cpu unusual', metric: { kind: 'baseline', name: 'cpu_busy_pct' }, comparison: '>', levels: { warning: 3, critical: 5 }, recovery: { delta: 1 }, forS: 600, scope: { kind: 'all' }, enabled: true, id: 'cpu-unusual' };

void t.test('a baseline rule is checked: a level on the wrong side of the forecast, a short learning period, an unknown metric', (t) => {
  t.ok(parseRule(rule).ok, 'the rule of docs/alerting.md is sound');
  const wrongSide = parseRule({ ...rule, levels: { warning: -3 } });
  t.match(wrongSide.ok ? [] : wrongSide.problems, [/^levels\.warning: deviations from the forecast, above 0/]);
  const short = parseRule({ ...rule, metric: { kind: 'baseline', name: 'cpu_busy_pct', learningS: 3600 } });
  t.match(short.ok ? [] : short.problems, [/^metric\.learningS/]);
  const unknown = parseRule({ ...rule, metric: { kind: 'baseline', name: 'fs_used_pct' } });
  t.match(unknown.ok ? [] : unknown.problems, [/^metric\.name/]);
  t.end();
});

void t.test('rows become deviations: none while learning or without a forecast; memory as a share; never a band under 1 point', (t) => {
  const rows = [
    { tMs: 1_000, observed: 40, predicted: 90, deviation: 2 }, // learning
    { tMs: 2_000, observed: 40, predicted: null, deviation: 2 }, // no forecast yet
    { tMs: 3_000, observed: 40, predicted: 90, deviation: 5 }, // idle 40 against 90: busy 60 against 10
    { tMs: 4_000, observed: 89.5, predicted: 90, deviation: 0.01 }, // a flat night: the band is 1 point wide
  ];
  const points = baselinePoints('cpu_busy_pct', rows, 2_000);
  t.same(points.map((p) => [p.tMs, p.observed, p.expected, p.deviation, p.value]), [[3_000, 60, 10, 5, 10], [4_000, 10.5, 10, MIN_DEVIATION_PCT, 0.5]]);
  const gib = 2 ** 30;
  const mem = baselinePoints('memory_used_pct', [{ tMs: 5_000, observed: 8 * gib, predicted: 4 * gib, deviation: 0.16 * gib, total: 16 * gib }], 0);
  t.same(mem.map((p) => [p.observed, p.expected, p.deviation, p.value]), [[50, 25, 1, 25]], 'used ÷ total, the deviation too');
  const first = points[0];
  if (first) t.same(baselineCause({ levels: { warning: 3 } }, 'warning', first), { observed: 60, expected: 10, low: -5, high: 25, unit: '%' });
  t.end();
});

void t.test('the SMS says observed against the usual band', (t) => {
  const alert: Alert = {
    id: 12, ruleId: 'cpu-unusual', ruleName: 'cpu unusual', agentId: 'a1', agentName: 'web-01', metric: { kind: 'baseline', name: 'cpu_busy_pct' }, unit: '',
    comparison: '>', severity: 'warning', state: 'firing', value: 10, threshold: 3, startedAt: Date.UTC(2026, 0, 5, 3, 0), firedAt: Date.UTC(2026, 0, 5, 3, 10),
    cause: { baseline: { observed: 62, expected: 7.5, low: -4, high: 12, unit: '%' } },
  };
  const en = alertMessage('fired', alert, { language: 'en', timeZone: { iana: 'UTC' } }, { nowMs: Date.UTC(2026, 0, 5, 3, 10) });
  t.match(en, /^\[WARN\] web-01 cpu unusual 62% \(usual 0-12%\) 03:10 #12/);
  const ko = alertMessage('fired', alert, { language: 'ko', timeZone: { iana: 'UTC' } }, { nowMs: Date.UTC(2026, 0, 5, 3, 10) });
  t.match(ko, /^\[경고\] web-01 CPU 평소와 다름 62% \(평소 0-12%\)/);
  t.end();
});

void t.test('daily and weekly seasons: alerted only outside both bands, on the same side; the daily band alone while the week learns', (t) => {
  const p = (tMs: number, observed: number, expected: number, deviation: number): BaselinePoint => ({ tMs, observed, expected, deviation, value: (observed - expected) / deviation });
  // a Monday-morning peak: 50 % where the days expect 15 ± 2, the week 48 ± 3
  const daily = [p(600_000, 50, 15, 2), p(660_000, 90, 15, 2), p(1_600_000, 50, 15, 2)];
  const weekly = [p(600_000, 49, 48, 3)];
  const [peak, spike, late] = combineWeekly(daily, weekly, 300);
  t.equal(peak?.value, (50 - 48) / 3, 'the usual weekly peak scores against the week: under a deviation');
  t.equal(spike?.value, (90 - 48) / 3, 'a spike beyond both scores the smaller of the two');
  t.equal(spike?.expected, 15, 'the cause keeps the daily band');
  t.equal(late?.value, 17.5, 'a step more than three weekly steps after the newest weekly forecast: the daily band alone');
  const below = combineWeekly([p(600_000, 10, 15, 2)], [p(600_000, 6, 5, 3)], 300);
  t.equal(below[0]?.value, 0, 'below the day, above the week: not on the same side, no departure');
  t.same(combineWeekly(daily, [], 300), daily, 'no weekly step learnt: the daily points as they are');
  t.end();
});
