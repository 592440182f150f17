// RRD file layout (pure): which archives a file gets under a retention profile, the data sources
// of each metric family, how files are named, and how many bytes they take on disk. RRD files
// have a fixed size from creation on, so this module is also what capacity planning reads.
import { FAMILIES, familyFields, type Family } from '../../contract/metrics.js';
import { RwError } from '../../contract/errors.js';
import { BASELINE_FAMILIES } from '../../contract/alerting.js';

export type RetentionProfile = 'default' | 'bench';
export type ConsolidationFn = 'AVERAGE' | 'MIN' | 'MAX';

const MINUTE = 60;
const HOUR = 3600;
const DAY = 86_400;

interface Tier {
  /** consolidation interval, seconds */
  seconds: number;
  /** how long the tier keeps data, seconds */
  keepS: number;
  cfs: readonly ConsolidationFn[];
}

interface ProfileDef {
  /** how long the raw (one primary data point per row) archive keeps data, seconds */
  rawKeepS: number;
  tiers: readonly Tier[];
}

const ALL_CFS = ['AVERAGE', 'MIN', 'MAX'] as const;

const PROFILES: Record<RetentionProfile, ProfileDef> = {
  // docs/storage.md: raw data over a day, AVERAGE/MIN/MAX over a week, a month and years.
  default: {
    rawKeepS: DAY,
    tiers: [
      { seconds: MINUTE, keepS: 7 * DAY, cfs: ALL_CFS },
      { seconds: 5 * MINUTE, keepS: 31 * DAY, cfs: ALL_CFS },
      { seconds: HOUR, keepS: 400 * DAY, cfs: ALL_CFS },
    ],
  },
  // Benchmarks with 10,000 agents: small files (~30 KB), so the benchmark measures ingest, not
  // the disk: 10,000 agents' first samples make 120,000 files, and at 110 KB each (raw hour, 1-min
  // day) writing their 13 GB was what the warm-up waited for. Raw data covers the longest
  // benchmark run, which reads its samples back from it.
  bench: {
    rawKeepS: 30 * MINUTE,
    tiers: [{ seconds: MINUTE, keepS: 6 * HOUR, cfs: ['AVERAGE'] }],
  },
};

export const RETENTION_PROFILES = Object.keys(PROFILES) as RetentionProfile[];

/** How far back a profile keeps anything (its longest archive), seconds: the bound of a series read. */
export function retentionSpanS(profile: RetentionProfile): number {
  const def = PROFILES[profile];
  return Math.max(def.rawKeepS, ...def.tiers.map((t) => t.keepS));
}

/** Fraction of a consolidated row's primary data points that may be unknown before the row is. */
const XFF = 0.5;
/** GAUGE heartbeat, in steps: one or two missed samples interpolate, a third leaves a gap. */
export const HEARTBEAT_STEPS = 3;

export interface RraDef {
  cf: ConsolidationFn;
  pdpPerRow: number;
  rows: number;
}

/**
 * Families whose consolidated archives keep AVERAGE only: per-core CPU, disk I/O and TCP states
 * are read for trends and comparisons, while their peaks are visible in the raw day and in the
 * whole-machine families. This keeps a server with them under 64 MB at a 5 s step, so that at
 * least 500 servers fit on a 32 GB card.
 */
const AVERAGE_ONLY_FAMILIES: ReadonlySet<Family> = new Set<Family>(['cpucore', 'disk', 'tcp']);

/**
 * Archives of a file with this step. A tier's consolidation interval is rounded to a whole number
 * of steps (step 7 s → a "1 min" row of 9 steps = 63 s). A tier that rounds to one step per row is
 * the raw archive at a longer retention, so the raw archive absorbs it instead of duplicating it;
 * two tiers that round to the same row width keep the longer retention.
 */
