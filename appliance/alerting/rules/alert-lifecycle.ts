// Alert lifecycle (S7), pure: pending → firing → acknowledged → resolved. The rule
// evaluator's transitions and operators' acknowledgements become alerts and exactly one
// AlertEvent per state or grade change; the repository stores both, the notification policy
// turns events into messages. An alert keeps the cause as it was when it fired.

import { seriesKey, type RuleTransition, type SeriesRef, type SeriesState } from './rule-evaluator.js';

import { severityRank } from '../../../contract/alerting.js';
import { SEVERITIES, metricUnit, type AlertMetric, type Rule, type Severity } from '../../../contract/alerting.js';
import { type AlertEventKind, type Alert, type AlertCause } from '../../../contract/alerting.js';

export interface AlertEvent {
  kind: AlertEventKind;
  /** the alert after the change */
  alert: Alert;
  atMs: number;
  /** escalated / deescalated: the grade before */
  fromSeverity?: Severity;
  /** acknowledged: who */
  by?: string;
}

/** The open (not resolved) alerts, one per series, and the next id to hand out. */
export interface AlertBook {
  nextId: number;
  /** seriesKey → alert */
  open: ReadonlyMap<string, Alert>;
}

export function emptyBook(): AlertBook {
  return { nextId: 1, open: new Map() };
}

/** What the lifecycle needs from outside to open or fire an alert. */
export interface AlertContext {
  rule: Pick<Rule, 'name' | 'comparison'> & { metric: AlertMetric };
  agentName: string;
  /** the cause as of now (cause.ts) */
  cause: AlertCause;
}

export interface LifecycleResult {
  book: AlertBook;
  events: AlertEvent[];
}

function newAlert(id: number, series: SeriesRef, context: AlertContext, severity: Severity, threshold: number, value: number | null, atMs: number): Alert {
  return {
    id,
    ruleId: series.ruleId,
    ruleName: context.rule.name,
    agentId: series.agentId,
    agentName: context.agentName,
    ...(series.key !== undefined ? { key: series.key } : {}),
    metric: context.rule.metric,
    unit: metricUnit(context.rule.metric),
    comparison: context.rule.comparison,
    severity,
    state: 'pending',
    value,
    threshold,
    cause: context.cause,
    startedAt: atMs,
  };
}

/**
 * Applies the evaluator's transitions to the open alerts. `contextOf` is asked only when an
 * alert opens or fires (the cause is taken then, never later).
 */
export function applyTransitions(
  book: AlertBook,
  transitions: readonly RuleTransition[],
  contextOf: (series: SeriesRef) => AlertContext,
): LifecycleResult {
  if (transitions.length === 0) return { book, events: [] };
  const open = new Map(book.open);
  let nextId = book.nextId;
  const events: AlertEvent[] = [];
  const emit = (kind: AlertEventKind, alert: Alert, atMs: number, extra: Partial<AlertEvent> = {}): void => {
    events.push({ kind, alert, atMs, ...extra });
  };

  for (const tr of transitions) {
    const key = seriesKey(tr.series);
    const existing = open.get(key);
    switch (tr.kind) {
      case 'pending': {
        if (existing) break;
        const alert = newAlert(nextId++, tr.series, contextOf(tr.series), tr.severity, tr.threshold, tr.value, tr.atMs);
        open.set(key, alert);
        emit('pending', alert, tr.atMs);
        break;
      }
      case 'fired':
      case 'escalated': {
        if (existing && existing.state !== 'pending') {
          // already firing (or acknowledged): a grade change at most
          if (existing.severity === tr.severity) break;
          const worse = severityRank(tr.severity) > severityRank(existing.severity);
          // a worse grade re-arms an acknowledged alert: it needs attention again
          const alert: Alert = worse
            ? { ...withoutAck(existing), state: 'firing', severity: tr.severity, threshold: tr.threshold, value: tr.value }
            : { ...existing, severity: tr.severity, threshold: tr.threshold, value: tr.value };
          open.set(key, alert);
          emit(worse ? 'escalated' : 'deescalated', alert, tr.atMs, { fromSeverity: existing.severity });
          break;
        }
        const context = contextOf(tr.series);
        const base = existing ?? newAlert(nextId++, tr.series, context, tr.severity, tr.threshold, tr.value, tr.atMs);
        const alert: Alert = {
          ...base,
          state: 'firing',
          severity: tr.severity,
          threshold: tr.threshold,
          value: tr.value,
          cause: context.cause,
          firedAt: tr.atMs,
        };
        open.set(key, alert);
        emit('fired', alert, tr.atMs);
        break;
      }
      case 'deescalated': {
        if (!existing || existing.state === 'pending' || existing.severity === tr.severity) break;
        const alert: Alert = { ...existing, severity: tr.severity, threshold: tr.threshold, value: tr.value };
        open.set(key, alert);
        emit('deescalated', alert, tr.atMs, { fromSeverity: existing.severity });
        break;
      }
      case 'resolved':
      case 'cancelled': {
        if (!existing) break;
        const alert: Alert = { ...existing, state: 'resolved', resolvedAt: tr.atMs, resolution: tr.reason, resolvedValue: tr.value };
        open.delete(key);
        emit(existing.state === 'pending' ? 'cancelled' : 'resolved', alert, tr.atMs);
        break;
      }
    }
  }
  return { book: { nextId, open }, events };
}

