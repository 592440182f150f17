// The alerting engine (S7, S8, S12): the one owner of the evaluator's series states, the open
// alerts (the AlertBook) and the notification policy's state. It wires the pure alerting modules
// (appliance/alerting/rules/ and policy/) to their inputs and outputs:
//
//   ingest (a stored batch) ─► evaluateSamples ─┐
//   timer (silence, every few s; an agent's status change at once) ─► evaluateSilence ─┤
//   timer (about once a minute; AlertAdmin at once after deleting a rule) ─► sweepSeries ─┤
//   the checks store (a recorded run: onCheckRun; a deleted check: checkRemoved) ─► evaluateCheckRun ─┤
//                                               └► applyTransitions (cause from the registry and
//                                                  the agent's last top-process snapshot)
//                                                  ─► repository (alerts + history) ─► live hub
//                                                  ─► decide ─► SMS outbox (muted servers skipped)
//   timer at nextDueAtMs and every 30 s ─► decide (escalations, digests, schedule windows)
//   API or SMS `ACK <id>` (SmsCommandHandler) ─► acknowledge ─► the same path
//
// Evaluation reads the rules, contacts and groups from memory: AlertAdmin writes them through the
// repository, then calls reloadRules / reloadContacts / reloadGroups here. SMS `STATUS` and `MUTE`
// are answered by SmsCommandHandler from the queries below.
//
// Lives outside rules/ and policy/ because those folders are pure (test/layers.test.ts).
// Everything here is synchronous except timers: a batch is evaluated in the ingest call that
// stored it, in microseconds when no rule watches its families.
import type { AgentDetail, AgentSummary } from '../../contract/api.js';
import type { HeldSms, HeldSmsResponse } from '../../contract/alerts-api.js';
import type { Family } from '../../contract/families.js';
import type { MetricsBatch, Snapshot } from '../../contract/metrics.js';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import { acknowledge, applyTransitions, restoreBook, seriesStatesFromAlerts, type AckFailure, type AlertBook, type AlertContext, type AlertEvent } from './rules/alert-lifecycle.js';
import { type Alert } from '../../contract/alerting.js';
import type { AlertRepository } from './alert-repository.js';
import { computeCause, topProcessesFromSnapshot } from './rules/cause.js';
import { filterServers, serverHealth, sortWorstFirst, type ServerFilter } from './rules/group-status.js';
import { type Group, type ServerHealth } from '../../contract/alerting.js';
import { DEFAULT_POLICY_CONFIG, decide, emptyPolicyState, heldByContact, nextDueAtMs, type OutgoingMessage, type PolicyConfig, type PolicyState } from './policy/notification-policy.js';
import { type Contact } from '../../contract/alerting.js';
import {
  applyStateChanges, evaluateSamples, evaluateSeriesObservations, evaluateSilence, sweepSeries,
  seriesKey, type SeriesRef, type SeriesState, type SilenceVerdict, type StateChanges,
} from './rules/rule-evaluator.js';
import { APPLIANCE_AGENT_ID } from '../../contract/alerting.js';
import type { SeriesQuotaRefusal } from '../store/series-quota.js';
import type { RecordedCheckRun } from '../checks/check-runs.js';
import type { CheckState, Perfdatum } from '../../contract/checks.js';
import type { CheckType } from '../../contract/checks-api.js';
import { isCheckMetric, type AlertCause } from '../../contract/alerting.js';
import { evaluateCheckRun, sweepCheckSeries } from './rules/check-rules.js';
import { seriesOf } from './rules/alert-lifecycle.js';
import { selfWatchRule, type SelfWatchRuleId } from './rules/self-watch-rules.js';
import { baselineCause, type BaselinePoint } from './rules/baseline-observations.js';

/** The built-in "rule" of lockout alerts (SEC): no rule row, never evaluated on samples. */
export const LOCKOUT_RULE_ID = 'security-lockout';

/** The built-in "rule" of the appliance's own faults (RES): a full or read-only disk, a hung rrdcached, a damaged database. */
export const FAULT_RULE_ID = 'appliance-fault';
/** The built-in "rule" of series-quota alerts (RES): no rule row, never evaluated on samples. */
export const SERIES_QUOTA_RULE_ID = 'series-quota';
/**
 * The built-in "rule" of another appliance's outage reported by its sentinels (S13, B4): no rule
 * row; the key is the watched appliance's name; open until a sentinel reports its recovery.
 */
export const SENTINEL_ALARM_RULE_ID = 'sentinel-alarm';
/** The built-in "rule" of load-balancer pool skew (B6): no rule row; the pool monitor raises and resolves it. */
export const POOL_SKEW_RULE_ID = 'pool-skew';

/** A pool member flagged long enough (weblog/pools/pool-skew-monitor.ts): the alert is on its server. */
export interface PoolSkewNotice {
  poolId: string;
  pool: string;
  sourceId: string;
  agentId: string;
  reason: string;
}

/** Which pool member an open pool-skew alert is about. */
export type PoolSkewRef = Pick<PoolSkewNotice, 'poolId' | 'sourceId' | 'agentId'>;

/** A lock the accounts feature reports (accounts/attempt-guard.ts). */
export interface LockoutNotice {
  kind: string;
  keys: string[];
  address: string | null;
  /** failures that locked it */
  failures: number;
  untilMs: number;
}
import { DEFAULT_RULE_UPGRADES, DEFAULT_RULES, metricFamily, scopeApplies } from './rules/rule-types.js';
import { type Rule, type Severity } from '../../contract/alerting.js';
import type { LiveHub } from '../live/live-hub.js';
import type { MuteStore } from './mute-store.js';
import { QuietAlerts } from './quiet-alerts.js';
import type { MaintenanceCalendar } from './maintenance/maintenance-calendar.js';
import type { DependencyStore } from './dependencies/dependency-store.js';
import type { SmsOutbox } from './outbox/sms-outbox.js';
import { SilenceGrace } from './silence-grace.js';
import { PendingSilences } from './pending-silences.js';

/** What the engine reads about agents (AgentRegistry). */
export interface AgentDirectory {
  list(): AgentSummary[];
  detail(id: string): AgentDetail | null;
  /** a publish of the agent waits for its acknowledgement (ingest is behind): it is not silent */
  isTalking(id: string): boolean;
}

