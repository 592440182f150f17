// Rules on service checks (S5, S6, S16), pure: a check's recorded run against the rules that
// watch its state (`check_state`) or one of its perfdata values (`check_perf`). Both reuse the
// threshold evaluator (rule-evaluator.ts evaluateObservation: "for at least N s", grades,
// hysteresis for perfdata); a check's state becomes a number through its rule's severities:
// 0 when the state raises nothing, else the grade's rank + 1, judged against fixed levels, so a
// CRITICAL that turns WARNING de-escalates and an OK resolves.
//
// A check's series live apart from the samples' (the engine keeps them in their own map): they
// are never stale (a check keeps its state until it runs again or is deleted; a dead agent is
// the agent-silent rule's story), and they end when their rule is withdrawn or their check is
// deleted ('check-removed').
import { CHECK_SEVERITIES_MAPPED, EVERY_KEY, SEVERITIES, severityRank, type ResolveReason, type Rule, type Severity, type SeverityLevels } from '../../../contract/alerting.js';
import type { CheckState, Perfdatum } from '../../../contract/checks.js';
import { evaluateObservation, initialSeriesState, isQuiet, seriesKey, type RuleTransition, type SeriesRef, type SeriesState, type StateChanges } from './rule-evaluator.js';
import { scopeApplies } from './rule-types.js';

/** One run of one check as the rules see it. */
export interface CheckObservation {
  checkId: string;
  /** the server the alert is about: the agent that ran it, the agent a probe is about, or the appliance */
  agentId: string;
  state: CheckState;
  perfdata: readonly Perfdatum[];
  /** when it ran, ms */
  tMs: number;
}

/** The levels a check_state rule is judged with: grade rank + 1, every grade. */
const STATE_LEVELS: SeverityLevels = Object.fromEntries(SEVERITIES.map((s) => [s, severityRank(s) + 1]));

/** The grade a state raises under a check_state rule, or null. */
export function severityOfState(rule: Rule, state: CheckState): Severity | null {
  if (rule.metric.kind !== 'check_state' || state === 'ok') return null;
  return (rule.metric.severities ?? CHECK_SEVERITIES_MAPPED)[state] ?? null;
}

/** The rule as the evaluator judges it: a check_state rule with its fixed levels and no recovery. */
export function evaluatedRule(rule: Rule): Rule {
  if (rule.metric.kind !== 'check_state') return rule;
  const { recovery: _recovery, ...rest } = rule;
  return { ...rest, comparison: '>=', levels: STATE_LEVELS };
}

function watches(rule: Rule, checkId: string): boolean {
  const m = rule.metric;
  return (m.kind === 'check_state' || m.kind === 'check_perf') && (m.checkId === EVERY_KEY || m.checkId === checkId);
}

export interface CheckEvaluationInput {
  /** the enabled rules on checks */
  rules: readonly Rule[];
  states: ReadonlyMap<string, SeriesState>;
  run: CheckObservation;
  agentGroupIds: readonly string[];
  nowMs: number;
}

/** Evaluates the rules that watch this check against one run of it. Series key: the check's id. */
export function evaluateCheckRun(input: CheckEvaluationInput): StateChanges {
  const changes: StateChanges = { updates: new Map(), removals: new Set(), transitions: [] };
  const { run } = input;
  for (const rule of input.rules) {
    if (!rule.enabled || !watches(rule, run.checkId)) continue;
    if (!scopeApplies(rule.scope, run.agentId, input.agentGroupIds)) continue;
    let value: number | null;
    if (rule.metric.kind === 'check_state') {
      const severity = severityOfState(rule, run.state);
      value = severity === null ? 0 : severityRank(severity) + 1;
    } else if (rule.metric.kind === 'check_perf') {
      const label = rule.metric.label;
      value = run.perfdata.find((p) => p.label === label)?.value ?? null;
    } else {
      continue;
    }
    // a run without the value (a failed connection has no time) says nothing about it
    if (value === null) continue;
    const series: SeriesRef = { ruleId: rule.id, agentId: run.agentId, key: run.checkId };
    const key = seriesKey(series);
    const before = input.states.get(key) ?? initialSeriesState(series);
    const result = evaluateObservation(evaluatedRule(rule), before, { tMs: run.tMs, value }, input.nowMs);
    if (result.state === before || (isQuiet(before) && isQuiet(result.state))) continue;
    changes.transitions.push(...result.transitions);
    if (isQuiet(result.state)) changes.removals.add(key);
    else changes.updates.set(key, result.state);
  }
  return changes;
}

export interface CheckSweepInput {
  rules: readonly Rule[];
  states: ReadonlyMap<string, SeriesState>;
  groupsOf: ReadonlyMap<string, readonly string[]>;
  nowMs: number;
  /** checks deleted since the last sweep: their series end as 'check-removed' */
  removedCheckIds?: ReadonlySet<string>;
}

/** Ends the series of withdrawn rules ('rule-withdrawn': deleted, disabled, no longer covering the server) and of deleted checks. */
export function sweepCheckSeries(input: CheckSweepInput): StateChanges {
  const changes: StateChanges = { updates: new Map(), removals: new Set(), transitions: [] };
  const rulesById = new Map(input.rules.map((r) => [r.id, r]));
  for (const [key, state] of input.states) {
    const { series } = state;
    const rule = rulesById.get(series.ruleId);
    let reason: ResolveReason | null = null;
    if (series.key !== undefined && input.removedCheckIds?.has(series.key)) reason = 'check-removed';
    else if (!rule || !rule.enabled || !watches(rule, series.key ?? '') || !scopeApplies(rule.scope, series.agentId, input.groupsOf.get(series.agentId) ?? [])) reason = 'rule-withdrawn';
    if (reason === null) continue;
    const base = { series, atMs: input.nowMs, sampleTMs: null, value: state.lastValue };
    const transition: RuleTransition | null =
      state.phase === 'firing' && state.severity !== null ? { ...base, kind: 'resolved', from: state.severity, reason, threshold: null }
      : state.phase === 'pending' && state.severity !== null ? { ...base, kind: 'cancelled', severity: state.severity, reason }
      : null;
    if (transition) changes.transitions.push(transition);
    changes.removals.add(key);
  }
  return changes;
}
