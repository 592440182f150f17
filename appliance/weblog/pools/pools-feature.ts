// Load-balancer pools (B6) as one feature: the pools with their bounds and the checks a schema
// cannot make (a name is taken once), and a pool's view over a window: its members (the log
// sources that name it, S11), each one's traffic from the RRD `weblog` series, its share against
// the expected one and, when out of line, why (pool-skew.ts). Built by the composition root with
// one deps object; its timer is the skew monitor's (pool-skew-monitor.ts).
import { randomBytes } from 'node:crypto';
import { RwError } from '../../../contract/errors.js';
import {
  WEBLOG_API_LIMITS, weblogPoolInputSchema,
  type WeblogPool, type WeblogPoolDefinition, type WeblogPoolMember, type WeblogPoolView,
} from '../../../contract/weblog-api.js';
import type { Clock } from '../../../core/clock.js';
import { problemsOf, type Parsed } from '../../../core/validation-problems.js';
import type { Db } from '../../db/database.js';
import { PoolRepository } from './pool-repository.js';
import { poolMembers } from './pool-skew.js';
import { memberTraffic, type WeblogSeriesReader } from './pool-traffic.js';

/** the window of a pool view when the request names none (B6) */
export const POOL_VIEW_DEFAULT_S = 5 * 60;

export interface PoolsFeatureDeps {
  db: Db;
  series: WeblogSeriesReader;
  clock: Clock;
}

export class PoolsFeature {
  readonly repo: PoolRepository;

  constructor(private readonly deps: PoolsFeatureDeps) {
    this.repo = new PoolRepository(deps.db);
  }

  list(): WeblogPool[] {
    return this.repo.list();
  }

  get(id: string): WeblogPool {
    const pool = this.repo.get(id);
    if (!pool) throw new RwError('RW_ERR_NOT_FOUND', `no pool ${id.slice(0, 64)}`);
    return pool;
  }

  create(input: unknown): Parsed<WeblogPool> {
    const def = this.checked(input, null);
    if (!def.ok) return def;
    if (this.repo.count() >= WEBLOG_API_LIMITS.pools) throw new RwError('RW_ERR_CONFLICT', `at most ${WEBLOG_API_LIMITS.pools} pools: remove one first`);
    const id = `p-${randomBytes(6).toString('hex')}`;
    this.repo.insert(id, def.value, this.deps.clock.now());
    return { ok: true, value: this.get(id) };
  }

  update(id: string, input: unknown): Parsed<WeblogPool> {
    this.get(id);
    const def = this.checked(input, id);
    if (!def.ok) return def;
    this.repo.update(id, def.value, this.deps.clock.now());
    return { ok: true, value: this.get(id) };
  }

  /** Removes the pool; its sources stay, in no pool. */
  remove(id: string): void {
    if (!this.repo.delete(id)) throw new RwError('RW_ERR_NOT_FOUND', `no pool ${id.slice(0, 64)}`);
  }

  /** The pool over (fromS, toS]: each member's traffic, share and skew. */
  async view(id: string, fromS: number, toS: number): Promise<WeblogPoolView> {
    const pool = this.get(id);
    return { ...pool, from: fromS, to: toS, members: await this.members(pool, fromS, toS) };
  }

  /** The members of a pool with their figures over (fromS, toS] (read one after another: the store serialises reads anyway). */
  async members(pool: WeblogPool, fromS: number, toS: number): Promise<WeblogPoolMember[]> {
    const rows = this.repo.members(pool.id).slice(0, WEBLOG_API_LIMITS.poolMembers);
    const traffic = [];
    for (const m of rows) traffic.push(await memberTraffic(this.deps.series, m.agentId, m.sourceId, fromS, toS));
    return poolMembers(rows, traffic, pool);
  }

  private checked(input: unknown, ownId: string | null): Parsed<WeblogPoolDefinition> {
    const parsed = weblogPoolInputSchema.safeParse(input);
    if (!parsed.success) return { ok: false, problems: problemsOf(parsed.error) };
    const holder = this.repo.idByName(parsed.data.name);
    if (holder !== null && holder !== ownId) throw new RwError('RW_ERR_CONFLICT', `a pool named ${parsed.data.name} exists already`);
    return { ok: true, value: parsed.data };
  }
}
