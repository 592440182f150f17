// Threshold rules (S7): what a rule says, the small set of derived metrics it may watch besides
// raw fields, the checks a rule must pass before it is stored, and the shipped defaults.
// Plain data and pure functions only: no I/O.
import { FAMILIES, type Family } from '../../../contract/families.js';
import { SEVERITIES, DERIVED_METRICS, COMPARISONS, DERIVED_METRIC_NAMES, EVERY_KEY, type Severity, type RuleMetric, type Comparison, type Rule, type RuleScope } from '../../../contract/alerting.js';
import { BASELINE_LIMITS, BASELINE_METRIC_NAMES, isSeverity } from '../../../contract/alerting.js';
import { isRising as isRisingComparison, plainNumber, recoveryIssues, recoveryThreshold, unreachableLevels, type RecoveryIssue } from '../../../contract/rule-recovery.js';

/** The family a metric reads, or null for agent silence (read from the registry) and checks (fed their results, not samples). */
export function metricFamily(metric: RuleMetric): Family | null {
  switch (metric.kind) {
    case 'field':
      return metric.family;
    case 'derived':
      return DERIVED_METRICS[metric.name].family;
    // B9: judged from the Holt-Winters archives (baseline-watch.ts), not from each batch of samples
    case 'baseline':
    case 'agent_silent':
    case 'check_state':
    case 'check_perf':
      return null;
  }
}

/** Whether `value` is on the alarming side of `threshold`. */
export function breaches(comparison: Comparison, value: number, threshold: number): boolean {
  switch (comparison) {
    case '>':
      return value > threshold;
    case '>=':
      return value >= threshold;
    case '<':
      return value < threshold;
    case '<=':
      return value <= threshold;
  }
}

/** Grades a rule defines, mildest first. */
export function definedSeverities(rule: Pick<Rule, 'levels'>): Severity[] {
  return SEVERITIES.filter((s) => rule.levels[s] !== undefined);
}

export { recoveryThreshold };

export function scopeApplies(scope: RuleScope, agentId: string, agentGroupIds: readonly string[]): boolean {
  switch (scope.kind) {
    case 'all':
      return true;
    case 'agent':
      return scope.agentId === agentId;
    case 'group':
      return agentGroupIds.includes(scope.groupId);
  }
}

const finite = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n);

/**
 * Checks a rule before it is stored or evaluated. Returns every problem as "path: message"
 * (docs/conventions.md 6); an empty list means the rule is sound.
 */
