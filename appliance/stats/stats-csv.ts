// A statistics answer as CSV (S10; docs/api.md "Statistics"), pure: a header line, then one row
// per server and field. Figures have fixed decimals (3, availability 4) so that a spreadsheet
// and a diff see the same text for the same value; an empty cell is "no data". Text cells go
// through the audit export's quoting, which also defuses spreadsheet formulas.
import type { StatsResponse } from '../../contract/stats-api.js';
import { csvCell } from '../accounts/audit-csv.js';

export const STATS_CSV_HEADER = [
  'agent_id', 'hostname', 'family', 'key', 'hours', 'from', 'to', 'field', 'unit',
  'min', 'avg', 'max', 'p95', 'p99', 'availability', 'avg_cf', 'avg_step_s', 'min_cf', 'min_step_s', 'max_cf', 'max_step_s',
] as const;

export const VALUE_DECIMALS = 3;
export const AVAILABILITY_DECIMALS = 4;

function fixed(v: number | null, decimals: number): string {
  return v === null ? '' : v.toFixed(decimals);
}

export function statsCsv(s: StatsResponse): string {
  const lines = [STATS_CSV_HEADER.join(',')];
  for (const server of s.servers) {
    const src = server.sources;
    for (const f of server.fields) {
      const text = [server.agentId, server.hostname, s.family, s.key ?? '', s.hours].map(csvCell);
      lines.push([
        ...text, String(s.from), String(s.to), csvCell(f.field), csvCell(f.unit),
        fixed(f.min, VALUE_DECIMALS), fixed(f.avg, VALUE_DECIMALS), fixed(f.max, VALUE_DECIMALS),
        fixed(f.p95, VALUE_DECIMALS), fixed(f.p99, VALUE_DECIMALS), fixed(f.availability, AVAILABILITY_DECIMALS),
        src?.avg.cf ?? '', String(src?.avg.stepS ?? ''), src?.min.cf ?? '', String(src?.min.stepS ?? ''), src?.max.cf ?? '', String(src?.max.stepS ?? ''),
      ].join(','));
    }
  }
  return lines.join('\r\n') + '\r\n';
}

/** `rackwatch-stats-cpu-20260105.csv`: what the download is saved as. */
export function statsCsvFileName(s: Pick<StatsResponse, 'family' | 'from'>, prefix = 'rackwatch-stats'): string {
  const day = new Date(s.from * 1000).toISOString().slice(0, 10).replace(/-/g, '');
  return `${prefix}-${s.family}-${day}.csv`;
}