export function archives(step: number, profile: RetentionProfile, family?: Family): RraDef[] {
  assertStep(step);
  const def = PROFILES[profile];
  const light = family !== undefined && AVERAGE_ONLY_FAMILIES.has(family);
  let rawKeepS = def.rawKeepS;
  const byPdp = new Map<number, { keepS: number; cfs: Set<ConsolidationFn> }>();
  for (const tier of def.tiers) {
    const pdp = Math.max(1, Math.round(tier.seconds / step));
    if (pdp === 1) {
      rawKeepS = Math.max(rawKeepS, tier.keepS);
      continue;
    }
    const prev = byPdp.get(pdp);
    if (prev) {
      prev.keepS = Math.max(prev.keepS, tier.keepS);
      for (const cf of tier.cfs) prev.cfs.add(cf);
    } else {
      byPdp.set(pdp, { keepS: tier.keepS, cfs: new Set(tier.cfs) });
    }
  }
  const out: RraDef[] = [{ cf: 'AVERAGE', pdpPerRow: 1, rows: Math.ceil(rawKeepS / step) }];
  for (const [pdp, t] of [...byPdp].sort((a, b) => a[0] - b[0])) {
    const rows = Math.ceil(t.keepS / (pdp * step));
    for (const cf of ALL_CFS) if (t.cfs.has(cf) && (!light || cf === 'AVERAGE')) out.push({ cf, pdpPerRow: pdp, rows });
  }
  return out;
}

/** `rrdtool create` / rrdcached CREATE arguments for the data sources of a family, in contract order. */
export function dsDefs(family: Family, step: number): string[] {
  assertStep(step);
  return familyFields(family).map((f) => `DS:${f}:GAUGE:${HEARTBEAT_STEPS * step}:U:U`);
}

/**
 * @param forecast add the Holt-Winters archives where hasHoltWinters allows them. The store makes
 *   files without them (on every cpu and memory file of every server they cost +7.6 MB a server at
 *   5 s: 500 nominal servers would no longer fit the 32 GB card, rrd-layout.int.test.ts); the
 *   baseline watch adds them to the files a baseline rule covers (baseline-archives.ts, B9).
 */
export function rraDefs(step: number, profile: RetentionProfile, family?: Family, forecast = false): string[] {
  const consolidated = archives(step, profile, family).map((r) => `RRA:${r.cf}:${XFF}:${r.pdpPerRow}:${r.rows}`);
  if (!forecast || family === undefined || !hasHoltWinters(family, profile, step)) return consolidated;
  return [...consolidated, ...holtWintersRraDefs(step, consolidated.length, family)];
}

// ---- Holt-Winters (B9) ------------------------------------------------------------------------

/**
 * The season of the forecast: one day. rrdtool's Holt-Winters runs on every primary data point
 * (one row per step), and each of its five archives holds a season of rows: at a 5 s step a daily
 * season is 17,280 rows per data source and archive (+3.5 MB for a cpu file, +4.1 MB for memory,
 * docs/benchmarks.md); a weekly one would be seven times that (+53 MB a server), so the week is a
 * second, small file at 300 s (weeklyRraDefs below, docs/alerting.md).
 */
export const HW_SEASON_S = DAY;
/**
 * Smoothing as time constants, so that the forecast means the same at any step. The level of CPU
 * follows the series over ~30 min: a spike or a shift stands out for a quarter of an hour and
 * more, and a quiet Saturday afternoon (the daily season expects a weekday) does not drag the
 * level down for the evening after it (with 3 h, the replay's weekend evenings alerted 5 times).
 * Memory's level follows over ~12 h, so that a leak of 1.5 points an hour stands out (the level
 * lags it by slope × τ) while its weekday/weekend swing is small. The trend follows over ~3 days
 * (a leak is not learnt as the usual slope within a day); the seasonal coefficients and
 * deviations are updated once a day per slot with weight 0.1 (about ten days of memory).
 */
const HW_LEVEL_TAU_S: Partial<Record<Family, number>> = { cpu: 30 * MINUTE, memory: 12 * HOUR };
const HW_DEFAULT_LEVEL_TAU_S = 3 * HOUR;
const HW_TREND_TAU_S = 3 * DAY;
const HW_GAMMA = 0.1;
/** rrdtool's FAILURES defaults: 7 violations of its ±2 deviations within 9 steps (the rule's own test is in the appliance) */
const HW_FAILURE_THRESHOLD = 7;
const HW_FAILURE_WINDOW = 9;

/**
 * The finest step whose files carry the forecast. A daily season is a row per step: at 1 s it is
 * 86,400 rows per data source in each of five archives (+17 MB a cpu file, +21 MB memory, three
 * times the file), and making and first writing such files delayed an agent's first samples (and
 * their alerts) by over 15 s on a loaded box; the nominal interval is 5 s.
 */
