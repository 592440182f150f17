// The Checks screens' pure logic (S5, S6, S16, S18), apart from the components so that it is tested
// without a browser: the filters kept in the URL fragment, the worst-first order and the counts per
// state, a live `check` event applied to the list, which instance a server panel shows, the
// create/edit form's fields per check type and the conversion of its draft to an API body, and how
// a perfdata unit is drawn. Types only from the contract: zod stays out of the bundle.
import type { CheckInput, CheckInstance, CheckStatus, CheckStatusState, CheckStreamEvent, CheckType, CheckView } from '../../contract/checks-api.js';
import type { Perfdatum } from '../../contract/checks.js';
import type { SeriesResponse } from '../../contract/api.js';
import type { Formatters } from './locale-format.js';
import type { DisplayKind } from './metric-fields.js';
import { scaleWindow, windowFromResponse, type SeriesWindow } from './series-window.js';

// The contract's lists, restated for the bundle (the contract module holds zod schemas); a test
// checks them against contract/checks-api.ts.
export const CHECK_TYPE_LIST = ['port', 'process', 'log', 'script', 'quota', 'probe-tcp', 'probe-http', 'probe-ping'] as const satisfies readonly CheckType[];
export const STATUS_STATES = ['critical', 'unknown', 'warning', 'ok', 'pending'] as const satisfies readonly CheckStatusState[];

/** A check definition as the API takes and gives it (kept as a name of its own for the screens). */
export type CheckDefinition = CheckInput;

/** A check's definition. */
export function definitionOf(check: Pick<CheckView, 'definition'>): CheckDefinition {
  return check.definition;
}

export function isProbeType(type: CheckType): boolean {
  return type.startsWith('probe-');
}

/**
 * Worst first, as the appliance ranks a check's instances (appliance/checks/check-service.ts):
 * CRITICAL, UNKNOWN (the check could not tell: a script outside the allowed directories, a
 * timeout; nobody knows the service is up), WARNING, OK, then a check that has not run yet.
 */
export function stateRank(s: CheckStatusState): number {
  return STATUS_STATES.indexOf(s);
}

/**
 * The classes of a state's badge and row: OK, WARNING and CRITICAL take the alert grades' own
 * (alerting.css), so a colour means one thing across the UI; UNKNOWN and pending have their own.
 */
export function stateClasses(s: CheckStatusState): { badge: string; row: string } {
  switch (s) {
    case 'ok':
    case 'warning':
    case 'critical':
      return { badge: `sev sev-${s}`, row: `sevrow-${s}` };
    case 'unknown':
    case 'pending':
      return { badge: `sev cstate-${s}`, row: `cstaterow-${s}` };
  }
}

// --- filters in the URL fragment ------------------------------------------------------------------

export interface CheckFilters {
  state: CheckStatusState | '';
  /** agentId: the checks that run on it or probe it */
  server: string;
  group: string;
  type: CheckType | '';
  q: string;
}

export const NO_FILTERS: CheckFilters = { state: '', server: '', group: '', type: '', q: '' };
const FILTER_KEYS = ['state', 'server', 'group', 'type', 'q'] as const;

function isStatusState(v: string | null): v is CheckStatusState {
  return v !== null && (STATUS_STATES as readonly string[]).includes(v);
}

function isCheckType(v: string | null): v is CheckType {
  return v !== null && (CHECK_TYPE_LIST as readonly string[]).includes(v);
}

