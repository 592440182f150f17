// Rule evaluation (S7), pure: the state of one series (rule × agent × key) plus one observation
// and the time in, the next state and its transitions out. It handles "for at least N s"
// (pending until every sample in the span breached), escalation and de-escalation between
// grades, hysteresis on the way down, out-of-order samples, missing data, and agent silence.
//
// Two clocks meet here, on purpose: "for N s" is measured in sample time (the agent's clock,
// so a backlog delivered after an outage is judged as it happened), while staleness and the
// `atMs` of each transition are appliance time (`nowMs`), the clock acknowledgements and
// escalation timers also use.
import type { AgentStatus } from '../../../contract/agent-status.js';
import type { Sample } from '../../../contract/metrics.js';
import { observeMetric, type MetricContext, type Observation } from './metric-observations.js';
import { breaches, definedSeverities, recoveryThreshold, scopeApplies } from './rule-types.js';
import { severityRank } from '../../../contract/alerting.js';
import { type Rule, type Severity, type SeverityLevels } from '../../../contract/alerting.js';
import { type ResolveReason, type SilenceReason } from '../../../contract/alerting.js';

/** One evaluated series: a rule on one agent (and one key of a keyed family). */
export interface SeriesRef {
  ruleId: string;
  agentId: string;
  key?: string;
}

export function seriesKey(ref: SeriesRef): string {
  return `${ref.ruleId}\u0000${ref.agentId}\u0000${ref.key ?? ''}`;
}

export type SeriesPhase = 'ok' | 'pending' | 'firing';

export interface SeriesState {
  series: SeriesRef;
  phase: SeriesPhase;
  /** firing: the grade that fired (or was escalated to); pending: the worst grade breached; ok: null */
  severity: Severity | null;
  /** Per grade, the sample time (ms) since which every observation breached its threshold. */
  breachedSince: SeverityLevels;
  /** Sample time (ms) of the last observation; older ones are ignored. */
  lastTMs: number | null;
  lastValue: number | null;
  /** Appliance time (ms) of the last observation: for the staleness sweep. */
  lastObservedAtMs: number | null;
}

export function initialSeriesState(series: SeriesRef): SeriesState {
  return { series, phase: 'ok', severity: null, breachedSince: {}, lastTMs: null, lastValue: null, lastObservedAtMs: null };
}

/** A quiet state is indistinguishable from a fresh one and need not be kept. */
export function isQuiet(state: SeriesState): boolean {
  return state.phase === 'ok' && Object.keys(state.breachedSince).length === 0;
}

interface TransitionBase {
  series: SeriesRef;
  /** appliance time, ms */
  atMs: number;
  /** sample time of the observation that caused it (ms), or null for a sweep */
  sampleTMs: number | null;
  /** the observed value (the last one known, for a sweep) */
  value: number | null;
}

export type RuleTransition =
  /** a grade is breached but has not held for `forS` yet */
  | (TransitionBase & { kind: 'pending'; severity: Severity; threshold: number })
  | (TransitionBase & { kind: 'fired'; severity: Severity; threshold: number })
  | (TransitionBase & { kind: 'escalated' | 'deescalated'; from: Severity; severity: Severity; threshold: number })
  /** `threshold` is the recovery value crossed, or null when resolved by a sweep */
  | (TransitionBase & { kind: 'resolved'; from: Severity; reason: ResolveReason; threshold: number | null })
  /** a pending series stopped breaching (or went stale) before it fired */
  | (TransitionBase & { kind: 'cancelled'; severity: Severity; reason: ResolveReason });

export interface EvaluationResult {
  state: SeriesState;
  transitions: RuleTransition[];
}

function worst(severities: Iterable<Severity>): Severity | null {
  let out: Severity | null = null;
  for (const s of severities) if (out === null || severityRank(s) > severityRank(out)) out = s;
  return out;
}

/**
 * Evaluates one observation of one series.
 *
 * A grade is *due* when its threshold has been breached by every observation for at least
 * `forS` (sample time). A firing grade *holds* while the value stays beyond its recovery value
 * (hysteresis); grades above the firing one must be due to escalate. The series fires at the
 * worst grade that is due or holds; it resolves when none is.
 */
