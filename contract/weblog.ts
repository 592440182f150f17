// Web access-log analysis (S11, B6): what an agent sends on `rw/v1/<agentId>/weblog` for each log
// source and interval. Only this aggregate travels; raw lines never leave the server (S19), except
// a few malformed ones (cut to WEBLOG_LIMITS.sampleChars) so that the UI can show why a format
// does not match.

export const WEBLOG_DIMENSIONS = ['url', 'referrer', 'visitor', 'agent', 'notfound'] as const;
export type WeblogDimension = (typeof WEBLOG_DIMENSIONS)[number];

export const WEBLOG_LIMITS = {
  /** a log line is cut here, and counted (S11) */
  maxLineBytes: 64 * 1024,
  /** keys kept per dimension on the agent (the Space-Saving table; error ≤ lines / capacity) */
  sketchCapacity: 200,
  /** keys sent per dimension and interval */
  topK: 20,
  /** characters of a key sent (a URL, a user agent) */
  keyChars: 256,
  /** malformed lines sampled per interval, and their length */
  samples: 3,
  sampleChars: 300,
  /** distinct status codes and methods sent per interval */
  codes: 64,
} as const;

export interface WeblogTopEntry {
  key: string;
  /** an upper bound of the true count in the interval */
  count: number;
  /** count − error is a lower bound (Space-Saving) */
  error: number;
}

export interface WeblogLatency {
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** One source's aggregate for one interval. */
export interface WeblogInterval {
  /** the source's id (given by the appliance) */
  source: string;
  /** interval start, Unix seconds, and its length */
  t: number;
  i: number;
  requests: number;
  bytes: number;
  /** requests by status class: index 0 = 1xx … 4 = 5xx */
  classes: [number, number, number, number, number];
  /** requests by status code */
  codes: Record<string, number>;
  /** requests by method (unusual ones summed as OTHER) */
  methods: Record<string, number>;
  /** response time in ms, when the format has one */
  latency: WeblogLatency | null;
  /** distinct client addresses (HyperLogLog, ±1.6 %) */
  visitors: number;
  top: Record<WeblogDimension, WeblogTopEntry[]>;
  /** lines that did not match the format, lines cut at maxLineBytes */
  malformed: number;
  cut: number;
  samples: string[];
  /** why the source cannot be read now (a path the agent may not read, a missing file), else null */
  problem: string | null;
}

/**
 * What one message on `rw/v1/<agentId>/weblog` carries (QoS 1, not retained): the intervals of
 * every source whose interval ended at the same second, oldest message first after an outage
 * (the agent's web-log disk queue). At most WEBLOG_MESSAGE_BYTES of JSON: more sources than fit
 * go in several messages, and an interval alone over it has its top tables shortened
 * (agent/weblog/weblog-message.ts). A source's interval is sent once; one cut short by an agent
 * stop is not sent, its lines are read again after the restart and counted in the next.
 */
export interface WeblogMessage {
  v: 1;
  intervals: WeblogInterval[];
}

/** bytes of one message's payload at most: well under the appliance's 256 KiB packet limit */
export const WEBLOG_MESSAGE_BYTES = 192 * 1024;