/** The filters a fragment names (`#view=checks&state=critical&type=port`); unknown values are ignored. */
export function filtersFromHash(hash: string): CheckFilters {
  const p = new URLSearchParams(hash.replace(/^#/, ''));
  const state = p.get('state');
  const type = p.get('type');
  return {
    state: isStatusState(state) ? state : '',
    server: p.get('server') ?? '',
    group: p.get('group') ?? '',
    type: isCheckType(type) ? type : '',
    q: p.get('q') ?? '',
  };
}

/** The fragment with the filters set (empty ones left out); other parameters are kept. */
export function hashWithFilters(hash: string, f: CheckFilters): string {
  const p = new URLSearchParams(hash.replace(/^#/, ''));
  for (const k of FILTER_KEYS) {
    const v = f[k].trim();
    if (v) p.set(k, v);
    else p.delete(k);
  }
  const s = p.toString().replace(/%2C/gi, ',');
  return s ? `#${s}` : '';
}

/** The list request's query: everything but the state, which the screen applies itself so that its counts cover every state. */
export function listParams(f: CheckFilters): URLSearchParams {
  const p = new URLSearchParams();
  if (f.server) p.set('agentId', f.server);
  if (f.group) p.set('groupId', f.group);
  if (f.type) p.set('type', f.type);
  if (f.q.trim()) p.set('q', f.q.trim());
  return p;
}

// --- the list --------------------------------------------------------------------------------------

export function emptyCounts(): Record<CheckStatusState, number> {
  return { critical: 0, warning: 0, unknown: 0, ok: 0, pending: 0 };
}

export function countByState(checks: readonly Pick<CheckStatus, 'state'>[]): Record<CheckStatusState, number> {
  const out = emptyCounts();
  for (const c of checks) out[c.state]++;
  return out;
}

/** Worst first, then the longest in its state, then by name. */
export function sortChecks<C extends Pick<CheckView, 'state' | 'since' | 'definition' | 'id'>>(checks: readonly C[]): C[] {
  return [...checks].sort(
    (a, b) =>
      stateRank(a.state) - stateRank(b.state) ||
      (a.since ?? Number.MAX_SAFE_INTEGER) - (b.since ?? Number.MAX_SAFE_INTEGER) ||
      a.definition.name.localeCompare(b.definition.name, undefined, { numeric: true }) ||
      a.id.localeCompare(b.id),
  );
}

function statusOf(s: CheckStatus): CheckStatus {
  return { state: s.state, output: s.output, longOutput: s.longOutput, perfdata: s.perfdata, since: s.since, lastRun: s.lastRun, durationMs: s.durationMs };
}

/** A check's own status: its worst instance's (the first of equals), pending without instances. */
export function worstStatus(instances: readonly CheckInstance[]): CheckStatus {
  let worst: CheckInstance | null = null;
  for (const i of instances) if (worst === null || stateRank(i.state) < stateRank(worst.state)) worst = i;
  return worst ? statusOf(worst) : { state: 'pending', output: '', longOutput: '', perfdata: [], since: null, lastRun: null, durationMs: null };
}

/** A check after a stream event about one of its instances; null when the event is not about it. */
export function withEvent(check: CheckView, ev: CheckStreamEvent): CheckView | null {
  if (check.id !== ev.checkId) return null;
  const at = check.instances.findIndex((i) => i.agentId === ev.instance.agentId);
  const had = check.instances[at];
  // an event older than what the list holds (it arrived while the list was read) changes nothing
  if (had && had.lastRun !== null && ev.instance.lastRun !== null && ev.instance.lastRun < had.lastRun) return check;
  const instances = at < 0 ? [...check.instances, ev.instance] : check.instances.map((i, n) => (n === at ? ev.instance : i));
  return { ...check, ...worstStatus(instances), instances };
}

/**
 * The list after a stream event: the check's instance replaced and its status recomputed.
 * `known` is false when the check is not in the list (created elsewhere, or filtered out): the
 * caller decides whether to reload.
 */
export function applyCheckEvent(list: readonly CheckView[], ev: CheckStreamEvent): { list: CheckView[]; known: boolean } {
  let known = false;
  const next = list.map((c) => {
    const updated = withEvent(c, ev);
    if (updated === null) return c;
    known = true;
    return updated;
  });
  return { list: known ? next : [...list], known };
}

/** Where a check runs, as the list says it. */
export type Placement = { kind: 'agent'; agentId: string } | { kind: 'group'; groupId: string } | { kind: 'appliance'; agentId: string | null };

export function placementOf(def: CheckDefinition): Placement {
  if (isProbeType(def.type)) return { kind: 'appliance', agentId: def.agentId ?? null };
  if ('groupId' in def && def.groupId) return { kind: 'group', groupId: def.groupId };
  return { kind: 'agent', agentId: def.agentId ?? '' };
}

/** What a server panel shows of a check: this server's own instance, a probe's one, else the check's status. */
export function instanceFor(check: CheckView, agentId: string): CheckStatus & { agentId: string | null } {
  const own = check.instances.find((i) => i.agentId === agentId) ?? (isProbeType(check.type) ? check.instances[0] : undefined);
  return own ?? { ...statusOf(check), agentId: null };
}

/** The text the search box matches client-side between reloads (the appliance matches `q` too). */
export function checkMatches(check: CheckView, needle: string): boolean {
  const n = needle.trim().toLowerCase();
  if (!n) return true;
  const d = check.definition as Record<string, unknown>;
  const hay = [check.definition.name, check.type, check.output, d.host, d.url, d.path, d.command, d.process, ...check.instances.map((i) => i.hostname)]
    .filter((x): x is string => typeof x === 'string')
    .join(' ')
    .toLowerCase();
  return hay.includes(n);
}

/** What a check watches, in one short line: "127.0.0.1:25", a URL, a path, a process, a command. */
export function targetText(def: CheckDefinition): string {
  switch (def.type) {
    case 'port':
    case 'probe-tcp':
      return `${def.host}:${def.port}`;
    case 'probe-http':
      return def.url;
    case 'probe-ping':
      return def.host;
    case 'process':
      return [def.process, def.commandLine && `/${def.commandLine}/`, def.user && `(${def.user})`].filter(Boolean).join(' ');
    case 'log':
      return def.path;
    case 'script':
      return [def.command, ...(def.args ?? [])].join(' ');
    case 'quota':
      return (def.paths ?? []).join(', ');
  }
}

// --- the form ---------------------------------------------------------------------------------------

/** How one form field is typed in and sent. */
export type FieldKind =
  | 'text'
  /** an integer */
  | 'int'
  /** a threshold range (`10`, `10:`, `~:10`, `@5:10`) */
  | 'range'
  /** one value per line → a list of strings */
  | 'lines'
  /** MiB typed, bytes sent */
  | 'mib'
  | 'bool';

export interface FieldSpec {
  key: string;
  kind: FieldKind;
  /** the appliance refuses the check without it */
  required?: boolean;
}

const f = (key: string, kind: FieldKind, required = false): FieldSpec => ({ key, kind, required });

const TCP_FIELDS = [f('host', 'text', true), f('port', 'int', true), f('send', 'text'), f('expect', 'text'), f('warn', 'range'), f('crit', 'range')];

/** The parameters each type's form asks for, in the order they are shown (placement and timing are common). */
export const TYPE_FIELDS: Readonly<Record<CheckType, readonly FieldSpec[]>> = {
  port: TCP_FIELDS,
  process: [f('process', 'text'), f('commandLine', 'text'), f('user', 'text'), f('min', 'int'), f('max', 'int')],
  log: [f('path', 'text', true), f('fromStart', 'bool')],
  script: [f('command', 'text', true), f('args', 'lines')],
  quota: [f('paths', 'lines'), f('recommendedBytes', 'mib', true), f('warningBytes', 'mib', true)],
  'probe-tcp': TCP_FIELDS,
  'probe-http': [f('url', 'text', true), f('expectStatus', 'text'), f('bodyPattern', 'text'), f('certWarnDays', 'int'), f('certCritDays', 'int'), f('insecure', 'bool'), f('warn', 'range'), f('crit', 'range')],
  'probe-ping': [f('host', 'text', true), f('count', 'int'), f('warn', 'range'), f('crit', 'range'), f('lossWarn', 'range'), f('lossCrit', 'range')],
};

export const LOG_SEVERITIES = ['warning', 'critical'] as const;
export type LogSeverity = (typeof LOG_SEVERITIES)[number];

export interface CheckDraft {
  type: CheckType;
  name: string;
  /** agent checks: on one server or on every member of a group */
  placement: 'agent' | 'group';
  agentId: string;
  groupId: string;
  interval: string;
  timeout: string;
  enabled: boolean;
  /** the type's parameters by field key, as typed */
  values: Record<string, string | boolean>;
  /** the log check's patterns */
  patterns: { pattern: string; severity: LogSeverity }[];
  /** what the edited definition holds that the form does not show (a quota's per-account levels): kept as it was */
  kept: Record<string, unknown>;
}

const MIB = 1024 * 1024;
/** Defaults an operator would pick: an agent check every minute, a probe every minute. */
export const DEFAULT_INTERVAL_S = 60;

export function emptyCheckDraft(type: CheckType = 'port', agentId = ''): CheckDraft {
  return { type, name: '', placement: 'agent', agentId, groupId: '', interval: String(DEFAULT_INTERVAL_S), timeout: '', enabled: true, values: {}, patterns: [{ pattern: '', severity: 'critical' }], kept: {} };
}

const COMMON_KEYS = new Set(['type', 'name', 'agentId', 'groupId', 'interval', 'timeout', 'enabled', 'patterns']);

export function draftFromCheck(def: CheckDefinition): CheckDraft {
  const d = def as Record<string, unknown>;
  const specs = TYPE_FIELDS[def.type];
  const values: Record<string, string | boolean> = {};
  const kept: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(d)) {
    if (COMMON_KEYS.has(k)) continue;
    const spec = specs.find((s) => s.key === k);
    if (!spec) {
      kept[k] = v;
      continue;
    }
    if (spec.kind === 'bool') values[k] = v === true;
    else if (spec.kind === 'lines') values[k] = Array.isArray(v) ? v.join('\n') : '';
    else if (spec.kind === 'mib') values[k] = typeof v === 'number' ? String(v / MIB) : '';
    else values[k] = typeof v === 'string' || typeof v === 'number' ? String(v) : '';
  }
  const groupId = typeof d.groupId === 'string' ? d.groupId : '';
  return {
    type: def.type,
    name: def.name,
    placement: groupId && !isProbeType(def.type) ? 'group' : 'agent',
    agentId: typeof d.agentId === 'string' ? d.agentId : '',
    groupId,
    interval: String(def.interval),
    timeout: def.timeout === undefined ? '' : String(def.timeout),
    enabled: def.enabled ?? true,
    values,
    patterns: def.type === 'log' ? def.patterns.map((p) => ({ ...p })) : [{ pattern: '', severity: 'critical' }],
    kept,
  };
}

/** A typed number as a number; anything else is sent as typed, for the appliance to name the field. */
function numberOf(text: string): number | string {
  const n = Number(text);
  return text.trim() !== '' && Number.isFinite(n) ? n : text;
}

/**
 * The API body of a draft. Empty optional fields are left out; what is wrong is left for the
 * appliance to refuse, naming the field (one set of rules, in the contract's schema).
 */
export function checkInputFromDraft(d: CheckDraft): CheckDefinition {
  const body: Record<string, unknown> = { ...d.kept, type: d.type, name: d.name.trim(), interval: numberOf(d.interval) };
  if (d.timeout.trim() !== '') body.timeout = numberOf(d.timeout);
  if (!d.enabled) body.enabled = false;
  if (isProbeType(d.type)) {
    if (d.agentId) body.agentId = d.agentId;
  } else if (d.placement === 'group') body.groupId = d.groupId;
  else body.agentId = d.agentId;
  for (const spec of TYPE_FIELDS[d.type]) {
    const v = d.values[spec.key];
    if (spec.kind === 'bool') {
      if (v === true) body[spec.key] = true;
      continue;
    }
    const text = typeof v === 'string' ? v : '';
    if (text.trim() === '') {
      // a required field left empty is sent empty: the appliance names it
      if (spec.required) body[spec.key] = spec.kind === 'text' ? '' : null;
      continue;
    }
    switch (spec.kind) {
      case 'int':
        body[spec.key] = numberOf(text);
        break;
      case 'mib': {
        const n = numberOf(text);
        body[spec.key] = typeof n === 'number' ? Math.round(n * MIB) : n;
        break;
      }
      case 'lines':
        body[spec.key] = text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
        break;
      case 'range':
        body[spec.key] = text.trim();
        break;
      case 'text':
        // patterns and bytes to send keep their spaces
        body[spec.key] = text;
    }
  }
  if (d.type === 'log') body.patterns = d.patterns.filter((p) => p.pattern !== '' || d.patterns.length === 1).map((p) => ({ pattern: p.pattern, severity: p.severity }));
  // the appliance validates the shape (contract/checks-api.ts checkInputSchema)
  return body as CheckDefinition;
}

/** Every problem path the form shows beside a field (the rest go above the form). */
export function formFields(type: CheckType): string[] {
  return ['name', 'type', 'agentId', 'groupId', 'interval', 'timeout', 'enabled', 'patterns', ...TYPE_FIELDS[type].map((s) => s.key)];
}

// --- perfdata -----------------------------------------------------------------------------------------

export interface PerfdataDisplay {
  kind: DisplayKind;
  /** stored value × scale = drawn value */
  scale: number;
  /** the unit written after a plain number ('' for none) */
  unit: string;
}

const BYTE_SCALE: Record<string, number> = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 };

/** How a perfdata unit is drawn: sizes as bytes, times in milliseconds (connect times are a few ms), percentages as such. */
export function perfdataDisplay(unit: string): PerfdataDisplay {
  if (unit === '%') return { kind: 'percent', scale: 1, unit: '%' };
  const bytes = BYTE_SCALE[unit];
  if (bytes !== undefined) return { kind: 'bytes', scale: bytes, unit: 'B' };
  if (unit === 's') return { kind: 'plain', scale: 1000, unit: 'ms' };
  if (unit === 'ms') return { kind: 'plain', scale: 1, unit: 'ms' };
  if (unit === 'us') return { kind: 'plain', scale: 0.001, unit: 'ms' };
  // 'c' (a counter) and plain numbers
  return { kind: 'plain', scale: 1, unit: unit === 'c' ? '' : unit };
}

/** A perfdata value in its unit: sizes in KiB/MiB…, times in ms, percentages. */
export function perfdataValue(value: number | null, unit: string, fmt: Formatters): string {
  if (value === null) return '–';
  const d = perfdataDisplay(unit);
  const v = value * d.scale;
  switch (d.kind) {
    case 'percent':
      return fmt.percent(v);
    case 'bytes':
      return fmt.bytes(v);
    case 'bitsPerSec':
    case 'plain':
      return `${fmt.number(v, Math.abs(v) < 10 ? 3 : 1)}${d.unit ? ` ${d.unit}` : ''}`;
  }
}

/** The labels a check's charts show, at most this many (a quota check may report hundreds of accounts). */
export const MAX_CHARTED_LABELS = 6;

/**
 * Labels a type always reports when it can measure: a refused connection has no connect time,
 * yet the chart of the times before it is what the operator wants to see then.
 */
const TYPE_LABELS: Partial<Record<CheckType, { label: string; unit: string }[]>> = {
  port: [{ label: 'time', unit: 's' }],
  'probe-tcp': [{ label: 'time', unit: 's' }],
};

/** The perfdata labels to chart: the shown run's, then the check's other instances', then its type's usual ones. */
export function chartLabels(check: Pick<CheckView, 'type' | 'instances'>, shown: readonly Perfdatum[]): { label: string; unit: string }[] {
  const out = new Map<string, string>();
  for (const p of [...shown, ...check.instances.flatMap((i) => i.perfdata), ...(TYPE_LABELS[check.type] ?? [])]) if (!out.has(p.label)) out.set(p.label, p.unit);
  return [...out].slice(0, MAX_CHARTED_LABELS).map(([label, unit]) => ({ label, unit }));
}

/** A label's stored series as a one-line chart window ('v'), drawn in its display unit. */
export function perfdataWindow(r: SeriesResponse, scale: number): SeriesWindow {
  const w = windowFromResponse([r.fields[0] ?? 'value'], r);
  return scaleWindow({ fields: ['v'], data: w.data }, scale);
}
