// B4, S13: the appliance watches itself. Every few seconds it judges the conditions of its
// built-in self-watch rules (appliance/alerting/rules/self-watch-rules.ts) from what its parts
// already report (rrdcached's supervisor, the data partition, the clock status, the modem driver,
// ingest) and what it is told (a failed SQLite write, the event loop's lag). A condition that
// holds for its rule's hold time raises an alert on the appliance itself through the same engine,
// outbox and modem as any other; it resolves when the condition is gone. Health lists the
// conditions that hold, pending or firing, with their cause.
//
// The faults of fault-monitor.ts (disk full, read-only, I/O errors, rrdcached not answering)
// keep their own critical alerts; the self-watch adds what comes before or beside them.
import type { ModemHealth } from '../../contract/alerts-api.js';
import type { SelfWatchCondition } from '../../contract/api.js';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import {
  DATA_PARTITION_FREE_MIN, DATABASE_WRITE_HOLD_MS, EVENT_LOOP_LAG_MAX_MS, INGEST_BACKLOG_FLOOR, MODEM_CSQ_MIN,
  REMOTE_WRITE_DROP_HOLD_MS, RRDCACHED_RESTART_WINDOW_MS, RRDCACHED_RESTARTS_MAX, SELF_WATCH_RULES, type SelfWatchRuleId,
} from '../alerting/rules/self-watch-rules.js';

/** how often the conditions are judged: a hold time is known to within this */
export const SELF_WATCH_POLL_MS = 5_000;
/**
 * an event loop that lagged keeps its condition this long, so the stalls of one busy spell are one
 * alert (S7): on the loaded test box they came minutes apart for the better part of an hour, and
 * with a minute "event loop lagged" fired 9 times in 45 min of the soak (docs/alerting.md, "How
 * noise was judged")
 */
export const EVENT_LOOP_HOLD_MS = 10 * 60_000;

export interface DataPartitionReading {
  freeBytes: number;
  totalBytes: number;
  /** bytes the RRD files take, and the configured budget for them (none: no budget configured) */
  rrdBytes: number;
  budgetBytes: number | undefined;
}

export interface SelfWatchSources {
  rrdcached: () => { ok: boolean; answering?: boolean; restarts: number };
  /** null when it cannot be read (statfs failed) */
  dataPartition: () => DataPartitionReading | null;
  clockSynchronised: () => { synchronised: boolean | null; source: string };
  modem: () => ModemHealth;
  ingestBacklog: () => number;
  /** the longest the event loop lagged since the last call, ms (event-loop-lag.ts) */
  eventLoopLagMs: () => number;
  /** samples the remote-write queue dropped at its bound since start (S19), the last drop's time and the bound; null: none */
  remoteWriteDrops?: () => RemoteWriteDrops | null;
  /** S13: this appliance and its pair's peer both say primary (PairService.twoPrimariesFinding); null: not so */
  twoPrimaries?: () => { problem: string; detail: string } | null;
}

export interface RemoteWriteDrops {
  samples: number;
  lastAt: number;
  boundBytes: number;
}

/** What the self-watch tells the alert engine (AlertEngine's raiseSelf / clearSelf / openSelf). */
export interface SelfAlertSink {
  raiseSelf(ruleId: SelfWatchRuleId, problem: string, detail: string): void;
  clearSelf(ruleId: SelfWatchRuleId): void;
  openSelf(): SelfWatchRuleId[];
}

interface Finding {
  problem: string;
  detail: string;
}

const MB = 1024 * 1024;
const fmtMb = (bytes: number): string => `${(bytes / MB).toFixed(bytes < 10 * MB ? 1 : 0)} MB`;

export class SelfWatch {
  private readonly since = new Map<SelfWatchRuleId, number>();
  private readonly findings = new Map<SelfWatchRuleId, Finding>();
  private readonly firing = new Set<SelfWatchRuleId>();
  private restartTimes: number[] = [];
  private lastRestarts: number | null = null;
  private lastDbFailure: { at: number; where: string; message: string; count: number } | null = null;
  private lastLag: { at: number; ms: number } | null = null;
  private lastBacklog: number | null = null;
  private backlogFrom: number | null = null;
  private timer: unknown = null;
  private running = false;
  private sink: SelfAlertSink | null = null;

  constructor(private readonly deps: { sources: SelfWatchSources; clock: Clock; logger: Logger; pollMs?: number }) {}

  /**
   * Starts judging, raising alerts through `sink` (the engine, once alerting runs). The alerts a
   * previous run left open stay open while their condition holds or is pending, and resolve at
   * the first judgement that finds it gone.
   */
  start(sink: SelfAlertSink): void {
    this.sink = sink;
    this.running = true;
    for (const id of sink.openSelf()) this.firing.add(id);
    this.tick();
  }