export function evaluateObservation(rule: Rule, state: SeriesState, observation: Observation, nowMs: number): EvaluationResult {
  if (state.lastTMs !== null && observation.tMs <= state.lastTMs) return { state, transitions: [] };
  const { value, tMs } = observation;
  const forMs = Math.max(0, rule.forS) * 1000;
  const severities = definedSeverities(rule);

  const breachedSince: SeverityLevels = {};
  for (const s of severities) {
    const threshold = rule.levels[s];
    if (threshold !== undefined && breaches(rule.comparison, value, threshold)) breachedSince[s] = state.breachedSince[s] ?? tMs;
  }
  const current = state.phase === 'firing' ? state.severity : null;
  const due = severities.filter((s) => {
    const since = breachedSince[s];
    return since !== undefined && tMs - since >= forMs;
  });
  const holding =
    current === null
      ? []
      : severities.filter((s) => severityRank(s) <= severityRank(current) && breaches(rule.comparison, value, recoveryThreshold(rule, s)));
  const target = worst([...due, ...holding]);
  const candidate = worst(severities.filter((s) => breachedSince[s] !== undefined));

  const base = { series: state.series, atMs: nowMs, sampleTMs: tMs, value };
  const observed = { breachedSince, lastTMs: tMs, lastValue: value, lastObservedAtMs: nowMs };
  const transitions: RuleTransition[] = [];
  const entry = (s: Severity): number => rule.levels[s] ?? Number.NaN;
  let next: SeriesState;

  if (current === null) {
    if (target !== null) {
      next = { ...state, ...observed, phase: 'firing', severity: target };
      transitions.push({ ...base, kind: 'fired', severity: target, threshold: entry(target) });
    } else if (candidate !== null) {
      next = { ...state, ...observed, phase: 'pending', severity: candidate };
      if (state.phase !== 'pending') transitions.push({ ...base, kind: 'pending', severity: candidate, threshold: entry(candidate) });
    } else {
      next = { ...state, ...observed, phase: 'ok', severity: null };
      if (state.phase === 'pending' && state.severity !== null) {
        transitions.push({ ...base, kind: 'cancelled', severity: state.severity, reason: 'recovered' });
      }
    }
  } else if (target === null) {
    next = { ...state, ...observed, phase: 'ok', severity: null };
    transitions.push({ ...base, kind: 'resolved', from: current, reason: 'recovered', threshold: recoveryThreshold(rule, current) });
  } else {
    next = { ...state, ...observed, phase: 'firing', severity: target };
    if (target !== current) {
      const kind = severityRank(target) > severityRank(current) ? 'escalated' : 'deescalated';
      transitions.push({ ...base, kind, from: current, severity: target, threshold: entry(target) });
    }
  }
  return { state: next, transitions };
}

/** Changes to apply to the caller's map of series states (only what changed is returned). */
export interface StateChanges {
  /** seriesKey → new state */
  updates: Map<string, SeriesState>;
  /** seriesKeys to delete (quiet again, or withdrawn) */
  removals: Set<string>;
  transitions: RuleTransition[];
}

function emptyChanges(): StateChanges {
  return { updates: new Map(), removals: new Set(), transitions: [] };
}

/** The state of `series` as it stands after the changes gathered so far. */
function stateOf(changes: StateChanges, states: ReadonlyMap<string, SeriesState>, key: string, series: SeriesRef): SeriesState {
  const updated = changes.updates.get(key);
  if (updated) return updated;
  if (changes.removals.has(key)) return initialSeriesState(series);
  return states.get(key) ?? initialSeriesState(series);
}

function record(changes: StateChanges, key: string, result: EvaluationResult): void {
  changes.transitions.push(...result.transitions);
  if (isQuiet(result.state)) {
    changes.updates.delete(key);
    changes.removals.add(key);
  } else {
    changes.removals.delete(key);
    changes.updates.set(key, result.state);
  }
}

export interface SampleEvaluationInput {
  rules: readonly Rule[];
  states: ReadonlyMap<string, SeriesState>;
  agentId: string;
  agentGroupIds: readonly string[];
  /** one validated batch of this agent (any order; evaluated in sample-time order per series) */
  samples: readonly Sample[];
  context: MetricContext;
  nowMs: number;
}

/** Evaluates every enabled, applicable rule against one batch of one agent. */
export function evaluateSamples(input: SampleEvaluationInput): StateChanges {
  const changes = emptyChanges();
  for (const rule of input.rules) {
    if (!rule.enabled || rule.metric.kind === 'agent_silent') continue;
    if (!scopeApplies(rule.scope, input.agentId, input.agentGroupIds)) continue;
    const observations = observeMetric(rule.metric, input.samples, input.context).sort((a, b) => a.tMs - b.tMs);
    for (const observation of observations) {
      const series: SeriesRef = { ruleId: rule.id, agentId: input.agentId, ...(observation.key !== undefined ? { key: observation.key } : {}) };
      const key = seriesKey(series);
      const before = stateOf(changes, input.states, key, series);
      const result = evaluateObservation(rule, before, observation, input.nowMs);
      // the common case, a fresh series that stays below every threshold, changes nothing
      if (result.state === before || (isQuiet(before) && isQuiet(result.state))) continue;
      record(changes, key, result);
    }
  }
  return changes;
}

