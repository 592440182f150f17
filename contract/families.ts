// Metric families (S1): each family lists its fields once; the agent fills them, the appliance
// stores them (one RRD data source per field, in this order), and the web UI labels them. No
// runtime dependency here, so the browser bundle can import it. Adding a field to a family
// changes the RRD layout: see docs/storage.md before doing it.

export type Unit = '%' | 'B' | 'B/s' | '/s' | '';

export interface FamilyDef {
  /** true when the family has one series per key (filesystem mount point, interface name). */
  keyed: boolean;
  /** Field name → unit. Field names are RRD data-source names: [a-z0-9_], at most 19 chars. */
  fields: Record<string, Unit>;
}

export const FAMILIES = {
  /** the whole machine */
  cpu: { keyed: false, fields: { user: '%', system: '%', iowait: '%', steal: '%', idle: '%' } },
  /** one series per core, key = "cpu0", "cpu1", … */
  cpucore: { keyed: true, fields: { user: '%', system: '%', iowait: '%', steal: '%', idle: '%' } },
  load: { keyed: false, fields: { load1: '', load5: '', load15: '' } },
  memory: {
    keyed: false,
    fields: { total: 'B', used: 'B', available: 'B', cached: 'B', swap_total: 'B', swap_used: 'B' },
  },
  fs: {
    keyed: true,
    fields: { size: 'B', used: 'B', avail: 'B', inodes: '', inodes_used: '' },
  },
  net: {
    keyed: true,
    fields: {
      rx_bytes: 'B/s', tx_bytes: 'B/s', rx_packets: '/s', tx_packets: '/s',
      rx_errs: '/s', tx_errs: '/s', rx_drop: '/s', tx_drop: '/s', colls: '/s',
      /** 1 = link up, 0 = down */
      up: '',
    },
  },
  /** block device I/O, key = device name ("sda", "nvme0n1") */
  disk: {
    keyed: true,
    fields: { reads: '/s', writes: '/s', read_bytes: 'B/s', write_bytes: 'B/s', busy: '%' },
  },
  /**
   * disk health (S1+), key = the device as the agent names it ("sda", "nvme0"), from smartctl or
   * the kernel's NVMe/hwmon interfaces: healthy 1 = the drive's overall self-assessment passed,
   * 0 = failed; sector and error counts as the drive reports them (cumulative); pct_used = the
   * NVMe endurance used; critical_warn = the NVMe critical-warning bits (0 = none); temperature
   * in °C; failing = how many of these say the drive is in trouble now (the default rule's input,
   * computed by the agent, which alone sees a count rise: agent/collectors/smart-health.ts)
   */
  smart: {
    keyed: true,
    fields: {
      healthy: '', reallocated: '', pending: '', media_errors: '', pct_used: '%', critical_warn: '',
      temperature: '', failing: '',
    },
  },
  /** TCP connections by state (IPv4 and IPv6 together) */
  tcp: {
    keyed: false,
    fields: {
      established: '', syn_sent: '', syn_recv: '', fin_wait1: '', fin_wait2: '', time_wait: '',
      close: '', close_wait: '', last_ack: '', listen: '', closing: '',
    },
  },
  /**
   * a service check's performance data (S5, S6, S16), one series per check and label, key =
   * "<checkId>/<label>": written by the appliance from check results, never sent as metrics
   */
  check: { keyed: true, fields: { value: '' } },
  /**
   * a web access log's interval aggregates (S11, B6), one series per log source, key = the
   * source's id: written by the appliance from the `weblog` topic, never sent as metrics. Rates
   * are per second over the agent's interval; latencies in milliseconds (absent = the format
   * has no response time); visitors = distinct client addresses in the interval
   */
  weblog: {
    keyed: true,
    fields: {
      requests: '/s', bytes: 'B/s', s2xx: '/s', s3xx: '/s', s4xx: '/s', s5xx: '/s',
      p50_ms: '', p95_ms: '', p99_ms: '', visitors: '', malformed: '/s',
    },
  },
} as const satisfies Record<string, FamilyDef>;

/** Families the appliance writes itself: a metrics batch carrying one is refused. */
export const APPLIANCE_FAMILIES: ReadonlySet<string> = new Set(['check', 'weblog']);

/**
 * Limits of the metrics payload; a payload outside them is dropped and counted. Here rather than
 * in metrics.ts so that the agent reads them without loading zod (metrics.ts re-exports them).
 */
export const METRICS_LIMITS = {
  /** bytes of one MQTT payload (a full sample of a big server is ~3 KB). */
  maxPayloadBytes: 256 * 1024,
  maxSamplesPerBatch: 2000,
  maxKeyLength: 200,
  /** seconds a timestamp may be ahead of the appliance's clock (clock skew). */
  maxFutureSkewS: 300,
  /** seconds a sample may be old: the agent's disk queue keeps at most this much (S2, S3, S15). */
  maxAgeS: 7 * 24 * 3600,
  minIntervalS: 1,
  /** routes or visitors in one snapshot; a busy server lists its top ones */
  maxSnapshotEntries: 1000,
  maxIntervalS: 3600,
} as const;

export type Family = keyof typeof FAMILIES;
export const FAMILY_NAMES = Object.keys(FAMILIES) as Family[];
export type FieldOf<F extends Family> = keyof (typeof FAMILIES)[F]['fields'] & string;

const FIELD_LISTS = Object.fromEntries(FAMILY_NAMES.map((f) => [f, Object.freeze(Object.keys(FAMILIES[f].fields))])) as Record<Family, readonly string[]>;

/** A family's fields in their RRD order (one list per family, made once: ingest asks 24,000 times a second). */
export function familyFields(family: Family): readonly string[] {
  return FIELD_LISTS[family];
}

/**
 * Collectors an agent runs, each with its own interval and on/off switch (S2). Most fill one
 * family; `routes`, `top` and `visitors` send snapshots (not time series) in a batch's `x`.
 */
export const COLLECTOR_NAMES = ['cpu', 'load', 'memory', 'fs', 'net', 'disk', 'tcp', 'routes', 'top', 'visitors', 'smart'] as const;
export type CollectorName = (typeof COLLECTOR_NAMES)[number];