/**
 * Status changes that arrive within this long of each other are judged together. A pass costs
 * O(agents) and, when agents turn silent or come back, runs the notification policy: with 10,000
 * agents reconnecting after an appliance restart, 50 ms made this a third of the CPU
 * (scripts/bench/ingest.ts profile). A second is nothing against the silence rule's own delay.
 */
const STATUS_COALESCE_MS = 1000;

export interface AlertEngineOptions {
  /** agent-silent check period (default 2 s); a status change (MQTT last will) is checked at once */
  silenceCheckMs?: number;
  /** nobody is silent until this long after start: agents reconnecting after a reboot (default 30 s ≈ 2 keepalives) */
  silenceGraceMs?: number;
  /** stale-series sweep period (default 60 s) */
  sweepMs?: number;
  /** a series with no observation this long is stale (default 10 min) */
  staleAfterMs?: number;
  /** notification policy timer (default 30 s; also at its next due time) */
  policyTickMs?: number;
}

export interface AlertEngineDeps {
  repo: AlertRepository;
  agents: AgentDirectory;
  hub: LiveHub;
  outbox: SmsOutbox;
  /** read only: muted servers get no SMS (AlertAdmin sets and clears mutes) */
  mutes: MuteStore;
  clock: Clock;
  logger: Logger;
  policy?: Partial<PolicyConfig>;
  options?: AlertEngineOptions;
  /**
   * A write of alert state failed (RES: a full or read-only disk): told so the appliance reports
   * the fault; the engine goes on in memory (the alert is still shown and texted).
   */
  onWriteError?: (where: string, err: unknown) => void;
  /** the outbox could not record an SMS (RES: a read-only disk): it is sent from memory instead */
  onUnstoredSms?: (msg: { to: string; text: string }) => void;
  /** B11: alerts firing in a window over their server are kept quiet until it ends */
  maintenance?: MaintenanceCalendar;
  /** B10: alerts firing while a parent of their server is down are suppressed */
  dependencies?: DependencyStore;
  /** B10: a parent check's name, for the alerts it suppresses (null: unknown) */
  checkName?: (checkId: string) => string | null;
}

export type AckResult = { ok: true; alert: Alert } | { ok: false; reason: AckFailure };

/** What the SMS `STATUS` command answers. */
export interface StatusSummary {
  servers: number;
  offline: number;
  firing: Partial<Record<Severity, number>>;
  acknowledged: number;
}

interface AgentFacts {
  hostname: string;
  cpuCores: number | null;
}

/** A check's last run on one server, for the cause of its alerts (S5). */
interface CheckFacts {
  name: string;
  type: CheckType;
  hostname: string;
  state: CheckState;
  output: string;
  perfdata: readonly Perfdatum[];
}

const checkFactsKey = (checkId: string, agentId: string): string => `${checkId}\u0000${agentId}`;

/** The server an alert on a check is about: the agent that ran it, the agent a probe watches, else the appliance. */
function checkAlertAgent(run: RecordedCheckRun): string {
  return run.agentId ?? (run.definition as { agentId?: string }).agentId ?? APPLIANCE_AGENT_ID;
}

/** A probe's target ("10.0.0.5", "shop.example.com"), which names the server of a probe that watches no agent. */
function probeTarget(run: RecordedCheckRun): string | null {
  const d = run.definition as { host?: string; url?: string };
  if (d.host !== undefined) return d.host;
  if (d.url !== undefined) {
    try {
      return new URL(d.url).hostname;
    } catch {
      return null;
    }
  }
  return null;
}

type TimerHandle = unknown;

export class AlertEngine {
  private readonly policyConfig: PolicyConfig;
  private readonly o: Required<AlertEngineOptions>;
  private running = false;
  /** S7: when nobody turns silent (the start, the appliance's own storage faults) */
  private readonly silenceGrace: SilenceGrace;
  private ruleList: Rule[] = [];
  private rulesById = new Map<string, Rule>();
  /** family → enabled sample rules reading it: the per-batch hot path looks only here */
  private rulesByFamily = new Map<Family, Rule[]>();
  private silentRules: Rule[] = [];
  /** enabled rules on checks (S5): fed recorded runs */
  private checkRules: Rule[] = [];
  /** the series of rules on checks, apart from the samples' (never stale: check-rules.ts) */
  private checkStates = new Map<string, SeriesState>();
  private readonly checkFacts = new Map<string, CheckFacts>();
  private contactList: Contact[] = [];
  private groupList: Group[] = [];
  private groupsOf = new Map<string, string[]>();
  /** B9: the last judged step of each baseline series, for the cause (observed against the band) */
  private readonly baselineLast = new Map<string, BaselinePoint>();
  private readonly groupListeners = new Set<() => void>();
  private states = new Map<string, SeriesState>();
  private book: AlertBook = { nextId: 1, open: new Map() };
  private policyState: PolicyState = emptyPolicyState();
  private readonly facts = new Map<string, AgentFacts>();
  private readonly lastTop = new Map<string, NonNullable<Snapshot['top']>>();
  /** the locks of the open lockout alerts (SEC), by series */
  private readonly lockouts = new Map<string, LockoutNotice>();
  /** the open fault alerts (RES), by series: what is wrong */
  private readonly faults = new Map<string, { cause: string; detail: string }>();
  /** the refusals of the open series-quota alerts (RES), by series */
  private readonly quotaRefusals = new Map<string, SeriesQuotaRefusal>();
  /** the open pool-skew alerts (B6), by series: the pool, the member and why */
  private readonly poolSkews = new Map<string, PoolSkewNotice>();
  private readonly timers = new Map<string, TimerHandle>();
  private unsubscribeHub: (() => void) | null = null;
  private readonly quiet: QuietAlerts;
  /** S7: agent-silent alerts pending their rule's duration, not stored or streamed until they fire */
  private readonly pendingSilences = new PendingSilences();

  constructor(private readonly deps: AlertEngineDeps) {
    this.policyConfig = { ...DEFAULT_POLICY_CONFIG, ...deps.policy };
    this.o = {
      silenceCheckMs: 2_000,
      silenceGraceMs: 30_000,
      sweepMs: 60_000,
      staleAfterMs: 10 * 60_000,
      policyTickMs: 30_000,
      ...deps.options,
    };
    this.silenceGrace = new SilenceGrace(this.o.silenceGraceMs);
    this.quiet = new QuietAlerts({
      maintenance: deps.maintenance ?? null,
      dependencies: deps.dependencies ?? null,
      groupsOf: (agentId) => this.groupsOf.get(agentId) ?? [],
      parentName: (id) => deps.checkName?.(id) ?? this.hostnameOf(id),
      alwaysTexted: new Set([FAULT_RULE_ID, LOCKOUT_RULE_ID, SENTINEL_ALARM_RULE_ID]),
    });
  }