/**
 * Evaluates observations of one series read elsewhere (B9: a baseline rule's judged steps, read
 * from the Holt-Winters archives by baseline-watch.ts), in sample-time order, with the same
 * for-time, grades and hysteresis as a batch of samples.
 */
export function evaluateSeriesObservations(rule: Rule, states: ReadonlyMap<string, SeriesState>, series: SeriesRef, observations: readonly Observation[], nowMs: number): StateChanges {
  const changes = emptyChanges();
  if (!rule.enabled) return changes;
  const key = seriesKey(series);
  for (const observation of [...observations].sort((a, b) => a.tMs - b.tMs)) {
    const before = stateOf(changes, states, key, series);
    const result = evaluateObservation(rule, before, observation, nowMs);
    if (result.state === before || (isQuiet(before) && isQuiet(result.state))) continue;
    record(changes, key, result);
  }
  return changes;
}

// --- agent silence -----------------------------------------------------------------------

export interface AgentLiveness {
  id: string;
  status: AgentStatus;
  /** appliance time (ms) of the agent's last message, null when it never sent one */
  lastSeenMs: number | null;
  intervalS: number | null;
}

export interface SilenceVerdict {
  agentId: string;
  silent: boolean;
  reason: SilenceReason | null;
  lastSeenMs: number | null;
}

export interface SilenceOptions {
  /** intervals without a message before an online agent counts as silent (rule default 3) */
  missedIntervals: number;
  /** interval assumed for an agent that has not reported one yet (the agent's default, 5 s) */
  defaultIntervalS?: number;
  /**
   * Nobody is silent before this time. After the appliance starts every agent is 'offline'
   * until it reconnects: pass start + about two MQTT keepalives so a reboot raises no alarms.
   */
  graceUntilMs?: number;
}

/**
 * Which agents are silent: offline (the MQTT last will, or not reconnected after the grace), or
 * no message for `missedIntervals` intervals. An agent that never sent anything is not silent:
 * there is nothing to miss yet.
 */
export function silentCheck(agents: readonly AgentLiveness[], nowMs: number, options: SilenceOptions): SilenceVerdict[] {
  const inGrace = options.graceUntilMs !== undefined && nowMs < options.graceUntilMs;
  return agents.map((agent) => {
    const quiet = { agentId: agent.id, silent: false, reason: null, lastSeenMs: agent.lastSeenMs };
    if (inGrace || agent.lastSeenMs === null) return quiet;
    if (agent.status === 'offline') return { ...quiet, silent: true, reason: 'offline' };
    const intervalMs = (agent.intervalS ?? options.defaultIntervalS ?? 5) * 1000;
    if (nowMs - agent.lastSeenMs >= options.missedIntervals * intervalMs) return { ...quiet, silent: true, reason: 'no-data' };
    return quiet;
  });
}

export interface SilenceEvaluationInput {
  rules: readonly Rule[];
  states: ReadonlyMap<string, SeriesState>;
  agents: readonly AgentLiveness[];
  /** agentId → ids of its groups (absent = no group) */
  groupsOf: ReadonlyMap<string, readonly string[]>;
  nowMs: number;
  graceUntilMs?: number;
  /**
   * When the grace began (the appliance's start). During the grace an agent that was silent
   * before the start (its series restored firing or pending) stays so until it reports at or after
   * this time: the grace keeps agents from turning silent while they reconnect, it must not make
   * one that was already silent look back (a false "[OK]" and, after the grace, a new alert).
   */
  graceFromMs?: number;
  defaultIntervalS?: number;
}

/**
 * Evaluates the agent-silent rules (call it every few seconds). The observation is 1 while
 * silent and 0 otherwise, at appliance time. The verdicts are returned too: the cause of a
 * silence alert is its reason and the last-seen time.
 */