export const HW_MIN_STEP_S = 5;

/** Files of these families at a step of 5 s or more may carry the Holt-Winters archives (rraDefs' `forecast`); the bench profile's small files do not. */
export function hasHoltWinters(family: Family, profile: RetentionProfile, step: number): boolean {
  return profile === 'default' && step >= HW_MIN_STEP_S && BASELINE_FAMILIES.includes(family);
}

/** Rows of one Holt-Winters archive (a season) at this step. */
export function hwSeasonRows(step: number): number {
  assertStep(step);
  return Math.max(2, Math.round(HW_SEASON_S / step));
}

/** Smoothing weight per step for a time constant: 1 − e^(−step/τ). */
function perStep(step: number, tauS: number): number {
  return Number((1 - Math.exp(-step / tauS)).toPrecision(4));
}

/**
 * HWPREDICT, SEASONAL, DEVSEASONAL, DEVPREDICT and FAILURES, appended after `before` archives
 * (rrdtool's cross references are 1-based archive numbers).
 */
export function holtWintersRraDefs(step: number, before: number, family: Family, seasonS = HW_SEASON_S, smoothingWindow?: number): string[] {
  const levelTauS = HW_LEVEL_TAU_S[family] ?? HW_DEFAULT_LEVEL_TAU_S;
  assertStep(step);
  const rows = Math.max(2, Math.round(seasonS / step));
  const seasonal = before + 2;
  const devSeasonal = before + 3;
  const smoothing = smoothingWindow === undefined ? '' : `:smoothing-window=${smoothingWindow}`;
  return [
    `RRA:HWPREDICT:${rows}:${perStep(step, levelTauS)}:${perStep(step, HW_TREND_TAU_S)}:${rows}:${seasonal}`,
    `RRA:SEASONAL:${rows}:${HW_GAMMA}:${before + 1}${smoothing}`,
    `RRA:DEVSEASONAL:${rows}:${HW_GAMMA}:${before + 1}${smoothing}`,
    `RRA:DEVPREDICT:${rows}:${devSeasonal}`,
    `RRA:FAILURES:${rows}:${HW_FAILURE_THRESHOLD}:${HW_FAILURE_WINDOW}:${devSeasonal}`,
  ];
}

// ---- the weekly season (B9) -------------------------------------------------------------------

/**
 * The week is a second, small file per covered family (`<agent>/<family>.week.rrd`, a name
 * parseRrdFileName does not take, so no series read, quota or retention change sees it): at a
 * 300 s step a week is 2,016 rows, where in the 5 s file it would be 120,960 (+53 MB a server).
 * rrdtool allows one season per HWPREDICT, so the week cannot live in the daily file. It is fed
 * the same updates as the family's file (rrd-store.ts feedWeekly); rrdtool consolidates them into
 * 300 s primary points itself.
 */
export const HW_WEEK_STEP_S = 300;
export const HW_WEEK_SEASON_S = 7 * DAY;
/**
 * rrdtool smooths the seasonal coefficients at the end of each season over a window of 5 % of it
 * by default: 72 min of a day, but 8.4 h of a week, which would flatten a Monday-morning peak of a
 * few hours into the night around it. 1 % of a week is 100 min.
 */
const HW_WEEK_SMOOTHING_WINDOW = 0.01;
/** The weekly file's AVERAGE archive: a week of 300 s rows (what it was fed; the band's memory total). */
const HW_WEEK_AVERAGE_ROWS = HW_WEEK_SEASON_S / HW_WEEK_STEP_S;

/** The weekly file of an agent's family (relative to the RRD directory). */
export function weeklyFileName(agentId: string, family: Family): string {
  if (!isValidAgentId(agentId)) throw new RwError('RW_ERR_BAD_REQUEST', `agent id ${JSON.stringify(agentId)} is not [A-Za-z0-9_-]{1,64}`);
  return `${agentId}/${family}.week.rrd`;
}

/** Archives of a weekly file: AVERAGE over a week, then the five Holt-Winters archives with a weekly season. */
export function weeklyRraDefs(family: Family): string[] {
  return [`RRA:AVERAGE:${XFF}:1:${HW_WEEK_AVERAGE_ROWS}`, ...holtWintersRraDefs(HW_WEEK_STEP_S, 1, family, HW_WEEK_SEASON_S, HW_WEEK_SMOOTHING_WINDOW)];
}