export function validateRule(rule: Rule): string[] {
  const problems: string[] = [];
  if (!rule.id.trim()) problems.push('id: must not be empty');
  if (!rule.name.trim()) problems.push('name: must not be empty');
  if (!COMPARISONS.includes(rule.comparison)) problems.push(`comparison: must be one of ${COMPARISONS.join(' ')}`);
  if (!finite(rule.forS) || rule.forS < 0) problems.push('forS: must be a number of seconds ≥ 0');

  const metric = rule.metric;
  switch (metric.kind) {
    case 'field': {
      const family = (FAMILIES as Record<string, (typeof FAMILIES)[Family] | undefined>)[metric.family];
      if (!family) {
        problems.push(`metric.family: unknown family ${metric.family}`);
        break;
      }
      if (!(metric.field in family.fields)) problems.push(`metric.field: ${metric.family} has no field ${metric.field}`);
      if (metric.key !== undefined && !family.keyed) problems.push(`metric.key: family ${metric.family} has no keys`);
      break;
    }
    case 'derived': {
      if (!DERIVED_METRIC_NAMES.includes(metric.name)) {
        problems.push(`metric.name: unknown derived metric ${String(metric.name)}`);
        break;
      }
      if (metric.key !== undefined && !FAMILIES[DERIVED_METRICS[metric.name].family].keyed) {
        problems.push(`metric.key: ${metric.name} has no keys`);
      }
      break;
    }
    case 'agent_silent':
      if (!Number.isInteger(metric.missedIntervals) || metric.missedIntervals < 1) {
        problems.push('metric.missedIntervals: must be a whole number ≥ 1');
      }
      break;
    case 'check_state':
      if (!metric.checkId) problems.push(`metric.checkId: a check's id, or ${EVERY_KEY} for every check`);
      if (metric.severities !== undefined) {
        const named = Object.entries(metric.severities);
        if (named.length === 0) problems.push('metric.severities: name the grade of at least one of warning, critical, unknown');
        for (const [state, severity] of named) {
          if (!['warning', 'critical', 'unknown'].includes(state)) problems.push(`metric.severities.${state}: not a check state (warning, critical, unknown)`);
          else if (!isSeverity(severity)) problems.push(`metric.severities.${state}: not a severity`);
        }
      }
      // the grade comes from the state: levels and the comparison would only mislead
      if (Object.keys(rule.levels).length > 0) problems.push('levels: a check_state rule takes its grades from metric.severities, not levels');
      if (rule.comparison !== '>=') problems.push("comparison: a check_state rule compares with '>='");
      if (rule.recovery !== undefined) problems.push('recovery: a check_state rule recovers when the check is OK again');
      break;
    case 'check_perf':
      if (!metric.checkId) problems.push(`metric.checkId: a check's id, or ${EVERY_KEY} for every check`);
      if (!metric.label) problems.push('metric.label: a perfdata label of the check (e.g. time)');
      break;
    case 'baseline':
      if (!BASELINE_METRIC_NAMES.includes(metric.name)) problems.push(`metric.name: a baseline rule watches one of ${BASELINE_METRIC_NAMES.join(', ')}`);
      if (metric.learningS !== undefined && !(Number.isInteger(metric.learningS) && metric.learningS >= BASELINE_LIMITS.minLearningS && metric.learningS <= BASELINE_LIMITS.maxLearningS)) {
        problems.push(`metric.learningS: whole seconds from ${BASELINE_LIMITS.minLearningS} (one season) to ${BASELINE_LIMITS.maxLearningS}`);
      }
      // levels are deviations from the forecast: above it for '>' rules, below it (negative) for '<' rules
      for (const s of definedSeverities(rule)) {
        const level = rule.levels[s] ?? 0;
        const rising = rule.comparison === '>' || rule.comparison === '>=';
        if (rising ? level <= 0 || level > BASELINE_LIMITS.maxDeviations : level >= 0 || level < -BASELINE_LIMITS.maxDeviations) {
          problems.push(`levels.${s}: deviations from the forecast, ${rising ? `above 0 and at most ${BASELINE_LIMITS.maxDeviations}` : `below 0 and at least -${BASELINE_LIMITS.maxDeviations}`} for a '${rule.comparison}' rule`);
        }
      }
      break;
  }
  if ((metric.kind === 'field' || metric.kind === 'derived') && metric.key !== undefined && !metric.key) problems.push('metric.key: must not be empty');

  const severities = definedSeverities(rule);
  if (severities.length === 0 && metric.kind !== 'check_state') problems.push('levels: define at least one of info, warning, critical, disaster');
  for (const s of severities) if (!finite(rule.levels[s])) problems.push(`levels.${s}: must be a finite number`);
  for (const key of Object.keys(rule.levels)) if (!isSeverity(key)) problems.push(`levels.${key}: not a severity`);

  // a level the metric cannot pass would leave its grade silent for ever (a CPU rule "> 100")
  for (const u of unreachableLevels(rule)) {
    problems.push(`${u.path}: a '${u.comparison}' rule on this metric never fires at ${plainNumber(u.threshold)}: it reads ${isRisingComparison(u.comparison) ? 'at most' : 'at least'} ${plainNumber(u.bound)}`);
  }
  const rising = rule.comparison === '>' || rule.comparison === '>=';
  for (let i = 1; i < severities.length; i++) {
    const milder = severities[i - 1];
    const worse = severities[i];
    if (milder === undefined || worse === undefined) continue;
    const a = rule.levels[milder] ?? 0;
    const b = rule.levels[worse] ?? 0;
    if (rising ? b <= a : b >= a) {
      problems.push(`levels.${worse}: must be ${rising ? 'above' : 'below'} levels.${milder} (${a}) for a '${rule.comparison}' rule`);
    }
  }

  const recovery = rule.recovery;
  if (recovery) {
    if (recovery.delta !== undefined && (!finite(recovery.delta) || recovery.delta < 0)) {
      problems.push('recovery.delta: must be a number ≥ 0');
    }
    for (const [key, value] of Object.entries(recovery.levels ?? {})) {
      if (!isSeverity(key)) {
        problems.push(`recovery.levels.${key}: not a severity`);
        continue;
      }
      if (rule.levels[key] === undefined) problems.push(`recovery.levels.${key}: the rule has no ${key} level`);
      else if (!finite(value)) problems.push(`recovery.levels.${key}: must be a finite number`);
    }
    problems.push(...recoveryIssues(rule).map(recoveryProblem));
  }

  switch (rule.scope.kind) {
    case 'all':
      break;
    case 'agent':
      if (!rule.scope.agentId) problems.push('scope.agentId: must not be empty');
      break;
    case 'group':
      if (!rule.scope.groupId) problems.push('scope.groupId: must not be empty');
      break;
  }
  return problems;
}

