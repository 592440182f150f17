// The Compare screen's selection (S10, B5), pure: one metric (family, field and, for a keyed
// family, its key) of several servers on one chart, over a preset range or a custom one. It lives
// in the page address (`#view=compare&hosts=web-1,web-2&metric=cpu.user&range=1d`) by host name,
// so that a link sent to a colleague reads as what it shows and survives a re-enrolment.
import { FAMILIES, type Family } from '../../contract/families.js';
import { STATS_FAMILIES } from '../../contract/stats-limits.js';

export const COMPARE_RANGES = ['1h', '1d', '1w', '1m', '1y'] as const;
export type CompareRange = (typeof COMPARE_RANGES)[number];
export const COMPARE_RANGE_S: Readonly<Record<CompareRange, number>> = {
  '1h': 3600, '1d': 86_400, '1w': 7 * 86_400, '1m': 30 * 86_400, '1y': 365 * 86_400,
};
/** Lines on one chart: past a dozen the colours repeat and the legend no longer fits beside it. */
export const MAX_COMPARED = 12;

export interface CompareSelection {
  hosts: string[];
  family: Family;
  field: string;
  /** a keyed family's key (mount point, interface, core, device); '' otherwise */
  key: string;
  range: CompareRange;
  /** a zoomed or panned range (unix s), else null: the preset up to now */
  custom: [number, number] | null;
}

export const DEFAULT_COMPARE: CompareSelection = { hosts: [], family: 'cpu', field: 'user', key: '', range: '1d', custom: null };

export function isCompareFamily(f: string): f is Family {
  return (STATS_FAMILIES as readonly string[]).includes(f);
}

export function fieldsOf(family: Family): string[] {
  return Object.keys(FAMILIES[family].fields);
}

/** The selection the address names; anything unknown falls back to the default, never throws. */
export function compareFromHash(hash: string): CompareSelection {
  const p = new URLSearchParams(hash.replace(/^#/, ''));
  const hosts = [...new Set((p.get('hosts') ?? '').split(',').map((h) => h.trim()).filter((h) => h.length > 0))].slice(0, MAX_COMPARED);
  const [fam = '', field = ''] = (p.get('metric') ?? '').split('.');
  const family = isCompareFamily(fam) ? fam : DEFAULT_COMPARE.family;
  const fields = fieldsOf(family);
  const range = (COMPARE_RANGES as readonly string[]).includes(p.get('range') ?? '') ? (p.get('range') as CompareRange) : DEFAULT_COMPARE.range;
  const from = Number(p.get('from'));
  const to = Number(p.get('to'));
  const custom: [number, number] | null = p.has('from') && p.has('to') && Number.isSafeInteger(from) && Number.isSafeInteger(to) && from < to ? [from, to] : null;
  return {
    hosts,
    family,
    field: fields.includes(field) ? field : (fields[0] ?? ''),
    key: FAMILIES[family].keyed ? (p.get('key') ?? '') : '',
    range,
    custom,
  };
}

/** The hash with the selection written into it (the `view` parameter and others are kept). */
export function hashWithCompare(hash: string, sel: CompareSelection): string {
  const p = new URLSearchParams(hash.replace(/^#/, ''));
  for (const k of ['hosts', 'metric', 'key', 'range', 'from', 'to']) p.delete(k);
  if (sel.hosts.length > 0) p.set('hosts', sel.hosts.join(','));
  p.set('metric', `${sel.family}.${sel.field}`);
  if (sel.key) p.set('key', sel.key);
  p.set('range', sel.range);
  if (sel.custom) {
    p.set('from', String(sel.custom[0]));
    p.set('to', String(sel.custom[1]));
  }
  return `#${p.toString().replace(/%2C/gi, ',')}`;
}

/** The range shown: the custom one, else the preset ending now. */
export function compareRange(sel: Pick<CompareSelection, 'range' | 'custom'>, nowS: number): [number, number] {
  return sel.custom ? [sel.custom[0], sel.custom[1]] : [nowS - COMPARE_RANGE_S[sel.range], nowS];
}