/** Exact size in bytes of a weekly file (cpu: 5 data sources × 6 archives × 2,016 rows). */
export function bytesForWeeklyFile(family: Family): number {
  const ds = familyFields(family).length;
  return headerBytes(ds, 6) + 6 * HW_WEEK_AVERAGE_ROWS * ds * VALUE_BYTES;
}

/** One line for people (health, UI): "raw 1 d; AVERAGE/MIN/MAX 1 min 7 d; …" at this step. */
export function describeRetention(step: number, profile: RetentionProfile): string {
  const parts: string[] = [];
  const rras = archives(step, profile);
  const seen = new Set<number>();
  for (const r of rras) {
    if (seen.has(r.pdpPerRow)) continue;
    seen.add(r.pdpPerRow);
    const cfs = rras.filter((x) => x.pdpPerRow === r.pdpPerRow).map((x) => x.cf).join('/');
    parts.push(`${cfs} ${duration(r.pdpPerRow * step)} for ${duration(r.pdpPerRow * step * r.rows)}`);
  }
  return `${profile} (step ${duration(step)}): ${parts.join('; ')}`;
}

function duration(s: number): string {
  if (s % DAY === 0) return `${s / DAY} d`;
  if (s % HOUR === 0) return `${s / HOUR} h`;
  if (s % MINUTE === 0) return `${s / MINUTE} min`;
  return `${s} s`;
}

// On-disk format of RRD version 3 (rrd_format.h) on an LP64 target (aarch64, x86_64): the header
// is fixed-size structs written back to back, then every archive's rows × data sources doubles.
// On a 32-bit ARM build `unsigned long` is 4 bytes and the header is a little smaller; the data,
// which is nearly all of a file, is the same.
const STAT_HEAD_BYTES = 128;
const DS_DEF_BYTES = 120;
const RRA_DEF_BYTES = 120;
const LIVE_HEAD_BYTES = 16;
const PDP_PREP_BYTES = 112;
const CDP_PREP_BYTES = 80;
const RRA_PTR_BYTES = 8;
const VALUE_BYTES = 8;

export function headerBytes(dsCount: number, rraCount: number): number {
  return STAT_HEAD_BYTES + dsCount * (DS_DEF_BYTES + PDP_PREP_BYTES) + LIVE_HEAD_BYTES
    + rraCount * (RRA_DEF_BYTES + RRA_PTR_BYTES + dsCount * CDP_PREP_BYTES);
}

/** Exact size in bytes of one family's RRD file. */
export function bytesForFile(family: Family, step: number, profile: RetentionProfile, forecast = false): number {
  const ds = familyFields(family).length;
  const rras = archives(step, profile, family);
  const hw = forecast && hasHoltWinters(family, profile, step) ? 5 : 0;
  const rows = rras.reduce((n, r) => n + r.rows, 0) + hw * hwSeasonRows(step);
  return headerBytes(ds, rras.length + hw) + rows * ds * VALUE_BYTES;
}

/**
 * The nominal server that capacity is planned for: one cpu, load, memory and tcp file, two cores,
 * three filesystems (/, /var, /home), two network interfaces and one disk: 13 files. A server
 * with more cores, mount points or interfaces takes proportionally more (at a 5 s step a per-core
 * file is 1.8 MB, a filesystem 4.1 MB). The UI shows the figure as an estimate.
 */
export const NOMINAL_SERVER: Readonly<Partial<Record<Family, number>>> = { cpu: 1, cpucore: 2, load: 1, memory: 1, tcp: 1, fs: 3, net: 2, disk: 1 };

export function bytesPerServer(step: number, profile: RetentionProfile): number {
  let total = 0;
  for (const [family, count] of Object.entries(NOMINAL_SERVER) as [Family, number][]) {
    total += count * bytesForFile(family, step, profile);
  }
  return total;
}

// ---- file naming ------------------------------------------------------------------------------

/** Agent ids become directory names: nothing that could walk out of the RRD directory. */
const AGENT_ID_RE = /^[A-Za-z0-9_-]{1,64}$/;
/** Linux NAME_MAX: one path component. */
const MAX_NAME_BYTES = 255;
const KEY_PLAIN_RE = /^[a-z0-9.-]$/;

