// Pure logic of the fleet screens: the schedule form's draft (text inputs) and what it sends
// (complete defaults, or only the settings where one server differs from them), the visitor
// table's sort toggling and time ranges. No DOM, no fetch: tested without a browser.
import type { AgentConfig, CollectorSetting } from '../../contract/agent-config.js';
import type { CollectorName } from '../../contract/families.js';
import { COLLECTOR_NAMES } from '../../contract/families.js';
import type { AgentConfigOverrides, AgentConfigResponse, VisitorSortKey } from '../../contract/fleet-api.js';

const MIB = 1024 * 1024;
const HOUR_S = 3600;

export interface CollectorDraft {
  enabled: boolean;
  /** as typed */
  intervalS: string;
}

export interface ScheduleDraft {
  collectors: Record<CollectorName, CollectorDraft>;
  queueMiB: string;
  queueHours: string;
}

export interface ScheduleValues {
  collectors: Partial<Record<CollectorName, CollectorSetting>>;
  queue: AgentConfig['queue'];
}

function trimmedNumber(n: number): string {
  return String(Math.round(n * 100) / 100);
}

export function draftFrom(v: ScheduleValues): ScheduleDraft {
  const collectors = {} as Record<CollectorName, CollectorDraft>;
  for (const name of COLLECTOR_NAMES) {
    const c = v.collectors[name];
    collectors[name] = { enabled: c?.enabled ?? true, intervalS: c ? String(c.intervalS) : '' };
  }
  return { collectors, queueMiB: trimmedNumber(v.queue.maxBytes / MIB), queueHours: trimmedNumber(v.queue.maxAgeS / HOUR_S) };
}

/**
 * One server's schedule as its agent runs it (S2): what it reported (`running`) over what the
 * appliance would publish. Before a configuration reaches it the agent runs on its own flags
 * (say --interval 2 where the built-in default is 5 s): the form starts from that, so saving one
 * collector keeps the others as they run instead of moving them to the defaults.
 */
export function runningSchedule(agent: AgentConfigResponse): ScheduleValues {
  return { collectors: { ...agent.effective.collectors, ...(agent.running ?? {}) }, queue: agent.effective.queue };
}

/**
 * A typed number as the API should see it: a number when it is one, else the text itself, so
 * that the appliance names the field in its "path: message" problem.
 */
function numberOrText(text: string, scale = 1): number | string {
  const trimmed = text.trim();
  const n = Number(trimmed);
  return trimmed !== '' && Number.isFinite(n) ? Math.round(n * scale) : trimmed;
}

/** The whole draft: the body of PUT /config/defaults. */
export function defaultsBody(d: ScheduleDraft): AgentConfigOverrides {
  const collectors: Record<string, { enabled: boolean; intervalS: number | string }> = {};
  for (const name of COLLECTOR_NAMES) collectors[name] = { enabled: d.collectors[name].enabled, intervalS: numberOrText(d.collectors[name].intervalS) };
  // the types say number; a string goes to the appliance on purpose (see numberOrText)
  return { collectors, queue: { maxBytes: numberOrText(d.queueMiB, MIB), maxAgeS: numberOrText(d.queueHours, HOUR_S) } } as AgentConfigOverrides;
}

/** Only what differs from the defaults: the body of PUT /agents/:id/config. */
export function overridesBody(d: ScheduleDraft, defaults: ScheduleValues): AgentConfigOverrides {
  const full = defaultsBody(d);
  const out: { collectors?: Record<string, Record<string, unknown>>; queue?: Record<string, unknown> } = {};
  for (const name of COLLECTOR_NAMES) {
    const mine = full.collectors?.[name];
    const base = defaults.collectors[name];
    if (!mine) continue;
    const diff: Record<string, unknown> = {};
    if (mine.enabled !== base?.enabled) diff.enabled = mine.enabled;
    if (mine.intervalS !== base?.intervalS) diff.intervalS = mine.intervalS;
    if (Object.keys(diff).length > 0) (out.collectors ??= {})[name] = diff;
  }
  if (full.queue?.maxBytes !== defaults.queue.maxBytes) (out.queue ??= {}).maxBytes = full.queue?.maxBytes;
  if (full.queue?.maxAgeS !== defaults.queue.maxAgeS) (out.queue ??= {}).maxAgeS = full.queue?.maxAgeS;
  return out;
}

/** Collectors whose setting on this server differs from the defaults (marked in the form). */
export function overriddenCollectors(d: ScheduleDraft, defaults: ScheduleValues): Set<CollectorName> {
  return new Set(Object.keys(overridesBody(d, defaults).collectors ?? {}) as CollectorName[]);
}

// --- visitors ----------------------------------------------------------------------------------------

export interface VisitorSort {
  key: VisitorSortKey;
  descending: boolean;
}

/** Times and counts read best largest first; text A to Z. */
const DESCENDING_FIRST: ReadonlySet<VisitorSortKey> = new Set<VisitorSortKey>(['lastSeen', 'firstSeen', 'connections']);

/** A click on a column header: the same column turns around, another starts in its natural order. */
export function nextSort(current: VisitorSort, key: VisitorSortKey): VisitorSort {
  return current.key === key ? { key, descending: !current.descending } : { key, descending: DESCENDING_FIRST.has(key) };
}

export function sortParam(s: VisitorSort): string {
  return `${s.descending ? '-' : ''}${s.key}`;
}

export const VISITOR_RANGES = ['1h', '1d', '1w', '1m', 'all'] as const;
export type VisitorRange = (typeof VISITOR_RANGES)[number];

const RANGE_S: Record<Exclude<VisitorRange, 'all'>, number> = { '1h': HOUR_S, '1d': 24 * HOUR_S, '1w': 7 * 24 * HOUR_S, '1m': 31 * 24 * HOUR_S };

/** The `from` (unix s) of a range ending now; undefined for "any time". */
export function rangeFrom(range: VisitorRange, nowMs: number): number | undefined {
  return range === 'all' ? undefined : Math.floor(nowMs / 1000) - RANGE_S[range];
}
