// The server panel's disk-health table (S1+): one row per drive of the `smart` family from the
// agent's latest values, drives in trouble first. Pure functions.
import type { AgentDetail } from '../../contract/api.js';
import type { FieldOf } from '../../contract/families.js';

export type DiskHealthRow = { key: string } & Record<FieldOf<'smart'>, number | null>;

const FIELDS = ['healthy', 'reallocated', 'pending', 'media_errors', 'pct_used', 'critical_warn', 'temperature', 'failing'] as const satisfies readonly FieldOf<'smart'>[];

/** "nvme10" after "nvme9" */
const natural = (a: string, b: string): number => a.localeCompare(b, 'en', { numeric: true });

export function diskHealthRows(detail: AgentDetail | null): DiskHealthRow[] {
  const rows: DiskHealthRow[] = [];
  for (const s of detail?.latest ?? []) {
    if (s.family !== 'smart' || s.key === undefined) continue;
    const row = { key: s.key } as DiskHealthRow;
    for (const f of FIELDS) row[f] = typeof s.values[f] === 'number' ? s.values[f] : null;
    rows.push(row);
  }
  return rows.sort((a, b) => (b.failing ?? 0) - (a.failing ?? 0) || natural(a.key, b.key));
}

/** What the status cell says: the drive's own verdict, or that only its temperature is known. */
export function diskVerdict(row: DiskHealthRow): 'failing' | 'passed' | 'unknown' {
  if ((row.failing ?? 0) > 0 || row.healthy === 0) return 'failing';
  return row.healthy === 1 ? 'passed' : 'unknown';
}