  /** Seeds the default rules (once ever), restores open alerts and policy state, starts the timers. */
  start(): void {
    if (this.running) return;
    const { repo, clock } = this.deps;
    const now = clock.now();
    this.silenceGrace.started(now);
    const seeded = repo.seedDefaultRules(DEFAULT_RULES, now);
    if (seeded > 0) this.deps.logger.info('seeded the default alert rules', { count: seeded });
    // S7: a default changed since this installation was seeded ("Agent silent" waits a minute)
    // reaches it where the operator never edited that rule
    const upgraded = repo.upgradeDefaultRules(DEFAULT_RULES, DEFAULT_RULE_UPGRADES, now);
    if (upgraded.length > 0) this.deps.logger.info('default alert rules brought to this version (never edited here)', { rules: upgraded });
    this.reloadRules();
    this.reloadContacts();
    this.reloadGroups();
    const open = repo.openAlerts();
    this.book = restoreBook(open, repo.highestAlertId());
    this.states = seriesStatesFromAlerts(open, now);
    // the series of rules on checks live in their own map (no staleness, no agent removal)
    this.checkStates = new Map();
    for (const alert of open) {
      if (!isCheckMetric(alert.metric)) continue;
      const key = seriesKey(seriesOf(alert));
      const state = this.states.get(key);
      if (state) this.checkStates.set(key, state);
      this.states.delete(key);
    }
    // a fault alert (RES) is no rule's series: the fault monitor resolves it, never the sweep
    // nor is a self-watch alert (B4): the self-watch resolves it when its condition is gone;
    // nor a pool-skew alert (B6): the pool monitor resolves it when the member is back in line
    for (const [key, state] of this.states) {
      const ruleId = state.series.ruleId;
      if (ruleId === FAULT_RULE_ID || ruleId === POOL_SKEW_RULE_ID || ruleId === SENTINEL_ALARM_RULE_ID || selfWatchRule(ruleId)) this.states.delete(key);
    }
    this.policyState = repo.loadPolicyState() ?? emptyPolicyState();
    this.quiet.restore(open);
    this.running = true;
    this.unsubscribeHub = this.deps.hub.subscribe((event) => {
      if (event.name === 'agent') this.facts.delete(event.agentId);
      // an agent went offline (its last will) or came back: judge silence soon, not at the next
      // tick; a storm of status changes (10,000 agents reconnecting after a network outage) is
      // judged in one pass per STATUS_COALESCE_MS rather than a pass over every agent per change
      else if (event.name === 'status') {
        // S7: agents still coming back after a start or a storage fault stretch the grace
        if ((event.data as { status?: string } | null)?.status === 'online') this.silenceGrace.reconnected(this.deps.clock.now());
        if (!this.timers.has('silence-now')) this.schedule('silence-now', STATUS_COALESCE_MS, () => this.silenceTick());
        // an offline agent's pending alerts cannot complete their "for" time: cancelled now, not
        // after the 10 minutes that make a series stale (sweepSeries)
        if (!this.timers.has('sweep-now')) this.schedule('sweep-now', STATUS_COALESCE_MS, () => this.sweep());
      }
    });
    this.every('silence', this.o.silenceCheckMs, () => this.silenceTick());
    this.every('sweep', this.o.sweepMs, () => this.sweep());
    this.every('policy', this.o.policyTickMs, () => {
      this.releaseQuiet();
      this.notify([]);
    });
    this.scheduleDue();
    this.deps.logger.info('alerting started', { rules: this.ruleList.length, contacts: this.contactList.length, openAlerts: open.length });
  }

  /**
   * S7: the appliance itself keeps agents away (`reason`: it is starting and its broker does not
   * listen yet; its storage refuses writes, so the broker closes their connections): nobody turns
   * silent until `releaseSilence(reason)` and the grace after it (`--silence-grace`). An agent
   * already silent stays silent; a real silence that began meanwhile is texted after the grace.
   */
  holdSilence(reason: string): void {
    if (!this.running) return;
    this.silenceGrace.hold(reason, this.deps.clock.now());
  }

  releaseSilence(reason: string): void {
    if (!this.running) return;
    this.silenceGrace.release(reason, this.deps.clock.now());
  }