/** How the engine lets go of a grade: the value must no longer breach the recovery with the rule's comparison. */
const LET_GO: Record<Comparison, string> = { '>': '≤', '>=': '<', '<': '≥', '<=': '>' };

/** The recovery values the metric can reach, against its floor (rising rules) or ceiling. */
const REACHABLE_VALUE: Record<Comparison, string> = { '>': 'of at least', '>=': 'above', '<': 'of at most', '<=': 'below' };

/** A recovery the engine could never reach, in words that say what to type instead (S4, S7). */
function recoveryProblem(issue: RecoveryIssue): string {
  const { path, severity, threshold, rising, comparison } = issue;
  if (issue.kind === 'beyond-threshold') return `${path}: must not be ${rising ? 'above' : 'below'} the ${severity} level (${threshold})`;
  // '>=' and '<=' rules hold at the recovery value itself, so the bound is not enough
  const strict = comparison === '>=' || comparison === '<=';
  const bound = plainNumber(issue.bound);
  const fix =
    issue.maxDelta !== null
      ? `use a delta ${strict ? 'below' : 'of at most'} ${plainNumber(issue.maxDelta)}`
      : `use a value ${REACHABLE_VALUE[comparison]} ${bound}`;
  return `${path}: the ${severity} alert (${comparison} ${plainNumber(threshold)}) would resolve only at ${LET_GO[comparison]} ${plainNumber(issue.recovery)}, which this metric never reaches (it is never ${rising ? 'below' : 'above'} ${bound}), so it would never resolve; ${fix}`;
}

const ALL: RuleScope = { kind: 'all' };

/**
 * S7: how long an agent must stay silent before "Agent silent" fires. Most silences are over within
 * a minute and nobody could act on them: an agent or its server restarting, a network blip, a fleet
 * reconnecting after the appliance closed its connections (the soak's chaos opened ~200 alerts per
 * "restart agents" and ~700 in the seconds before a full disk was raised as a fault: all back
 * within seconds). Prometheus' usual `up == 0` alert waits `for: 1m` for the same reason. The
 * price: a server really down is texted a minute later (docs/alerting.md).
 */
export const AGENT_SILENT_FOR_S = 60;

const AGENT_SILENT: Rule = {
  id: 'default-agent-silent',
  name: 'Agent silent',
  metric: { kind: 'agent_silent', missedIntervals: 3 },
  comparison: '>=',
  // the observation is 1 while the agent is silent and 0 otherwise
  levels: { critical: 1 },
  forS: AGENT_SILENT_FOR_S,
  scope: ALL,
  enabled: true,
  builtin: true,
};