function withoutAck(alert: Alert): Alert {
  const { ackedAt: _ackedAt, ackedBy: _ackedBy, ...rest } = alert;
  return rest;
}

export type AckFailure = 'not-open' | 'not-firing' | 'already-acknowledged';
export type AckOutcome = { ok: true; book: AlertBook; event: AlertEvent } | { ok: false; reason: AckFailure };

/** An operator (web UI) or a contact (SMS reply `ACK 123`) acknowledges a firing alert. */
export function acknowledge(book: AlertBook, alertId: number, by: string, nowMs: number): AckOutcome {
  for (const [key, alert] of book.open) {
    if (alert.id !== alertId) continue;
    if (alert.state === 'pending') return { ok: false, reason: 'not-firing' };
    if (alert.state === 'acknowledged') return { ok: false, reason: 'already-acknowledged' };
    const acked: Alert = { ...alert, state: 'acknowledged', ackedAt: nowMs, ackedBy: by };
    const open = new Map(book.open);
    open.set(key, acked);
    return { ok: true, book: { ...book, open }, event: { kind: 'acknowledged', alert: acked, atMs: nowMs, by } };
  }
  return { ok: false, reason: 'not-open' };
}

/** Rebuilds the book after a restart from the open alerts in SQLite and the highest id ever used. */
export function restoreBook(openAlerts: readonly Alert[], highestId: number): AlertBook {
  const open = new Map<string, Alert>();
  for (const alert of openAlerts) {
    if (alert.state === 'resolved') continue;
    open.set(seriesKey(seriesOf(alert)), alert);
  }
  return { nextId: Math.max(highestId, ...openAlerts.map((a) => a.id)) + 1, open };
}

export function seriesOf(alert: Alert): SeriesRef {
  return { ruleId: alert.ruleId, agentId: alert.agentId, ...(alert.key !== undefined ? { key: alert.key } : {}) };
}

/**
 * Rebuilds the evaluator's states after a restart from the open alerts, so an alert that was
 * firing keeps firing (and is not fired a second time). Their staleness clock starts at `nowMs`.
 * Pending alerts resume pending since they started.
 */
export function seriesStatesFromAlerts(openAlerts: readonly Alert[], nowMs: number): Map<string, SeriesState> {
  const states = new Map<string, SeriesState>();
  for (const alert of openAlerts) {
    if (alert.state === 'resolved') continue;
    const series = seriesOf(alert);
    const firing = alert.state !== 'pending';
    const breachedSince = firing ? {} : Object.fromEntries(SEVERITIES.filter((s) => severityRank(s) <= severityRank(alert.severity)).map((s) => [s, alert.startedAt]));
    states.set(seriesKey(series), {
      series,
      phase: firing ? 'firing' : 'pending',
      severity: alert.severity,
      breachedSince,
      lastTMs: null,
      lastValue: alert.value,
      lastObservedAtMs: nowMs,
    });
  }
  return states;
}

/** Worst grade among alerts that are firing or acknowledged (pending ones do not count). */
export function worstActiveSeverity(alerts: Iterable<Alert>): Severity | null {
  let worst: Severity | null = null;
  for (const a of alerts) {
    if (a.state !== 'firing' && a.state !== 'acknowledged') continue;
    if (worst === null || severityRank(a.severity) > severityRank(worst)) worst = a.severity;
  }
  return worst;
}