  /** Stops the timers and the hub subscription; later batches are ignored. State is already in SQLite. */
  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.unsubscribeHub?.();
    this.unsubscribeHub = null;
    for (const handle of this.timers.values()) this.deps.clock.clearTimeout(handle);
    this.timers.clear();
    this.pendingSilences.clear();
  }

  // --- inputs ------------------------------------------------------------------------------------

  /** Ingest's hook, after a batch is stored: evaluates the rules that read its families. */
  onBatch(agentId: string, batch: MetricsBatch): void {
    if (!this.running) return;
    if (batch.x?.top) this.lastTop.set(agentId, batch.x.top);
    if (batch.s.length === 0) return;
    let rules: Rule[] | null = null;
    let seen: Family | null = null;
    for (const sample of batch.s) {
      if (sample.f === seen) continue;
      seen = sample.f;
      const forFamily = this.rulesByFamily.get(sample.f);
      if (!forFamily) continue;
      rules ??= [];
      for (const r of forFamily) if (!rules.includes(r)) rules.push(r);
    }
    if (rules === null) return;
    const changes = evaluateSamples({
      rules,
      states: this.states,
      agentId,
      agentGroupIds: this.groupsOf.get(agentId) ?? [],
      samples: batch.s,
      context: { cpuCores: this.factsOf(agentId).cpuCores },
      nowMs: this.deps.clock.now(),
    });
    this.apply(changes);
  }

  /**
   * B9: the (rule, agent) pairs the enabled baseline rules cover, for baseline-watch.ts, which
   * reads their Holt-Winters rows and hands the judged steps to onBaselinePoints.
   */
  baselineTargets(): { rule: Rule; agentId: string }[] {
    const rules = this.ruleList.filter((r) => r.enabled && r.metric.kind === 'baseline');
    if (rules.length === 0) return [];
    const out: { rule: Rule; agentId: string }[] = [];
    for (const agent of this.deps.agents.list()) {
      for (const rule of rules) if (scopeApplies(rule.scope, agent.id, this.groupsOf.get(agent.id) ?? [])) out.push({ rule, agentId: agent.id });
    }
    return out;
  }

  /**
   * B9: steps of a baseline series judged from the archives (observed against the forecast, in
   * deviations), evaluated like samples: the rule's for-time, grades and hysteresis, and from
   * there the same alerts, SMS and escalation as any rule.
   */
  onBaselinePoints(ruleId: string, agentId: string, points: readonly BaselinePoint[]): void {
    if (!this.running || points.length === 0) return;
    const rule = this.rulesById.get(ruleId);
    if (!rule || rule.metric.kind !== 'baseline') return;
    const series: SeriesRef = { ruleId, agentId };
    const last = [...points].sort((a, b) => a.tMs - b.tMs).at(-1);
    if (last) this.baselineLast.set(seriesKey(series), last);
    this.apply(evaluateSeriesObservations(rule, this.states, series, points, this.deps.clock.now()));
  }

  /**
   * The checks store's listener (CheckRunListener, S5): a recorded run of an agent's check or of
   * a probe, evaluated against the rules on checks. A run that is OK again resolves its alerts.
   */
  onCheckRun(run: RecordedCheckRun): void {
    if (!this.running) return;
    const agentId = checkAlertAgent(run);
    const hostname = run.hostname ?? (agentId !== APPLIANCE_AGENT_ID ? this.hostnameOf(agentId) : null) ?? probeTarget(run) ?? 'rackwatch';
    this.checkFacts.set(checkFactsKey(run.checkId, agentId), {
      name: run.name, type: run.type, hostname, state: run.result.state, output: run.result.output, perfdata: run.result.perfdata ?? [],
    });
    if (this.checkRules.length === 0) return;
    const changes = evaluateCheckRun({
      rules: this.checkRules,
      states: this.checkStates,
      run: { checkId: run.checkId, agentId, state: run.result.state, perfdata: run.result.perfdata ?? [], tMs: run.result.t * 1000 },
      agentGroupIds: this.groupsOf.get(agentId) ?? [],
      nowMs: this.deps.clock.now(),
    });
    this.applyToChecks(changes);
  }

  /** A check was deleted (S5): its open alerts resolve as 'check-removed' now. */
  checkRemoved(checkId: string): void {
    if (!this.running) return;
    for (const key of this.checkFacts.keys()) if (key.startsWith(`${checkId}\u0000`)) this.checkFacts.delete(key);
    this.applyToChecks(sweepCheckSeries({
      rules: this.ruleList, states: this.checkStates, groupsOf: this.groupsOf, nowMs: this.deps.clock.now(), removedCheckIds: new Set([checkId]),
    }));
  }

  /** From the API or an SMS `ACK`: the alert stops escalating, and those told about it hear so. */
  acknowledge(alertId: number, by: string): AckResult {
    const out = acknowledge(this.book, alertId, by, this.deps.clock.now());
    if (!out.ok) return out;
    this.book = out.book;
    this.afterEvents([out.event]);
    return { ok: true, alert: out.event.alert };
  }

  /**
   * SEC: repeated failures locked an address or account (sign-in, the enrollment token, agents'
   * MQTT secrets): an info alert on the appliance itself, told to contacts who take info alerts,
   * resolved when the lock ends. A lock of a key whose alert is still open only moves its end.
   * Locks live in memory: after a restart the open alert is resolved by the sweep.
   */
  raiseLockout(lock: LockoutNotice): void {
    if (!this.running) return;
    const series: SeriesRef = { ruleId: LOCKOUT_RULE_ID, agentId: APPLIANCE_AGENT_ID, key: `${lock.kind} ${lock.keys.join(' ')}` };
    const id = seriesKey(series);
    this.lockouts.set(id, lock);
    this.fireUntil(series, lock.failures, lock.untilMs, () => this.lockouts.delete(id));
  }

  /**
   * An info alert on the agent whose samples were refused for its quota of RRD files (RES,
   * store/series-quota.ts); it resolves at `untilMs` unless raised again before (a refusal is
   * reported at most once an hour while the agent keeps going over).
   */
  raiseSeriesQuota(refusal: SeriesQuotaRefusal & { untilMs: number }): void {
    if (!this.running) return;
    const series: SeriesRef = { ruleId: SERIES_QUOTA_RULE_ID, agentId: refusal.agentId, key: 'rrd-files' };
    const id = seriesKey(series);
    this.quotaRefusals.set(id, refusal);
    this.fireUntil(series, refusal.files, refusal.untilMs, () => this.quotaRefusals.delete(id));
  }

  /** Fires an info alert of an appliance event (no rule row) unless open, and resolves it at `untilMs`. */
  private fireUntil(series: SeriesRef, value: number, untilMs: number, onEnd: () => void): void {
    const now = this.deps.clock.now();
    const id = seriesKey(series);
    if (!this.book.open.has(id)) {
      const { book, events } = applyTransitions(this.book, [{
        kind: 'fired', series, atMs: now, sampleTMs: null, value, severity: 'info', threshold: value,
      }], (s) => this.contextOf(s));
      this.book = book;
      this.afterEvents(events);
    }
    this.schedule(`event ${id}`, Math.max(0, untilMs - now), () => {
      onEnd();
      this.resolveRecovered(series);
    });
  }

  /**
   * RES: the appliance cannot store or serve what it should (the health report's cause): a
   * critical alert on the appliance itself, one per cause, open until `clearFault`. Texted to the
   * contacts who take critical alerts like any other; the outbox can record it on a full disk
   * because the fault monitor releases its reserve file first (docs/storage.md).
   */
  raiseFault(cause: string, detail: string): void {
    if (!this.running) return;
    const series: SeriesRef = { ruleId: FAULT_RULE_ID, agentId: APPLIANCE_AGENT_ID, key: cause };
    const id = seriesKey(series);
    this.faults.set(id, { cause, detail });
    if (this.book.open.has(id)) return;
    const { book, events } = applyTransitions(this.book, [{
      kind: 'fired', series, atMs: this.deps.clock.now(), sampleTMs: null, value: 1, severity: 'critical', threshold: 1,
    }], (s) => this.contextOf(s));
    this.book = book;
    this.afterEvents(events);
  }

  /**
   * S13, B4: sentinels report that another appliance does not answer (appliance/sentinel/peer-alarms.ts):
   * a critical alert on this appliance, one per watched appliance, texted to the contacts who take
   * critical alerts through this appliance's own outbox. Raised again while open, nothing new is sent.
   */
  raiseSentinelAlarm(appliance: string, problem: string, detail: string): boolean {
    if (!this.running) return false;
    const series: SeriesRef = { ruleId: SENTINEL_ALARM_RULE_ID, agentId: APPLIANCE_AGENT_ID, key: appliance };
    const id = seriesKey(series);
    this.faults.set(id, { cause: problem, detail });
    if (this.book.open.has(id)) return false;
    const { book, events } = applyTransitions(this.book, [{
      kind: 'fired', series, atMs: this.deps.clock.now(), sampleTMs: null, value: 1, severity: 'critical', threshold: 1,
    }], (s) => this.contextOf(s));
    this.book = book;
    this.afterEvents(events);
    return true;
  }

  /** S13, B4: a sentinel reports the watched appliance answers again: its alert resolves (and the recovery is texted). */
  clearSentinelAlarm(appliance: string): void {
    if (!this.running) return;
    const series: SeriesRef = { ruleId: SENTINEL_ALARM_RULE_ID, agentId: APPLIANCE_AGENT_ID, key: appliance };
    this.resolveRecovered(series);
    this.faults.delete(seriesKey(series));
  }

  /** The causes of the open fault alerts (RES), restored ones included: the appliance resolves those that are gone. */
  openFaults(): string[] {
    const out: string[] = [];
    for (const a of this.book.open.values()) if (a.ruleId === FAULT_RULE_ID && a.agentId === APPLIANCE_AGENT_ID && a.key !== undefined) out.push(a.key);
    return out;
  }

  /** RES: the fault is gone (space freed, rrdcached answers again): its alert resolves. */
  clearFault(cause: string): void {
    if (!this.running) return;
    const series: SeriesRef = { ruleId: FAULT_RULE_ID, agentId: APPLIANCE_AGENT_ID, key: cause };
    this.resolveRecovered(series);
    this.faults.delete(seriesKey(series));
  }

  /**
   * B4: a self-watch condition held for its rule's hold time (appliance/health/self-watch.ts): an
   * alert of that built-in rule on the appliance itself, at the rule's severity, open until
   * `clearSelf`. `problem` is the short text of the SMS ("rrdcached restarted 4 times in 10 min"),
   * `detail` the sentence the UI shows.
   */
  raiseSelf(ruleId: SelfWatchRuleId, problem: string, detail: string): void {
    if (!this.running) return;
    const rule = selfWatchRule(ruleId);
    if (!rule) return;
    const series: SeriesRef = { ruleId, agentId: APPLIANCE_AGENT_ID };
    const id = seriesKey(series);
    this.faults.set(id, { cause: problem, detail });
    if (this.book.open.has(id)) return;
    const { book, events } = applyTransitions(this.book, [{
      kind: 'fired', series, atMs: this.deps.clock.now(), sampleTMs: null, value: 1, severity: rule.severity, threshold: 1,
    }], (s) => this.contextOf(s));
    this.book = book;
    this.afterEvents(events);
  }

  /** B4: the self-watch condition is gone: its alert (restored ones too) resolves. */
  clearSelf(ruleId: SelfWatchRuleId): void {
    if (!this.running) return;
    const series: SeriesRef = { ruleId, agentId: APPLIANCE_AGENT_ID };
    this.resolveRecovered(series);
    this.faults.delete(seriesKey(series));
  }

  /** B4: the self-watch rules with an open alert (restored ones included). */
  openSelf(): SelfWatchRuleId[] {
    const out: SelfWatchRuleId[] = [];
    for (const a of this.book.open.values()) {
      const rule = a.agentId === APPLIANCE_AGENT_ID ? selfWatchRule(a.ruleId) : undefined;
      if (rule) out.push(rule.id);
    }
    return out;
  }

  /**
   * B6: a member of a load-balancer pool has been out of line for the pool's skewMinutes: a
   * warning on the member's server naming the pool and why; raised again while open, it only
   * takes the new reason. It stays open until `clearPoolSkew`.
   */
  raisePoolSkew(notice: PoolSkewNotice): void {
    if (!this.running) return;
    const series = poolSkewSeries(notice);
    const id = seriesKey(series);
    this.poolSkews.set(id, notice);
    if (this.book.open.has(id)) return;
    const { book, events } = applyTransitions(this.book, [{
      kind: 'fired', series, atMs: this.deps.clock.now(), sampleTMs: null, value: 1, severity: 'warning', threshold: 1,
    }], (s) => this.contextOf(s));
    this.book = book;
    this.afterEvents(events);
  }

  /** B6: the member is back in line, or gone from its pool: its skew alert resolves (if open). */
  clearPoolSkew(ref: PoolSkewRef): void {
    if (!this.running) return;
    const series = poolSkewSeries(ref);
    this.resolveRecovered(series);
    this.poolSkews.delete(seriesKey(series));
  }

  /** The members of the open pool-skew alerts, restored ones included: the pool monitor resolves those back in line. */
  openPoolSkews(): PoolSkewRef[] {
    const out: PoolSkewRef[] = [];
    for (const a of this.book.open.values()) {
      if (a.ruleId !== POOL_SKEW_RULE_ID || a.key === undefined) continue;
      const slash = a.key.indexOf('/');
      out.push({ poolId: a.key.slice(0, slash), sourceId: a.key.slice(slash + 1), agentId: a.agentId });
    }
    return out;
  }

  /** An appliance alert (a lockout, a fault, a quota refusal) whose condition ended: resolved as 'recovered' if open. */
  private resolveRecovered(series: SeriesRef): void {
    const open = this.book.open.get(seriesKey(series));
    if (!open) return;
    const { book, events } = applyTransitions(this.book, [{
      kind: 'resolved', series, atMs: this.deps.clock.now(), sampleTMs: null, value: null, from: open.severity, reason: 'recovered', threshold: null,
    }], (s) => this.contextOf(s));
    this.book = book;
    this.afterEvents(events);
  }

  /**
   * The stale-series sweep, also run by its timer: series of a deleted or disabled rule resolve as
   * 'rule-withdrawn', those of a removed agent as 'agent-removed', stale ones as 'no-data'.
   */
  sweep(): void {
    if (!this.running) return;
    const agents = this.deps.agents.list();
    const changes = sweepSeries({
      rules: this.ruleList,
      states: this.states,
      nowMs: this.deps.clock.now(),
      staleAfterMs: this.o.staleAfterMs,
      onlineAgentIds: new Set(agents.filter((a) => a.status === 'online').map((a) => a.id)),
      groupsOf: this.groupsOf,
      knownAgentIds: new Set(agents.map((a) => a.id)),
      offlineAgentIds: new Set(agents.filter((a) => a.status === 'offline').map((a) => a.id)),
    });
    this.apply(changes);
    // B9: the last judged step is kept for the cause of a series that is not quiet, no longer
    for (const key of [...this.baselineLast.keys()]) if (!this.states.has(key)) this.baselineLast.delete(key);
    this.applyToChecks(sweepCheckSeries({ rules: this.ruleList, states: this.checkStates, groupsOf: this.groupsOf, nowMs: this.deps.clock.now() }));
  }

  // --- reloads after an admin write (AlertAdmin) -------------------------------------------------

  reloadRules(): void {
    this.ruleList = this.deps.repo.listRules();
    this.rulesById = new Map(this.ruleList.map((r) => [r.id, r]));
    const byFamily = new Map<Family, Rule[]>();
    const silent: Rule[] = [];
    const checks: Rule[] = [];
    for (const rule of this.ruleList) {
      if (!rule.enabled) continue;
      if (isCheckMetric(rule.metric)) {
        checks.push(rule);
        continue;
      }
      const family = metricFamily(rule.metric);
      if (family === null) {
        silent.push(rule);
        continue;
      }
      const list = byFamily.get(family) ?? [];
      list.push(rule);
      byFamily.set(family, list);
    }
    this.rulesByFamily = byFamily;
    this.silentRules = silent;
    this.checkRules = checks;
  }

  reloadContacts(): void {
    this.contactList = this.deps.repo.listContacts();
  }

  reloadGroups(): void {
    this.groupList = this.deps.repo.listGroups();
    this.groupsOf = this.deps.repo.groupsByAgent();
    // B10: a group's dependencies reach its new members
    this.deps.dependencies?.invalidate();
    for (const l of this.groupListeners) l();
  }

  /** Told after every reload of the groups (a group saved or removed, its members changed): a group's service checks follow its members (S5). */
  onGroupsChanged(listener: () => void): () => void {
    this.groupListeners.add(listener);
    return () => this.groupListeners.delete(listener);
  }

  // --- queries -----------------------------------------------------------------------------------

  /** The open alerts, newest first; a silence still within its rule's duration is none yet (S7). */
  openAlerts(): Alert[] {
    return [...this.book.open.values()].filter((a) => !this.pendingSilences.holds(a.id)).sort((a, b) => b.id - a.id);
  }

  servers(filter: ServerFilter = {}): ServerHealth[] {
    return sortWorstFirst(filterServers(serverHealth(this.deps.agents.list(), this.openAlerts()), filter));
  }

  statusSummary(): StatusSummary {
    const agents = this.deps.agents.list();
    const firing: Partial<Record<Severity, number>> = {};
    let acknowledged = 0;
    for (const a of this.book.open.values()) {
      if (a.state === 'firing') firing[a.severity] = (firing[a.severity] ?? 0) + 1;
      else if (a.state === 'acknowledged') acknowledged++;
    }
    return { servers: agents.length, offline: agents.filter((a) => a.status === 'offline').length, firing, acknowledged };
  }

  /** The rules as evaluation sees them (as last loaded from the repository). */
  rules(): readonly Rule[] {
    return this.ruleList;
  }

  rule(id: string): Rule | null {
    return this.rulesById.get(id) ?? null;
  }

  /** The contacts the notification policy texts (as last loaded from the repository). */
  contacts(): readonly Contact[] {
    return this.contactList;
  }

  /** The server groups rules are scoped to (as last loaded from the repository). */
  groups(): readonly Group[] {
    return this.groupList;
  }

  /** The agent's host name (its id when unknown), cached until the agent's listing changes. */
  hostnameOf(agentId: string): string {
    return this.factsOf(agentId).hostname;
  }

  /** SMS the rate limit holds back (S12), oldest first per contact: they reach no outbox until their digest goes. */
  heldSms(): HeldSmsResponse {
    const byContact = heldByContact(this.policyState, this.policyConfig);
    const contacts = new Map(this.contactList.map((c) => [c.id, c]));
    const messages = byContact.flatMap(({ contactId, held, digestAtMs }) => held.map((h): HeldSms => ({
      contactId, contactName: contacts.get(contactId)?.name ?? null, to: contacts.get(contactId)?.phone ?? null,
      kind: h.kind, alertId: h.alert.id, ruleName: h.alert.ruleName, agentName: h.alert.agentName, severity: h.alert.severity,
      heldAt: h.atMs, digestAt: digestAtMs,
    })));
    return { contacts: byContact.length, messages };
  }

  /** The time zone of SMS times and schedule windows. */
  get timeZone(): PolicyConfig['timeZone'] {
    return this.policyConfig.timeZone;
  }

  // --- internals ---------------------------------------------------------------------------------

  private factsOf(agentId: string): AgentFacts {
    let f = this.facts.get(agentId);
    if (!f) {
      const detail = this.deps.agents.detail(agentId);
      f = { hostname: detail?.hostname ?? agentId, cpuCores: detail?.inventory?.cpu.cores ?? null };
      this.facts.set(agentId, f);
    }
    return f;
  }

  private contextOf(series: SeriesRef, verdicts?: ReadonlyMap<string, SilenceVerdict>): AlertContext {
    if (series.ruleId === LOCKOUT_RULE_ID) {
      const lock = this.lockouts.get(seriesKey(series));
      return {
        rule: { name: 'Sign-in locked after repeated failures', metric: { kind: 'lockout' }, comparison: '>=' },
        agentName: 'rackwatch',
        cause: lock ? { lockout: { kind: lock.kind, keys: lock.keys, address: lock.address, untilMs: lock.untilMs } } : {},
      };
    }
    if (series.ruleId === FAULT_RULE_ID) {
      const fault = this.faults.get(seriesKey(series)) ?? { cause: series.key ?? 'fault', detail: series.key ?? 'fault' };
      return { rule: { name: 'The appliance is degraded', metric: { kind: 'fault' }, comparison: '>=' }, agentName: 'rackwatch', cause: { fault } };
    }
    if (series.ruleId === SENTINEL_ALARM_RULE_ID) {
      const fault = this.faults.get(seriesKey(series)) ?? { cause: `appliance ${series.key ?? ''} not answering`, detail: series.key ?? '' };
      return { rule: { name: 'A watched appliance does not answer', metric: { kind: 'fault' }, comparison: '>=' }, agentName: 'rackwatch', cause: { fault } };
    }
    const self = selfWatchRule(series.ruleId);
    if (self) {
      const fault = this.faults.get(seriesKey(series)) ?? { cause: self.name, detail: self.name };
      return { rule: { name: self.name, metric: { kind: 'fault' }, comparison: '>=' }, agentName: 'rackwatch', cause: { fault } };
    }
    if (series.ruleId === SERIES_QUOTA_RULE_ID) {
      const refusal = this.quotaRefusals.get(seriesKey(series));
      return {
        rule: { name: 'Samples refused: quota of RRD files reached', metric: { kind: 'series_quota' }, comparison: '>=' },
        agentName: this.deps.agents.detail(series.agentId)?.hostname ?? series.agentId,
        cause: refusal ? { seriesQuota: { maxFiles: refusal.maxFiles, files: refusal.files, example: refusal.example } } : {},
      };
    }
    if (series.ruleId === POOL_SKEW_RULE_ID) {
      const skew = this.poolSkews.get(seriesKey(series));
      return {
        rule: { name: 'Load-balancer pool skew', metric: { kind: 'pool_skew' }, comparison: '>=' },
        agentName: this.deps.agents.detail(series.agentId)?.hostname ?? series.agentId,
        cause: skew ? { poolSkew: { poolId: skew.poolId, pool: skew.pool, sourceId: skew.sourceId, reason: skew.reason } } : {},
      };
    }
    const rule = this.rulesById.get(series.ruleId);
    if (rule && isCheckMetric(rule.metric)) return { rule, agentName: this.checkFacts.get(checkFactsKey(series.key ?? '', series.agentId))?.hostname ?? series.agentId, cause: this.checkCause(rule, series) };
    const detail = this.deps.agents.detail(series.agentId);
    const top = this.lastTop.get(series.agentId);
    const cause = computeCause(detail?.latest ?? [], topProcessesFromSnapshot(top), verdicts?.get(series.agentId));
    // B9: observed against the band of the grade the series is at (the SMS says "usual 3-12%")
    if (rule?.metric.kind === 'baseline') {
      const point = this.baselineLast.get(seriesKey(series));
      const severity = this.states.get(seriesKey(series))?.severity;
      if (point && severity) cause.baseline = baselineCause(rule, severity, point);
    }
    return {
      rule: rule ?? { name: series.ruleId, metric: { kind: 'agent_silent', missedIntervals: 1 }, comparison: '>=' },
      agentName: detail?.hostname ?? series.agentId,
      cause,
    };
  }

  /** The cause of an alert on a check: the check and its last run (the output line says what failed). */
  private checkCause(rule: Rule, series: SeriesRef): AlertCause {
    const checkId = series.key ?? '';
    const facts = this.checkFacts.get(checkFactsKey(checkId, series.agentId));
    if (!facts) return {};
    const unit = rule.metric.kind === 'check_perf' ? facts.perfdata.find((p) => rule.metric.kind === 'check_perf' && p.label === rule.metric.label)?.unit : undefined;
    return { check: { checkId, name: facts.name, type: facts.type, state: facts.state, output: facts.output, ...(unit !== undefined ? { unit } : {}) } };
  }

  /**
   * Applies changes to the series of rules on checks. A grade change takes the run's cause anew:
   * a WARNING that turns CRITICAL is texted with the CRITICAL output line, not the old one.
   */
  private applyToChecks(changes: StateChanges): void {
    applyStateChanges(this.checkStates, changes);
    if (changes.transitions.length === 0) return;
    const { book, events } = applyTransitions(this.book, changes.transitions, (series) => this.contextOf(series));
    const open = new Map(book.open);
    const refreshed = events.map((e) => {
      if (e.kind !== 'escalated' && e.kind !== 'deescalated') return e;
      const alert = { ...e.alert, cause: this.contextOf(seriesOf(e.alert)).cause };
      open.set(seriesKey(seriesOf(alert)), alert);
      return { ...e, alert };
    });
    this.book = { nextId: book.nextId, open };
    this.afterEvents(refreshed);
  }

  private apply(changes: StateChanges, verdicts?: ReadonlyMap<string, SilenceVerdict>): void {
    applyStateChanges(this.states, changes);
    if (changes.transitions.length === 0) return;
    const { book, events } = applyTransitions(this.book, changes.transitions, (series) => this.contextOf(series, verdicts));
    this.book = book;
    this.afterEvents(events);
  }

  private afterEvents(raw: readonly AlertEvent[]): void {
    if (raw.length === 0) return;
    // B10, B11: alerts firing in a maintenance window or behind a down parent are stored and shown, not texted
    const marked = this.quiet.mark(raw, this.book, this.deps.clock.now());
    this.book = marked.book;
    // S7: a silence is stored and shown once it fires; one over within the rule's duration never is
    const { stored, shown, overWithin } = this.pendingSilences.sift(marked.events);
    try {
      this.deps.repo.recordEvents(stored);
    } catch (e) {
      // RES: on a full or read-only disk the alert is still shown and texted; it lives in memory
      this.deps.logger.error('could not store alert events; they are kept in memory', { err: e, events: stored.length });
      this.deps.onWriteError?.('alert events', e);
    }
    for (const e of shown) {
      this.deps.hub.publish('alert', e.alert.agentId, { kind: e.kind, alert: e.alert, at: e.atMs });
      if (e.kind !== 'pending' && e.kind !== 'cancelled') {
        this.deps.logger.info(`alert ${e.kind}`, { id: e.alert.id, rule: e.alert.ruleId, agent: e.alert.agentName, key: e.alert.key, severity: e.alert.severity, value: e.alert.value });
      }
    }
    if (overWithin.length > 0) {
      this.deps.logger.info('agents silent for less than the rule\'s duration: not alerted', { count: overWithin.length, agents: overWithin.slice(0, 10).map((e) => e.alert.agentName) });
    }
    this.notify(marked.forPolicy);
    // a window's end is timed as soon as it quiets an alert; a parent that recovered starts its
    // dependants' settle time
    if (marked.newlyQuiet > 0 || (this.quiet.count > 0 && marked.events.some((e) => e.kind === 'resolved' || e.kind === 'cancelled'))) this.releaseQuiet();
  }

  /**
   * B10, B11: quiet alerts whose window ended, or whose parents have been up for the settle time,
   * are released: still firing, they are texted now (as fired); acknowledged ones only lose the mark.
   */
  releaseQuiet(): void {
    if (!this.running) return;
    const now = this.deps.clock.now();
    const out = this.quiet.release(this.book, now);
    this.book = out.book;
    const changed = [...out.released, ...out.changed];
    if (changed.length > 0) {
      try {
        this.deps.repo.updateSnapshots(changed);
      } catch (e) {
        this.deps.logger.error('could not store the end of quiet alerts; kept in memory', { err: e });
        this.deps.onWriteError?.('alert events', e);
      }
      for (const a of changed) this.deps.hub.publish('alert', a.agentId, { kind: a.state === 'acknowledged' ? 'acknowledged' : 'fired', alert: a, at: now });
      if (out.released.length > 0) this.deps.logger.info('quiet alerts released', { count: out.released.length, ids: out.released.slice(0, 20).map((a) => a.id) });
      this.notify(out.released.filter((a) => a.state === 'firing').map((alert): AlertEvent => ({ kind: 'fired', alert, atMs: now })));
    }
    if (out.nextCheckAtMs !== null) this.schedule('quiet', Math.max(0, out.nextCheckAtMs - now), () => this.releaseQuiet());
  }

  /** B11: a maintenance window was saved or removed: alerts it kept quiet may be due now. */
  maintenanceChanged(): void {
    this.releaseQuiet();
  }

  /** B10: dependencies changed: the dependants' counts are computed again, suppressed alerts looked at. */
  dependenciesChanged(): void {
    this.deps.dependencies?.invalidate();
    this.releaseQuiet();
  }

  /** Runs the notification policy and queues its messages (also called by timers with no events). */
  private notify(events: readonly AlertEvent[]): void {
    if (!this.running) return;
    const now = this.deps.clock.now();
    const decision = decide({ events, contacts: this.contactList, state: this.policyState, nowMs: now, config: this.policyConfig });
    this.policyState = decision.state;
    if (decision.changed) {
      try {
        this.deps.repo.savePolicyState(decision.state, now);
      } catch (e) {
        this.deps.logger.error('could not store the notification state; it is kept in memory', { err: e });
        this.deps.onWriteError?.('notification state', e);
      }
    }
    if (decision.messages.length > 0) {
      const muted = new Set(this.deps.mutes.active(now).map((m) => m.agentId));
      for (const msg of decision.messages) this.queue(msg, muted, events);
    }
    this.scheduleDue();
  }

  private queue(msg: OutgoingMessage, muted: ReadonlySet<string>, events: readonly AlertEvent[]): void {
    if (muted.size > 0) {
      const agentsOf = msg.alertIds.map((id) => events.find((e) => e.alert.id === id)?.alert.agentId ?? this.alertAgent(id));
      if (agentsOf.length > 0 && agentsOf.every((a) => a !== null && muted.has(a))) {
        this.deps.logger.info('SMS not sent: the server is muted', { to: msg.contactId, kind: msg.kind, alertIds: msg.alertIds });
        return;
      }
    }
    if (!this.deps.outbox.enabled) {
      this.deps.logger.debug('SMS not queued: no modem (--modem none)', { to: msg.contactId, kind: msg.kind, text: msg.text });
      return;
    }
    try {
      this.deps.outbox.enqueue({ to: msg.phone, text: msg.text, kind: msg.kind, contactId: msg.contactId, alertIds: msg.alertIds, dedupeKey: msg.dedupeKey });
    } catch (e) {
      this.deps.logger.error('could not queue an SMS', { err: e, to: msg.contactId, kind: msg.kind });
      this.deps.onWriteError?.('sms outbox', e);
      this.deps.onUnstoredSms?.({ to: msg.phone, text: msg.text });
    }
  }

  private alertAgent(id: number): string | null {
    for (const a of this.book.open.values()) if (a.id === id) return a.agentId;
    return this.deps.repo.getAlert(id)?.agentId ?? null;
  }

  private silenceTick(): void {
    if (!this.running || this.silentRules.length === 0) return;
    const now = this.deps.clock.now();
    const agents = this.deps.agents.list().map((a) => ({
      id: a.id, status: a.status, lastSeenMs: this.deps.agents.isTalking(a.id) ? now : a.lastSeen, intervalS: a.interval,
    }));
    const result = evaluateSilence({
      rules: this.silentRules,
      states: this.states,
      agents,
      groupsOf: this.groupsOf,
      nowMs: now,
      graceUntilMs: this.silenceGrace.window().untilMs,
      graceFromMs: this.silenceGrace.window().fromMs,
    });
    this.apply(result, result.verdicts);
  }

  /** A timer at the policy's next due time (escalation, digest), replacing the previous one. */
  private scheduleDue(): void {
    const due = nextDueAtMs(this.policyState, this.policyConfig);
    if (due === null) {
      const handle = this.timers.get('due');
      if (handle !== undefined) this.deps.clock.clearTimeout(handle);
      this.timers.delete('due');
      return;
    }
    this.schedule('due', Math.max(0, due - this.deps.clock.now()), () => this.notify([]));
  }

  private schedule(name: string, ms: number, fn: () => void): void {
    if (!this.running) return;
    const previous = this.timers.get(name);
    if (previous !== undefined) this.deps.clock.clearTimeout(previous);
    const handle = this.deps.clock.setTimeout(() => {
      this.timers.delete(name);
      this.guard(name, fn);
    }, ms);
    handle.unref?.();
    this.timers.set(name, handle);
  }

  private every(name: string, ms: number, fn: () => void): void {
    const tick = (): void => {
      this.guard(name, fn);
      this.schedule(name, ms, tick);
    };
    this.schedule(name, ms, tick);
  }

  /** A timer's error is logged with its owner; the engine keeps running (docs/conventions.md 7). */
  private guard(name: string, fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.deps.logger.error(`alerting ${name} failed`, { err: e });
    }
  }
}

/** A pool member's skew series: on its server, keyed "<poolId>/<sourceId>" (pool ids hold no slash). */
function poolSkewSeries(ref: PoolSkewRef): SeriesRef {
  return { ruleId: POOL_SKEW_RULE_ID, agentId: ref.agentId, key: `${ref.poolId}/${ref.sourceId}` };
}