export function evaluateSilence(input: SilenceEvaluationInput): StateChanges & { verdicts: Map<string, SilenceVerdict> } {
  const changes = emptyChanges();
  const verdicts = new Map<string, SilenceVerdict>();
  const inGrace = input.graceUntilMs !== undefined && input.nowMs < input.graceUntilMs;
  const reportedInGrace = new Set(
    inGrace ? input.agents.filter((a) => a.status === 'online' && a.lastSeenMs !== null && a.lastSeenMs >= (input.graceFromMs ?? Infinity)).map((a) => a.id) : [],
  );
  for (const rule of input.rules) {
    if (!rule.enabled || rule.metric.kind !== 'agent_silent') continue;
    const applicable = input.agents.filter((a) => scopeApplies(rule.scope, a.id, input.groupsOf.get(a.id) ?? []));
    const options: SilenceOptions = {
      missedIntervals: rule.metric.missedIntervals,
      ...(input.graceUntilMs !== undefined ? { graceUntilMs: input.graceUntilMs } : {}),
      ...(input.defaultIntervalS !== undefined ? { defaultIntervalS: input.defaultIntervalS } : {}),
    };
    for (const verdict of silentCheck(applicable, input.nowMs, options)) {
      if (verdict.silent || !verdicts.has(verdict.agentId)) verdicts.set(verdict.agentId, verdict);
      const series: SeriesRef = { ruleId: rule.id, agentId: verdict.agentId };
      const key = seriesKey(series);
      const before = input.states.get(key) ?? initialSeriesState(series);
      if (!verdict.silent && isQuiet(before)) continue;
      if (inGrace && !isQuiet(before) && !reportedInGrace.has(verdict.agentId)) continue;
      const result = evaluateObservation(rule, before, { tMs: input.nowMs, value: verdict.silent ? 1 : 0 }, input.nowMs);
      if (result.state !== before) record(changes, key, result);
    }
  }
  return { ...changes, verdicts };
}

// --- missing data and withdrawn rules ----------------------------------------------------------

export interface SweepInput {
  rules: readonly Rule[];
  states: ReadonlyMap<string, SeriesState>;
  nowMs: number;
  /**
   * A series with no observation for this long (appliance time) is stale: a vanished
   * filesystem or interface. Longer than the slowest collector interval; 10 min is a fair default.
   */
  staleAfterMs: number;
  /** agents currently online: a stale firing series of an online agent resolves ('no-data'); of an
   * offline agent it keeps firing (the agent-silent alert tells that story) */
  onlineAgentIds: ReadonlySet<string>;
  groupsOf: ReadonlyMap<string, readonly string[]>;
  /** every enrolled agent: the series of an agent no longer among them resolve ('agent-removed') */
  knownAgentIds?: ReadonlySet<string>;
  /** agents that went offline (their last will or a lost connection): their pending series are
   * cancelled at once ('no-data'), since no sample can complete the rule's "for" time */
  offlineAgentIds?: ReadonlySet<string>;
}

/**
 * Periodic housekeeping (call it every minute or so, and when agents go offline): a stale pending
 * series, or a pending series of an offline agent, is cancelled; a stale
 * firing series of an online agent resolves with reason 'no-data'; a series whose rule was
 * deleted, disabled or no longer covers the agent resolves with reason 'rule-withdrawn', and one
 * of a removed agent with 'agent-removed'.
 */
export function sweepSeries(input: SweepInput): StateChanges {
  const changes = emptyChanges();
  const rulesById = new Map(input.rules.map((r) => [r.id, r]));
  for (const [key, state] of input.states) {
    const rule = rulesById.get(state.series.ruleId);
    const withdrawn =
      !rule || !rule.enabled || !scopeApplies(rule.scope, state.series.agentId, input.groupsOf.get(state.series.agentId) ?? []);
    let reason: ResolveReason | null = null;
    if (input.knownAgentIds && !input.knownAgentIds.has(state.series.agentId)) {
      reason = 'agent-removed';
    } else if (withdrawn) {
      reason = 'rule-withdrawn';
    } else if (rule.metric.kind !== 'agent_silent') {
      const stale = state.lastObservedAtMs === null || input.nowMs - state.lastObservedAtMs >= input.staleAfterMs;
      const pendingOffline = state.phase === 'pending' && (input.offlineAgentIds?.has(state.series.agentId) ?? false);
      if ((stale && (state.phase !== 'firing' || input.onlineAgentIds.has(state.series.agentId))) || pendingOffline) reason = 'no-data';
    }
    if (reason === null) continue;
    const base = { series: state.series, atMs: input.nowMs, sampleTMs: null, value: state.lastValue };
    if (state.phase === 'firing' && state.severity !== null) {
      changes.transitions.push({ ...base, kind: 'resolved', from: state.severity, reason, threshold: null });
    } else if (state.phase === 'pending' && state.severity !== null) {
      changes.transitions.push({ ...base, kind: 'cancelled', severity: state.severity, reason });
    }
    changes.removals.add(key);
  }
  return changes;
}

/** Applies changes to a mutable map of series states (the caller's single owner of them). */
export function applyStateChanges(states: Map<string, SeriesState>, changes: StateChanges): void {
  for (const key of changes.removals) states.delete(key);
  for (const [key, state] of changes.updates) states.set(key, state);
}