  stop(): void {
    this.running = false;
    if (this.timer !== null) this.deps.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  /** A SQLite write failed for a reason that is not a storage fault (those are the fault monitor's). */
  databaseWriteFailed(where: string, err: unknown): void {
    const count = (this.lastDbFailure?.count ?? 0) + 1;
    this.lastDbFailure = { at: this.deps.clock.now(), where, message: err instanceof Error ? err.message : String(err), count };
  }

  /** The conditions that hold now, for health. */
  conditions(): SelfWatchCondition[] {
    const out: SelfWatchCondition[] = [];
    for (const rule of SELF_WATCH_RULES) {
      const f = this.findings.get(rule.id);
      const since = this.since.get(rule.id);
      if (!f || since === undefined) continue;
      out.push({ rule: rule.id, severity: rule.severity, since, firing: this.firing.has(rule.id), problem: f.problem, detail: f.detail });
    }
    return out;
  }

  /** One judgement of every condition; also run by the timer. */
  tick(): void {
    const now = this.deps.clock.now();
    const found = this.judge(now);
    for (const rule of SELF_WATCH_RULES) {
      const f = found.get(rule.id);
      if (!f) {
        this.since.delete(rule.id);
        this.findings.delete(rule.id);
        if (this.firing.delete(rule.id)) this.deps.logger.info('self-watch: condition gone', { rule: rule.id });
        this.sink?.clearSelf(rule.id);
        continue;
      }
      if (!this.since.has(rule.id)) this.since.set(rule.id, now);
      this.findings.set(rule.id, f);
      if (this.firing.has(rule.id) || now - (this.since.get(rule.id) ?? now) >= rule.holdMs) {
        if (!this.firing.has(rule.id)) this.deps.logger.warn(`self-watch: ${f.problem}`, { rule: rule.id, detail: f.detail });
        this.firing.add(rule.id);
        this.sink?.raiseSelf(rule.id, f.problem, f.detail);
      }
    }
    if (this.running) {
      const t = this.deps.clock.setTimeout(() => this.tick(), this.deps.pollMs ?? SELF_WATCH_POLL_MS);
      t.unref?.();
      this.timer = t;
    }
  }

  private judge(now: number): Map<SelfWatchRuleId, Finding> {
    const out = new Map<SelfWatchRuleId, Finding>();
    const read = <T>(what: string, f: () => T): T | null => {
      try {
        return f();
      } catch (e) {
        this.deps.logger.warn(`self-watch: could not read ${what}`, { err: e });
        return null;
      }
    };
    const s = this.deps.sources;

    const rrd = read('rrdcached', s.rrdcached);
    if (rrd) {
      if (this.lastRestarts !== null && rrd.restarts > this.lastRestarts) {
        for (let i = this.lastRestarts; i < rrd.restarts; i++) this.restartTimes.push(now);
      }
      this.lastRestarts = rrd.restarts;
      this.restartTimes = this.restartTimes.filter((t) => now - t < RRDCACHED_RESTART_WINDOW_MS);
      const n = this.restartTimes.length;
      const windowMin = RRDCACHED_RESTART_WINDOW_MS / 60_000;
      if (n > RRDCACHED_RESTARTS_MAX) {
        out.set('self-rrdcached-restarts', {
          problem: `rrdcached restarted ${n} times in ${windowMin} min`,
          detail: `rrdcached exited and was restarted ${n} times in the last ${windowMin} minutes (more than ${RRDCACHED_RESTARTS_MAX}); its journal keeps what it took, but series reads fail while it is down`,
        });
      }
      // not answering while running is the fault monitor's 'rrdcached not answering'
      if (!rrd.ok && rrd.answering !== false) {
        out.set('self-rrdcached', { problem: 'rrdcached down', detail: 'rrdcached is not running: samples wait unacknowledged in the agents\' queues and series cannot be read' });
      }
    }

    const disk = read('the data partition', s.dataPartition);
    if (disk && disk.totalBytes > 0) {
      const freeFraction = disk.freeBytes / disk.totalBytes;
      const overBudget = disk.budgetBytes !== undefined && disk.rrdBytes > disk.budgetBytes;
      if (freeFraction < DATA_PARTITION_FREE_MIN || overBudget) {
        const usedPct = Math.round((1 - freeFraction) * 100);
        const parts: string[] = [];
        if (freeFraction < DATA_PARTITION_FREE_MIN) parts.push(`data partition ${usedPct}% full (${fmtMb(disk.freeBytes)} free)`);
        if (overBudget) parts.push(`RRD files ${fmtMb(disk.rrdBytes)}, over the ${fmtMb(disk.budgetBytes ?? 0)} budget`);
        out.set('self-data-partition', {
          problem: parts.join(', '),
          detail: `${fmtMb(disk.freeBytes)} of ${fmtMb(disk.totalBytes)} free on the data partition (alert below ${Math.round(DATA_PARTITION_FREE_MIN * 100)}%); RRD files take ${fmtMb(disk.rrdBytes)}${disk.budgetBytes !== undefined ? ` of a ${fmtMb(disk.budgetBytes)} budget` : ''}`,
        });
      }
    }

    const db = this.lastDbFailure;
    if (db && now - db.at < DATABASE_WRITE_HOLD_MS) {
      out.set('self-database-write', {
        problem: `database write failed (${db.where})`,
        detail: `${db.count} SQLite write(s) failed, the last at ${db.where}: ${db.message}`,
      });
    } else if (db) {
      this.lastDbFailure = null;
    }

    const lag = read('the event loop lag', s.eventLoopLagMs);
    if (lag !== null && lag > EVENT_LOOP_LAG_MAX_MS) this.lastLag = { at: now, ms: Math.max(lag, this.lastLag && now - this.lastLag.at < EVENT_LOOP_HOLD_MS ? this.lastLag.ms : 0) };
    if (this.lastLag && now - this.lastLag.at < EVENT_LOOP_HOLD_MS) {
      const secs = (this.lastLag.ms / 1000).toFixed(1);
      out.set('self-event-loop', {
        problem: `event loop lagged ${secs} s`,
        detail: `the appliance's event loop was held ${secs} s (over ${EVENT_LOOP_LAG_MAX_MS / 1000} s): publishes, requests and timers waited meanwhile`,
      });
    } else {
      this.lastLag = null;
    }

    const clock = read('the clock status', s.clockSynchronised);
    if (clock?.synchronised === false) {
      out.set('self-clock', { problem: 'clock not synchronised', detail: `the time service (${clock.source}) says the system clock is not synchronised: alert and sample times may be off` });
    }

    const modem = read('the modem', s.modem);
    const modemProblem = modem ? modemFinding(modem) : null;
    if (modemProblem) out.set('self-modem', modemProblem);

    const n = read('the ingest backlog', s.ingestBacklog);
    if (n !== null) {
      // "growing": above the floor and no smaller than at the last judgement; held for the rule's
      // hold time, that is a backlog that has not drained for minutes
      const before = this.lastBacklog;
      this.lastBacklog = n;
      if (n >= INGEST_BACKLOG_FLOOR && before !== null && n >= before) {
        const from = this.backlogFrom ??= before;
        out.set('self-ingest-backlog', {
          problem: `ingest backlog ${n} publishes and growing`,
          detail: `${n} agent publishes wait for storage (${from} when it began to grow, never below ${INGEST_BACKLOG_FLOOR} since): agents keep their samples in their disk queues meanwhile`,
        });
      } else {
        this.backlogFrom = null;
      }
    }
    const drops = s.remoteWriteDrops ? read('the remote-write queue', s.remoteWriteDrops) : null;
    if (drops && now - drops.lastAt < REMOTE_WRITE_DROP_HOLD_MS) {
      out.set('self-remote-write-dropped', {
        problem: `remote-write queue full: ${drops.samples} samples dropped`,
        detail: `the remote-write queue reached its bound of ${fmtMb(drops.boundBytes)} (the endpoint has not taken its samples): ${drops.samples} of the oldest samples were dropped and will never reach it; the appliance's own store keeps them`,
      });
    }
    const pair = s.twoPrimaries ? read('the pair', s.twoPrimaries) : null;
    if (pair) out.set('self-two-primaries', pair);
    return out;
  }
}

/** Why the modem cannot be counted on to send an SMS, or null; nothing when no modem is configured. */
export function modemFinding(m: ModemHealth): Finding | null {
  if (m.state === 'disabled') return null;
  if (m.state === 'absent') return { problem: 'modem absent', detail: 'the modem\'s serial port is gone or cannot be opened: SMS wait in the outbox' };
  if (m.sim === 'absent' || m.state === 'pin-required' || m.state === 'pin-failed') {
    return { problem: `modem SIM ${m.sim === 'absent' ? 'absent' : 'locked'}`, detail: `the modem's SIM is ${m.sim ?? 'unknown'} (modem ${m.state}): SMS wait in the outbox` };
  }
  if (m.registration === 'not-registered' || m.registration === 'searching' || m.registration === 'denied') {
    return { problem: `modem not registered (${m.registration})`, detail: `the modem is not registered on a network (${m.registration}): SMS wait in the outbox` };
  }
  const csq = m.signal?.csq ?? null;
  if (csq !== null && csq < MODEM_CSQ_MIN) {
    const dbm = m.signal?.dbm;
    return { problem: `modem signal low (CSQ ${csq}${dbm !== null && dbm !== undefined ? `, ${dbm} dBm` : ''})`, detail: `the modem's signal is CSQ ${csq} (below ${MODEM_CSQ_MIN}): an SMS may not get out` };
  }
  return null;
}
