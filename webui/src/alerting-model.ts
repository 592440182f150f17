// The alerting screens' pure logic (S4, S7, S8, S12), kept apart from the components so
// that it is tested without a browser: which view the URL names, rule and contact form drafts and
// their conversion to API bodies, "path: message" problems sorted onto form fields, the SMS
// segment count of a text, signal bars, and the words of an alert's value and cause.
import type { Alert, Comparison, Contact, ContactInput, Language, Rule, RuleInput, RuleMetric, SegmentPreview, Severity, SeverityLevels, WeeklyWindow } from '../../contract/alerts-api.js';
import type { Family, Unit } from '../../contract/families.js';
import type { Permission } from '../../contract/permissions.js';
import { FAMILIES } from '../../contract/families.js';
import { CHECK_SEVERITIES_MAPPED, COMPARISONS, DERIVED_METRICS, DERIVED_METRIC_NAMES, EVERY_KEY, HEALTH_LEVELS, SEVERITIES, healthRank, metricUnit, type CheckStateSeverities, type DerivedMetricName } from '../../contract/alerting.js';
import { METRIC_DEFAULTS, baselineMetricOf, defaultRecoveryDelta, isBaselineChoice, type BaselineChoice, type MetricDefaults } from './rule-draft-defaults.js';
import { partCapacity, segmentText } from '../../contract/sms-text/segmenter.js';
import type { Formatters } from './locale-format.js';

// --- views and the URL -------------------------------------------------------------------------------

/** The page's top-level views. The dashboard is the default and keeps the hash free of `view=`. */
export const VIEWS = ['dashboard', 'walls', 'schematic', 'alerts', 'checks', 'stats', 'compare', 'weblogs', 'pools', 'rules', 'groups', 'contacts', 'maintenance', 'sms', 'servers', 'files', 'users', 'audit', 'federation', 'redundancy', 'account', 'noise'] as const;
export type View = (typeof VIEWS)[number];

/** The account and appliance views (SEC, S19, S13): "My account", users, the audit log, forwarding and redundancy (components/account-screens.tsx). */
export type AccountScreen = Extract<View, 'account' | 'users' | 'audit' | 'federation' | 'redundancy'>;

export function isAccountView(v: View): v is AccountScreen {
  return v === 'account' || v === 'users' || v === 'audit' || v === 'federation' || v === 'redundancy';
}

/** What a role must be allowed to open a view (SEC): a view its role lacks gets no tab. */
export const VIEW_PERMISSION: Readonly<Record<View, Permission>> = {
  dashboard: 'agents:read', walls: 'dashboards:read', schematic: 'dashboards:read', alerts: 'alerts:read', checks: 'checks:read', stats: 'series:read', compare: 'series:read', weblogs: 'series:read', pools: 'checks:read', rules: 'rules:read', groups: 'groups:read', contacts: 'contacts:read', maintenance: 'mutes:read',
  sms: 'modem:read', servers: 'servers:write', files: 'files:deploy', users: 'users:manage', audit: 'audit:read', federation: 'federation:manage', redundancy: 'modem:read', account: 'account:self', noise: 'alerts:read',
};

const VIEW_PARAM = 'view';

export function isView(v: unknown): v is View {
  return typeof v === 'string' && (VIEWS as readonly string[]).includes(v);
}

