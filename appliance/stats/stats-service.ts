// Statistics of one metric family for several servers over a period (S10): reads each server's
// AVERAGE rows (and MIN and MAX at the same row width when the rows are consolidations) through
// the RRD store and computes the figures (stats-math.ts) for all hours, business hours or the
// others, in the appliance's time zone. Which archive each figure came from is part of the answer.
import { isRwError, RwError } from '../../contract/errors.js';
import { FAMILIES, familyFields, type Family } from '../../contract/metrics.js';
import type { BusinessHours, Hours, ServerStats, StatsResponse, StatsSource } from '../../contract/stats-api.js';
import type { ConsolidatedRows } from '../store/rrd-store.js';
import type { ConsolidationFn } from '../store/rrd-layout.js';
import { businessHoursTest } from './local-hours.js';
import { fieldStats, type StatsRows } from './stats-math.js';

export interface ConsolidatedSource {
  consolidated(agentId: string, family: Family, key: string | undefined, fromS: number, toS: number, cf: ConsolidationFn): Promise<ConsolidatedRows>;
}

export interface StatsServiceDeps {
  store: ConsolidatedSource;
  /** the server's host name; null: no such server */
  hostnameOf: (agentId: string) => string | null;
  timeZone: string;
  businessHours: () => BusinessHours;
}

export interface StatsRequest {
  agents: readonly string[];
  family: Family;
  key?: string | undefined;
  from: number;
  to: number;
  hours: Hours;
}

export class StatsService {
  constructor(private readonly deps: StatsServiceDeps) {}

  /** Unknown servers and a keyed family without its key are refused before anything is read. */
  async compute(req: StatsRequest): Promise<StatsResponse> {
    const unknown = req.agents.filter((a) => this.deps.hostnameOf(a) === null);
    if (unknown.length > 0) throw new RwError('RW_ERR_BAD_REQUEST', `agents: no server ${unknown.slice(0, 5).join(', ')}`);
    const keyed = FAMILIES[req.family].keyed;
    if (keyed && req.key === undefined) throw new RwError('RW_ERR_BAD_REQUEST', `key: family ${req.family} needs key= (a mount point, interface, core or disk)`);
    const key = keyed ? req.key : undefined;
    const businessHours = this.deps.businessHours();
    const inBusiness = businessHoursTest(businessHours, this.deps.timeZone);
    const include = req.hours === 'all' ? undefined : req.hours === 'business' ? inBusiness : (ms: number) => !inBusiness(ms);
    const servers: ServerStats[] = [];
    for (const agentId of req.agents) servers.push(await this.serverStats(agentId, req.family, key, req.from, req.to, include));
    return {
      family: req.family, ...(key !== undefined ? { key } : {}), from: req.from, to: req.to, hours: req.hours,
      timeZone: this.deps.timeZone, businessHours, servers,
    };
  }

  private async serverStats(agentId: string, family: Family, key: string | undefined, from: number, to: number, include: ((ms: number) => boolean) | undefined): Promise<ServerStats> {
    const hostname = this.deps.hostnameOf(agentId) ?? agentId;
    const fields = familyFields(family).map((name) => ({ name, unit: (FAMILIES[family].fields as Record<string, string>)[name] ?? '' }));
    let avg: ConsolidatedRows;
    try {
      avg = await this.deps.store.consolidated(agentId, family, key, from, to, 'AVERAGE');
    } catch (e) {
      if (!isRwError(e, 'RW_ERR_NOT_FOUND')) throw e;
      // a server that never sent this family: no figures, nothing available
      return {
        agentId, hostname, sources: null,
        fields: fields.map((f) => ({ field: f.name, unit: f.unit, min: null, avg: null, max: null, p95: null, p99: null, availability: 0 })),
      };
    }
    const avgSource: StatsSource = { cf: 'AVERAGE', stepS: avg.step, raw: avg.raw };
    // raw rows are one sample each: their extremes are the samples' own. Consolidated rows
    // average their samples away, so the extremes come from MIN and MAX at the same width,
    // where the file keeps them (per-core CPU, disk and TCP keep AVERAGE only: docs/storage.md)
    // both asked at once: rrdcached answers them in turn, without a round trip between
    const [min, max] = avg.raw ? [null, null] : await Promise.all([
      this.extremeRows(agentId, family, key, from, to, 'MIN', avg.step),
      this.extremeRows(agentId, family, key, from, to, 'MAX', avg.step),
    ]);
    const source = (rows: ConsolidatedRows | null): StatsSource => (rows ? { cf: rows.cf, stepS: rows.step, raw: rows.raw } : avgSource);
    return {
      agentId, hostname,
      sources: { min: source(min), avg: avgSource, max: source(max), p95: avgSource, p99: avgSource, availability: avgSource },
      fields: fieldStats({
        fields, avg: rowsOf(avg), ...(min ? { min: rowsOf(min) } : {}), ...(max ? { max: rowsOf(max) } : {}), ...(include ? { include } : {}),
      }),
    };
  }

  /** MIN or MAX rows of the AVERAGE rows' width, or null when the file has none such. */
  private async extremeRows(agentId: string, family: Family, key: string | undefined, from: number, to: number, cf: 'MIN' | 'MAX', step: number): Promise<ConsolidatedRows | null> {
    try {
      const rows = await this.deps.store.consolidated(agentId, family, key, from, to, cf);
      return rows.step === step ? rows : null;
    } catch (e) {
      // rrd_fetch: "the RRD does not contain an RRA matching the chosen CF"
      if (isRwError(e, 'RW_ERR_RRDCACHED') || isRwError(e, 'RW_ERR_NOT_FOUND')) return null;
      throw e;
    }
  }
}

function rowsOf(c: ConsolidatedRows): StatsRows {
  return { step: c.step, rows: c.rows };
}