export function isValidAgentId(agentId: string): boolean {
  return AGENT_ID_RE.test(agentId);
}

/**
 * Encodes a series key (mount point, interface name) into a file-name fragment: reversible and
 * collision-free (decodeKey is its exact inverse), no spaces, no upper case (safe on
 * case-insensitive filesystems), no ':' (rrdtool graph's separator). '/' becomes '_' because
 * mount points are full of it ("/var/lib" → "_var_lib"); '[a-z0-9.-]' stay; every other byte of
 * the UTF-8 text, '_' and '%' included, becomes %xx.
 */
export function encodeKey(key: string): string {
  let out = '';
  for (const ch of key) {
    if (ch === '/') out += '_';
    else if (KEY_PLAIN_RE.test(ch)) out += ch;
    else for (const b of Buffer.from(ch, 'utf8')) out += '%' + b.toString(16).padStart(2, '0');
  }
  return out;
}

/** Inverse of encodeKey; null for a fragment encodeKey cannot have produced. */
export function decodeKey(encoded: string): string | null {
  const bytes: number[] = [];
  for (let i = 0; i < encoded.length; i++) {
    const ch = encoded.charAt(i);
    if (ch === '_') bytes.push(0x2f);
    else if (ch === '%') {
      const hex = encoded.slice(i + 1, i + 3);
      if (!/^[0-9a-f]{2}$/.test(hex)) return null;
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else if (KEY_PLAIN_RE.test(ch)) bytes.push(ch.charCodeAt(0));
    else return null;
  }
  const text = Buffer.from(bytes).toString('utf8');
  // a lone escaped byte that is not UTF-8, or an escape of a plain char, is not canonical
  return encodeKey(text) === encoded ? text : null;
}

/** Series part of a file name, without the step: `cpu`, `fs-_var_lib`, `net-eth0`. */
export function seriesBaseName(family: Family, key: string | undefined): string {
  return key === undefined ? family : `${family}-${encodeKey(key)}`;
}

/**
 * Path of a file relative to the RRD base directory: `<agentId>/<family>[-<encodedKey>].<step>s.rrd`.
 * The step is part of the name because a file's step is fixed at creation: when an agent's
 * interval changes it gets a new file and the old one keeps its history.
 */
export function rrdFileName(agentId: string, family: Family, key: string | undefined, step: number): string {
  if (!isValidAgentId(agentId)) throw new RwError('RW_ERR_BAD_REQUEST', `agent id ${JSON.stringify(agentId)} is not [A-Za-z0-9_-]{1,64}`);
  if (FAMILIES[family].keyed !== (key !== undefined)) {
    throw new RwError('RW_ERR_BAD_REQUEST', `family ${family} ${FAMILIES[family].keyed ? 'needs' : 'takes no'} key`);
  }
  assertStep(step);
  const name = `${seriesBaseName(family, key)}.${step}s.rrd`;
  if (Buffer.byteLength(name) > MAX_NAME_BYTES) {
    throw new RwError('RW_ERR_BAD_REQUEST', `series key is too long to be a file name (${Buffer.byteLength(name)} bytes > ${MAX_NAME_BYTES})`);
  }
  return `${agentId}/${name}`;
}

export interface ParsedFileName {
  family: Family;
  key: string | undefined;
  step: number;
}

/** Parses the file-name part (no directory) of rrdFileName; null for any other file. */
export function parseRrdFileName(name: string): ParsedFileName | null {
  const m = /^([a-z]+)(?:-([^/]*))?\.([1-9][0-9]*)s\.rrd$/.exec(name);
  if (!m) return null;
  const [, fam, enc, stepText] = m;
  if (fam === undefined || stepText === undefined || !Object.hasOwn(FAMILIES, fam)) return null;
  const family = fam as Family;
  let key: string | undefined;
  if (enc !== undefined) {
    const decoded = decodeKey(enc);
    if (decoded === null) return null;
    key = decoded;
  }
  if (FAMILIES[family].keyed !== (key !== undefined)) return null;
  return { family, key, step: Number(stepText) };
}

function assertStep(step: number): void {
  if (!Number.isInteger(step) || step < 1) throw new RwError('RW_ERR_BAD_REQUEST', `RRD step must be a whole number of seconds ≥ 1, got ${step}`);
}