/**
 * Rules the appliance ships with (S7), all enabled. Seeded once into SQLite; an
 * operator may edit, disable or delete them like any other rule.
 */
export const DEFAULT_RULES: readonly Rule[] = [
  {
    id: 'default-cpu-busy',
    name: 'CPU busy',
    metric: { kind: 'derived', name: 'cpu_busy_pct' },
    comparison: '>',
    levels: { info: 80, warning: 90, critical: 95 },
    recovery: { delta: 5 },
    forS: 300,
    scope: ALL,
    enabled: true,
    builtin: true,
  },
  {
    id: 'default-memory-used',
    name: 'Memory used',
    metric: { kind: 'derived', name: 'memory_used_pct' },
    comparison: '>',
    levels: { warning: 85, critical: 95 },
    recovery: { delta: 3 },
    forS: 120,
    scope: ALL,
    enabled: true,
    builtin: true,
  },
  {
    id: 'default-swap-used',
    name: 'Swap used',
    metric: { kind: 'derived', name: 'swap_used_pct' },
    comparison: '>',
    levels: { warning: 50, critical: 80 },
    recovery: { delta: 5 },
    forS: 300,
    scope: ALL,
    enabled: true,
    builtin: true,
  },
  {
    id: 'default-fs-used',
    name: 'Filesystem used',
    metric: { kind: 'derived', name: 'fs_used_pct', key: EVERY_KEY },
    comparison: '>',
    levels: { info: 80, warning: 90, critical: 95, disaster: 98 },
    recovery: { delta: 1 },
    forS: 60,
    scope: ALL,
    enabled: true,
    builtin: true,
  },
  {
    id: 'default-load-per-core',
    name: 'Load per CPU core',
    metric: { kind: 'derived', name: 'load1_per_core' },
    comparison: '>',
    levels: { warning: 2, critical: 4 },
    recovery: { delta: 0.5 },
    forS: 300,
    scope: ALL,
    enabled: true,
    builtin: true,
  },
  AGENT_SILENT,
  {
    // S1+: a drive that says it is in trouble (self-assessment failed, an NVMe critical warning,
    // its endurance nearly used, pending sectors, reallocated sectors or media errors rising:
    // the agent counts them in `failing`, agent/collectors/smart-health.ts), one alert per drive
    id: 'default-disk-health',
    name: 'Disk health failing',
    metric: { kind: 'field', family: 'smart', field: 'failing', key: EVERY_KEY },
    comparison: '>',
    levels: { warning: 0 },
    forS: 0,
    scope: ALL,
    enabled: true,
    builtin: true,
  },
  {
    // S5, S6, S16: a service that fails is worth a critical alert on every check, from the start
    id: 'default-check-critical',
    name: 'Check CRITICAL',
    metric: { kind: 'check_state', checkId: EVERY_KEY, severities: { critical: 'critical' } },
    comparison: '>=',
    levels: {},
    forS: 0,
    scope: ALL,
    enabled: true,
    builtin: true,
  },
];

/** A shipped default as an earlier version stored it, which the current one replaces (S7). */
export interface DefaultRuleUpgrade {
  id: string;
  /** the definition that version seeded: a stored rule still equal to it was never edited */
  was: Rule;
}

/**
 * Changes to shipped defaults that reach installations seeded before them, on the rules their
 * operator never edited (AlertRepository.upgradeDefaultRules); an edited rule keeps the
 * operator's choice. "Agent silent" fired at once (forS 0) until its minute (S7).
 */
export const DEFAULT_RULE_UPGRADES: readonly DefaultRuleUpgrade[] = [
  { id: AGENT_SILENT.id, was: { ...AGENT_SILENT, forS: 0 } },
];
