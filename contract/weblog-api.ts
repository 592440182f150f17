// The web-log API (S11, B6; docs/api.md "Web logs"): log sources (an access log on one agent's
// server, in a format), their live totals and top tables, and load-balancer pools (a named set of
// sources behind one balancer, compared on one chart, with a skew rule). The schemas are the
// routes' input schemas; the web UI imports only the types (no zod in its bundle).
import { z } from 'zod';
import { WEBLOG_DIMENSIONS, type WeblogDimension, type WeblogTopEntry } from './weblog.js';
import { WEBLOG_SOURCE_LIMITS } from './weblog-sources.js';

const L = WEBLOG_SOURCE_LIMITS;

export const WEBLOG_API_LIMITS = {
  /** sources on the appliance, all agents together */
  sources: 2000,
  pools: 200,
  poolNameChars: 100,
  /** members of one pool */
  poolMembers: 64,
  /** entries GET /weblogs/:id/top returns at most */
  topK: 100,
  weight: { min: 0.01, max: 1000 },
} as const;

/** The body of POST /weblogs and PUT /weblogs/:id. The format is compiled too: a bad token → 400 naming it. */
export const weblogSourceInputSchema = z.object({
  agentId: z.string().min(1, 'agentId must not be empty').max(64),
  path: z.string().regex(/^\//, 'path must be absolute').max(L.pathChars, `path is at most ${L.pathChars} characters`),
  format: z.string().min(1, 'format must not be empty').max(L.formatChars, `format is at most ${L.formatChars} characters`),
  intervalS: z.number().int().min(L.intervalS.min).max(L.intervalS.max).default(L.intervalS.default),
  keepQuery: z.boolean().default(false),
  fromStart: z.boolean().default(false),
  /** the load-balancer pool the source belongs to (B6), or null */
  poolId: z.string().min(1).max(64).nullable().default(null),
  /** its expected share of the pool's traffic, relative to the other members' weights (default: equal) */
  weight: z.number().min(WEBLOG_API_LIMITS.weight.min).max(WEBLOG_API_LIMITS.weight.max).default(1),
}).strict();
export type WeblogSourceInput = z.input<typeof weblogSourceInputSchema>;
export type WeblogSourceDefinition = z.infer<typeof weblogSourceInputSchema>;

/** What has been counted since the source was added (its live totals). */
export interface WeblogTotals {
  requests: number;
  bytes: number;
  /** requests by status code ("200", "404", …) */
  status: Record<string, number>;
  malformed: number;
  cut: number;
  /** the last malformed lines sampled by the agent (a few, cut short) */
  samples: string[];
  /** why the agent cannot read the log now, else null */
  problem: string | null;
  /** the last interval's start, unix s; null: nothing received yet */
  lastIntervalAt: number | null;
}

export interface WeblogSource extends WeblogSourceDefinition {
  id: string;
  createdAt: number;
  totals: WeblogTotals;
}

export const WEBLOG_TOP_DIMENSIONS = [...WEBLOG_DIMENSIONS, 'status'] as const;
export type WeblogTopDimension = WeblogDimension | 'status';

/** The query of GET /weblogs/:id/top (unix s; default: the last hour; k default 10). */
export const weblogTopQuerySchema = z.object({
  dimension: z.enum(WEBLOG_TOP_DIMENSIONS, { error: `must be one of ${WEBLOG_TOP_DIMENSIONS.join(', ')}` }),
  from: z.coerce.number().int().nonnegative().optional(),
  to: z.coerce.number().int().nonnegative().optional(),
  k: z.coerce.number().int().min(1).max(WEBLOG_API_LIMITS.topK).default(10),
}).strict();

export interface WeblogTopResponse {
  source: string;
  dimension: WeblogTopDimension;
  from: number;
  to: number;
  /** counts are upper bounds; count − error is a lower bound (Space-Saving, merged) */
  entries: WeblogTopEntry[];
}

/** The body of POST /pools and PUT /pools/:id: the pool and its skew rule (B6). */
export const weblogPoolInputSchema = z.object({
  name: z.string().trim().min(1, 'name must not be empty').max(WEBLOG_API_LIMITS.poolNameChars),
  /** a member's share may depart from its expected share by this many percentage points … */
  shareTolerancePct: z.number().min(1).max(100).default(20),
  /** … for this many minutes before the pool's skew alert fires */
  skewMinutes: z.number().int().min(1).max(1440).default(5),
  /** or a member's error rate is this many times the pool's median */
  errorRatioFactor: z.number().min(1.5).max(100).default(3),
}).strict();
export type WeblogPoolInput = z.input<typeof weblogPoolInputSchema>;
export type WeblogPoolDefinition = z.infer<typeof weblogPoolInputSchema>;

export interface WeblogPool extends WeblogPoolDefinition {
  id: string;
  createdAt: number;
  updatedAt: number;
}

export interface WeblogPoolMember {
  sourceId: string;
  agentId: string;
  /** the agent's host name (display name when it has one) */
  host: string;
  weight: number;
  /** 0..1 */
  expectedShare: number;
  /** 0..1 over the window; null: no traffic in the pool */
  share: number | null;
  requestsPerS: number | null;
  /** 5xx / requests, 0..1 */
  errorRate: number | null;
  p95Ms: number | null;
  /** why it is flagged ("share 61 % against 33 % expected", "error rate 4.1× the pool's median"), else null */
  skew: string | null;
}

/** GET /pools/:id: the pool, its members over the window (default: the last 5 min) and its skew. */
export interface WeblogPoolView extends WeblogPool {
  from: number;
  to: number;
  members: WeblogPoolMember[];
}