export function viewFromHash(hash: string): View {
  const v = new URLSearchParams(hash.replace(/^#/, '')).get(VIEW_PARAM);
  return isView(v) ? v : 'dashboard';
}

/** The hash with `view` set (other parameters, such as the dashboard's `open`, are kept). */
export function hashWithView(hash: string, view: View): string {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  if (view === 'dashboard') params.delete(VIEW_PARAM);
  else params.set(VIEW_PARAM, view);
  const s = params.toString().replace(/%2C/gi, ',');
  return s ? `#${s}` : '';
}

// --- severities and levels ---------------------------------------------------------------------------

export { COMPARISONS, DERIVED_METRIC_NAMES, HEALTH_LEVELS, SEVERITIES, healthRank, metricUnit };

/** Open alerts worst first, then the oldest first: the order an operator works through them. */
export function sortAlertsWorstFirst(alerts: readonly Alert[]): Alert[] {
  const stateRank = { firing: 0, acknowledged: 1, pending: 2, resolved: 3 } as const;
  return [...alerts].sort(
    (a, b) =>
      stateRank[a.state] - stateRank[b.state] ||
      SEVERITIES.indexOf(b.severity) - SEVERITIES.indexOf(a.severity) ||
      a.startedAt - b.startedAt,
  );
}

/** The open-alert list after a stream event: resolved alerts leave it, others are put in place. */
export function applyAlertEvent(open: readonly Alert[], alert: Alert): Alert[] {
  const rest = open.filter((a) => a.id !== alert.id);
  return alert.state === 'resolved' ? rest : [...rest, alert];
}

// --- validation problems -----------------------------------------------------------------------------

export interface FieldProblems {
  /** field path → messages (the part after "path: ") */
  byField: Record<string, string[]>;
  /** problems no shown field takes: listed above the form */
  other: string[];
}

/**
 * Sorts the appliance's "path: message" problems onto form fields: a problem goes to the field
 * with the longest path that equals its path or is a parent of it ("levels.warning" takes
 * "levels.warning: …"; "metric" takes "metric.field: …" when no "metric.field" is shown).
 */
export function problemsByField(problems: readonly string[], fields: readonly string[]): FieldProblems {
  const byField: Record<string, string[]> = {};
  const other: string[] = [];
  for (const problem of problems) {
    const sep = problem.indexOf(': ');
    const path = sep >= 0 ? problem.slice(0, sep) : '';
    const message = sep >= 0 ? problem.slice(sep + 2) : problem;
    let best: string | null = null;
    for (const f of fields) {
      if ((path === f || path.startsWith(`${f}.`)) && (best === null || f.length > best.length)) best = f;
    }
    if (best === null) other.push(problem);
    else (byField[best] ??= []).push(best === path ? message : `${path.slice(best.length + 1)}: ${message}`);
  }
  return { byField, other };
}

/** The problems left once the operator edits the fields under `prefixes` (their messages are stale). */
export function dropProblems(problems: readonly string[], prefixes: readonly string[]): string[] {
  const left = problems.filter((p) => {
    const path = p.slice(0, Math.max(0, p.indexOf(': ')));
    return !prefixes.some((f) => path === f || path.startsWith(`${f}.`));
  });
  return left.length === problems.length ? (problems as string[]) : left;
}

/** Which problem paths an edit of each rule-draft input makes stale. */
export const RULE_DRAFT_PATHS: Record<keyof RuleDraft, readonly string[]> = {
  name: ['name', 'id'],
  metric: ['metric'],
  family: ['metric'],
  field: ['metric'],
  key: ['metric'],
  missedIntervals: ['metric'],
  checkId: ['metric'],
  checkLabel: ['metric'],
  checkSeverities: ['metric', 'levels'],
  comparison: ['comparison', 'levels', 'recovery'],
  levels: ['levels', 'recovery'],
  recoveryDelta: ['recovery'],
  recoveryLevels: ['recovery'],
  recoveryAuto: [],
  forS: ['forS'],
  scope: ['scope'],
  groupId: ['scope'],
  agentId: ['scope'],
  enabled: ['enabled'],
};

// --- SMS segments --------------------------------------------------------------------------------------

/** The segment count of a text as the modem will send it (the same segmenter the appliance uses). */
export function segmentPreview(text: string): SegmentPreview | null {
  try {
    const { encoding, segments } = segmentText(text);
    const units = segments.reduce((n, s) => n + s.units, 0);
    const capacity = partCapacity(encoding, segments.length > 1 ? 8 : undefined);
    const last = segments[segments.length - 1];
    return { encoding, parts: segments.length, units, charsLeft: capacity - (last?.units ?? 0) };
  } catch {
    // more than 255 parts: no count to show, the appliance refuses it
    return null;
  }
}

/** Signal bars 0–4 from AT+CSQ's rssi (0–31; null = not known), as handsets draw them. */
export function signalBars(csq: number | null): number {
  if (csq === null || csq < 2) return 0;
  if (csq < 10) return 1;
  if (csq < 15) return 2;
  if (csq < 20) return 3;
  return 4;
}

// --- values and causes ---------------------------------------------------------------------------------

/** A metric value with its unit, in the page's locale. */
export function formatMetricValue(value: number | null | undefined, unit: Unit, fmt: Formatters): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  switch (unit) {
    case '%':
      return fmt.percent(value);
    case 'B':
      return fmt.bytes(value);
    case 'B/s':
      return `${fmt.bytes(value)}/s`;
    case '/s':
      return `${fmt.number(value, 1)}/s`;
    case '':
      return fmt.number(value, 2);
  }
}

export function isDerivedMetricName(v: string): v is DerivedMetricName {
  return (DERIVED_METRIC_NAMES as readonly string[]).includes(v);
}

/** Whether a metric has one series per key (mount point, interface) and so may name a key. */
export function metricIsKeyed(metric: RuleMetric): boolean {
  switch (metric.kind) {
    case 'field':
      return FAMILIES[metric.family].keyed;
    case 'derived':
      return FAMILIES[DERIVED_METRICS[metric.name].family].keyed;
    case 'baseline':
    case 'agent_silent':
    case 'check_state':
    case 'check_perf':
      return false;
  }
}

// --- the rule form -------------------------------------------------------------------------------------

/** What the metric select offers: a derived metric, agent silence, a raw field, or a service check's state or perfdata (S5). */
export type MetricChoice = DerivedMetricName | 'agent_silent' | 'field' | 'check_state' | 'check_perf' | BaselineChoice;

/** The check states a check_state rule can grade, mildest first. */
export const CHECK_ALERT_STATES = ['warning', 'critical', 'unknown'] as const;
export type CheckAlertState = (typeof CHECK_ALERT_STATES)[number];

/** The rule form's state: inputs are strings, as typed; conversion happens on save and preview. */
export interface RuleDraft {
  name: string;
  metric: MetricChoice;
  family: Family;
  field: string;
  key: string;
  missedIntervals: string;
  /** a check's id or '*' (every check the scope covers) */
  checkId: string;
  /** a check_perf rule's perfdata label */
  checkLabel: string;
  /** a check_state rule's grade per state; '' raises no alert */
  checkSeverities: Record<CheckAlertState, Severity | ''>;
  comparison: Comparison;
  levels: Record<Severity, string>;
  recoveryDelta: string;
  recoveryLevels: Record<Severity, string>;
  /** the margin is the form's own (it follows the metric and thresholds) until the operator types one */
  recoveryAuto: boolean;
  forS: string;
  scope: 'all' | 'group' | 'agent';
  groupId: string;
  agentId: string;
  enabled: boolean;
}

const noLevels = (): Record<Severity, string> => ({ info: '', warning: '', critical: '', disaster: '' });

export function emptyRuleDraft(): RuleDraft {
  const defaults = METRIC_DEFAULTS.cpu_busy_pct;
  const draft: RuleDraft = {
    name: '',
    metric: 'cpu_busy_pct',
    family: 'cpu',
    field: 'user',
    key: '',
    missedIntervals: '3',
    checkId: EVERY_KEY,
    checkLabel: '',
    checkSeverities: { ...CHECK_SEVERITIES_MAPPED, unknown: '' } as Record<CheckAlertState, Severity | ''>,
    comparison: defaults.comparison,
    levels: levelsText(defaults.levels),
    recoveryDelta: '',
    recoveryLevels: noLevels(),
    recoveryAuto: true,
    forS: '300',
    scope: 'all',
    groupId: '',
    agentId: '',
    enabled: true,
  };
  return withAutoRecovery(draft);
}

/** The draft with its recovery margin recomputed, while the margin is still the form's own. */
export function withAutoRecovery(d: RuleDraft): RuleDraft {
  if (!d.recoveryAuto) return d;
  const input = ruleInputFromDraft(d);
  const recoveryDelta = defaultRecoveryDelta(input);
  return recoveryDelta === d.recoveryDelta ? d : { ...d, recoveryDelta };
}

const sameLevels = (a: Record<Severity, string>, b: Record<Severity, string>): boolean => SEVERITIES.every((s) => a[s].trim() === b[s].trim());

/**
 * The draft after the operator picks another metric. Thresholds the operator has not changed
 * from the last metric's usual ones become the new metric's usual ones (a load rule must not
 * start at "> 90"); a perfdata rule starts empty, as its scale is the check's own.
 */
export function withMetric(d: RuleDraft, metric: MetricChoice): RuleDraft {
  const before = metricDefaults(d.metric);
  const untouched = before !== null ? sameLevels(d.levels, levelsText(before.levels)) && d.comparison === before.comparison : false;
  const next = metricDefaults(metric);
  let out: RuleDraft = { ...d, metric };
  if (untouched && next) out = { ...out, comparison: next.comparison, levels: levelsText(next.levels) };
  else if (untouched && metric === 'check_perf') out = { ...out, levels: noLevels() };
  // agent silence is 0 or 1: no margin means anything there
  if (metric === 'agent_silent') out = { ...out, recoveryDelta: '', recoveryLevels: noLevels() };
  return withAutoRecovery(out);
}

function metricDefaults(metric: MetricChoice): MetricDefaults | null {
  return metric === 'field' || metric === 'check_state' || metric === 'check_perf' ? null : METRIC_DEFAULTS[metric];
}

const numText = (n: number | undefined): string => (n === undefined ? '' : String(n));

function levelsText(levels: SeverityLevels | undefined): Record<Severity, string> {
  const out = noLevels();
  for (const s of SEVERITIES) out[s] = numText(levels?.[s]);
  return out;
}

export function draftFromRule(rule: Rule): RuleDraft {
  const draft = emptyRuleDraft();
  const m = rule.metric;
  const severities = m.kind === 'check_state' ? (m.severities ?? CHECK_SEVERITIES_MAPPED) : null;
  return {
    ...draft,
    name: rule.name,
    metric: m.kind === 'field' ? 'field' : m.kind === 'derived' ? m.name : m.kind === 'baseline' ? `baseline.${m.name}` : m.kind,
    family: m.kind === 'field' ? m.family : draft.family,
    field: m.kind === 'field' ? m.field : draft.field,
    key: m.kind === 'field' || m.kind === 'derived' ? (m.key ?? '') : '',
    missedIntervals: m.kind === 'agent_silent' ? String(m.missedIntervals) : draft.missedIntervals,
    checkId: m.kind === 'check_state' || m.kind === 'check_perf' ? m.checkId : draft.checkId,
    checkLabel: m.kind === 'check_perf' ? m.label : '',
    checkSeverities: severities ? { warning: severities.warning ?? '', critical: severities.critical ?? '', unknown: severities.unknown ?? '' } : draft.checkSeverities,
    comparison: rule.comparison,
    levels: levelsText(rule.levels),
    recoveryDelta: numText(rule.recovery?.delta),
    recoveryLevels: levelsText(rule.recovery?.levels),
    // a stored rule's margin is the operator's: the form does not move it
    recoveryAuto: false,
    forS: String(rule.forS),
    scope: rule.scope.kind,
    groupId: rule.scope.kind === 'group' ? rule.scope.groupId : '',
    agentId: rule.scope.kind === 'agent' ? rule.scope.agentId : '',
    enabled: rule.enabled,
  };
}

/** A typed number; blank is undefined, anything unreadable NaN (the appliance then names the field). */
function parseNumber(text: string): number | undefined {
  const s = text.trim().replace(',', '.');
  if (s === '') return undefined;
  const n = Number(s);
  return Number.isFinite(n) ? n : Number.NaN;
}

function parseLevels(levels: Record<Severity, string>): SeverityLevels {
  const out: SeverityLevels = {};
  for (const s of SEVERITIES) {
    const n = parseNumber(levels[s]);
    if (n !== undefined) out[s] = n;
  }
  return out;
}

/** The RuleInput the form describes. Unreadable numbers stay NaN: JSON sends them as null, which the appliance reports per field. */
export function ruleInputFromDraft(d: RuleDraft, id?: string): RuleInput {
  const base = {
    ...(id !== undefined ? { id } : {}),
    name: d.name.trim(),
    forS: parseNumber(d.forS) ?? 0,
    scope: d.scope === 'group' ? { kind: 'group', groupId: d.groupId } : d.scope === 'agent' ? { kind: 'agent', agentId: d.agentId } : { kind: 'all' },
    enabled: d.enabled,
  } satisfies Partial<RuleInput>;
  // S5: the state gives the grade; a check_state rule has no levels, compares with '>=' and has no recovery
  if (d.metric === 'check_state') {
    const severities: CheckStateSeverities = {};
    for (const state of CHECK_ALERT_STATES) {
      const s = d.checkSeverities[state];
      if (s !== '') severities[state] = s;
    }
    return { ...base, metric: { kind: 'check_state', checkId: d.checkId, severities }, comparison: '>=', levels: {} };
  }
  const key = d.key.trim();
  let metric: RuleMetric;
  if (d.metric === 'agent_silent') metric = { kind: 'agent_silent', missedIntervals: parseNumber(d.missedIntervals) ?? Number.NaN };
  else if (d.metric === 'check_perf') metric = { kind: 'check_perf', checkId: d.checkId, label: d.checkLabel.trim() };
  else if (isBaselineChoice(d.metric)) metric = { kind: 'baseline', name: baselineMetricOf(d.metric) };
  else if (d.metric === 'field') metric = { kind: 'field', family: d.family, field: d.field, ...(key && FAMILIES[d.family].keyed ? { key } : {}) };
  else metric = { kind: 'derived', name: d.metric, ...(key && FAMILIES[DERIVED_METRICS[d.metric].family].keyed ? { key } : {}) };
  const delta = parseNumber(d.recoveryDelta);
  const recoveryLevels = parseLevels(d.recoveryLevels);
  const hasRecoveryLevels = Object.keys(recoveryLevels).length > 0;
  return {
    ...base,
    metric,
    comparison: d.comparison,
    levels: parseLevels(d.levels),
    ...(delta !== undefined || hasRecoveryLevels
      ? { recovery: { ...(delta !== undefined ? { delta } : {}), ...(hasRecoveryLevels ? { levels: recoveryLevels } : {}) } }
      : {}),
  };
}

/** Form field names (problem paths) of the rule form. */
export const RULE_FIELDS = [
  'id',
  'name',
  'metric',
  'metric.name',
  'metric.family',
  'metric.field',
  'metric.key',
  'metric.missedIntervals',
  'metric.checkId',
  'metric.label',
  'metric.severities',
  'comparison',
  'levels',
  ...SEVERITIES.map((s) => `levels.${s}`),
  'recovery',
  'recovery.delta',
  ...SEVERITIES.map((s) => `recovery.levels.${s}`),
  'forS',
  'scope',
  'scope.groupId',
  'scope.agentId',
  'enabled',
] as const;

// --- the contact form ----------------------------------------------------------------------------------

export interface WindowDraft {
  days: number[];
  start: string;
  end: string;
}

export interface ContactDraft {
  name: string;
  phone: string;
  language: Language;
  severities: Severity[];
  schedule: WindowDraft[];
  escalationLevel: string;
  enabled: boolean;
}

export function emptyContactDraft(language: Language): ContactDraft {
  return { name: '', phone: '', language, severities: ['warning', 'critical', 'disaster'], schedule: [], escalationLevel: '0', enabled: true };
}

export function draftFromContact(c: Contact): ContactDraft {
  return {
    name: c.name,
    phone: c.phone,
    language: c.language,
    severities: [...c.severities],
    schedule: c.schedule.map((w) => ({ days: [...w.days], start: w.start, end: w.end })),
    escalationLevel: String(c.escalationLevel),
    enabled: c.enabled,
  };
}

export function contactInputFromDraft(d: ContactDraft): ContactInput {
  const schedule: WeeklyWindow[] = d.schedule.map((w) => ({ days: [...w.days].sort((a, b) => a - b), start: w.start.trim(), end: w.end.trim() }));
  return {
    name: d.name.trim(),
    phone: d.phone.trim(),
    language: d.language,
    // mildest first, as the appliance lists them
    severities: SEVERITIES.filter((s) => d.severities.includes(s)),
    schedule,
    escalationLevel: parseNumber(d.escalationLevel) ?? 0,
    enabled: d.enabled,
  };
}

export const CONTACT_FIELDS = ['id', 'name', 'phone', 'language', 'severities', 'schedule', 'escalationLevel', 'enabled'] as const;

/** A business-hours window, the usual first one: Monday to Friday, 09:00–18:00. */
export function defaultWindow(): WindowDraft {
  return { days: [1, 2, 3, 4, 5], start: '09:00', end: '18:00' };
}

/** Contacts by escalation level, lowest (told first) first; within a level by name. */
export function escalationTiers(contacts: readonly Contact[]): { level: number; contacts: Contact[] }[] {
  const tiers = new Map<number, Contact[]>();
  for (const c of contacts) {
    const list = tiers.get(c.escalationLevel) ?? [];
    list.push(c);
    tiers.set(c.escalationLevel, list);
  }
  return [...tiers.entries()]
    .sort(([a], [b]) => a - b)
    .map(([level, list]) => ({ level, contacts: list.sort((a, b) => a.name.localeCompare(b.name)) }));
}
