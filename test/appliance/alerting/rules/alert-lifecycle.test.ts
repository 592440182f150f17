// Alert lifecycle (S7): pending → firing → acknowledged → resolved, one event per change,
// the cause taken when the alert fires, and a restart that neither loses nor re-fires an alert.
import t from 'tap';
import { acknowledge, applyTransitions, emptyBook, restoreBook, seriesStatesFromAlerts, worstActiveSeverity, type AlertBook, type AlertContext, type AlertEvent } from '../../../../appliance/alerting/rules/alert-lifecycle.js';
import { type AlertCause } from '../../../../contract/alerting.js';
import { evaluateObservation, initialSeriesState, seriesKey, type RuleTransition, type SeriesRef } from '../../../../appliance/alerting/rules/rule-evaluator.js';
import type { Rule } from '../../../../contract/alerting.js';

const T0 = Date.UTC(2025, 2, 3, 5, 0, 0);
const series: SeriesRef = { ruleId: 'fs', agentId: 'a1', key: '/var' };
const rule: Rule = {
  id: 'fs',
  name: 'Filesystem used',
  metric: { kind: 'derived', name: 'fs_used_pct', key: '*' },
  comparison: '>',
  levels: { warning: 90, critical: 95 },
  recovery: { delta: 1 },
  forS: 60,
  scope: { kind: 'all' },
  enabled: true,
};

const base = { series, sampleTMs: null };
const pending = (s: number, value = 96): RuleTransition => ({ ...base, atMs: T0 + s * 1000, value, kind: 'pending', severity: 'critical', threshold: 95 });
const fired = (s: number, value = 96): RuleTransition => ({ ...base, atMs: T0 + s * 1000, value, kind: 'fired', severity: 'critical', threshold: 95 });
const resolved = (s: number): RuleTransition => ({ ...base, atMs: T0 + s * 1000, value: 80, kind: 'resolved', from: 'critical', reason: 'recovered', threshold: 94 });

function contextWith(cause: AlertCause): (s: SeriesRef) => AlertContext {
  return () => ({ rule, agentName: 'web-01', cause });
}

const kinds = (events: readonly AlertEvent[]): string[] => events.map((e) => `${e.kind}:${e.alert.state}`);

void t.test('pending → firing → acknowledged → resolved, one event per change', (t) => {
  const ctx = contextWith({ fullestFs: { mount: '/var', usedPct: 96 } });
  let book: AlertBook = emptyBook();
  const events: AlertEvent[] = [];
  for (const tr of [pending(0), fired(60)]) {
    const r = applyTransitions(book, [tr], ctx);
    book = r.book;
    events.push(...r.events);
  }
  const ack = acknowledge(book, 1, 'kim', T0 + 120_000);
  t.ok(ack.ok);
  if (!ack.ok) return t.end();
  events.push(ack.event);
  const end = applyTransitions(ack.book, [resolved(300)], ctx);
  events.push(...end.events);

  t.same(kinds(events), ['pending:pending', 'fired:firing', 'acknowledged:acknowledged', 'resolved:resolved']);
  const last = events[3]?.alert;
  t.match(last, {
    id: 1, ruleId: 'fs', agentId: 'a1', key: '/var', agentName: 'web-01', severity: 'critical', value: 96, threshold: 95,
    startedAt: T0, firedAt: T0 + 60_000, ackedAt: T0 + 120_000, ackedBy: 'kim', resolvedAt: T0 + 300_000, resolution: 'recovered', resolvedValue: 80,
  });
  t.equal(end.book.open.size, 0, 'a resolved alert leaves the open book');
  t.equal(end.book.nextId, 2);
  t.end();
});

void t.test('the cause is taken when the alert fires, not when it went pending nor later', (t) => {
  let book = applyTransitions(emptyBook(), [pending(0)], contextWith({ fullestFs: { mount: '/var', usedPct: 95.5 } })).book;
  const atFire = applyTransitions(book, [fired(60)], contextWith({ fullestFs: { mount: '/var', usedPct: 96.2 } }));
  book = atFire.book;
  t.same(atFire.events[0]?.alert.cause, { fullestFs: { mount: '/var', usedPct: 96.2 } });
  const escalation: RuleTransition = { ...base, atMs: T0 + 90_000, value: 99, kind: 'escalated', from: 'warning', severity: 'disaster', threshold: 98 };
  const later = applyTransitions(book, [escalation], contextWith({ fullestFs: { mount: '/var', usedPct: 99 } }));
  t.same(later.events[0]?.alert.cause, { fullestFs: { mount: '/var', usedPct: 96.2 } });
  t.end();
});

void t.test('an alert that fires without pending (forS 0) emits only fired', (t) => {
  const r = applyTransitions(emptyBook(), [fired(0)], contextWith({}));
  t.same(kinds(r.events), ['fired:firing']);
  t.equal(r.events[0]?.alert.startedAt, r.events[0]?.alert.firedAt);
  t.end();
});

void t.test('a pending alert that never fires is cancelled (resolved, never fired)', (t) => {
  const book = applyTransitions(emptyBook(), [pending(0)], contextWith({})).book;
  const cancel: RuleTransition = { ...base, atMs: T0 + 30_000, value: 50, kind: 'cancelled', severity: 'critical', reason: 'recovered' };
  const r = applyTransitions(book, [cancel], contextWith({}));
  t.same(kinds(r.events), ['cancelled:resolved']);
  t.equal(r.events[0]?.alert.firedAt, undefined);
  t.end();
});

void t.test('a worse grade re-arms an acknowledged alert; a milder grade does not', (t) => {
  let book = applyTransitions(emptyBook(), [fired(0)], contextWith({})).book;
  const ack = acknowledge(book, 1, 'kim', T0 + 10_000);
  if (!ack.ok) return t.fail('ack failed');
  book = ack.book;
  const down: RuleTransition = { ...base, atMs: T0 + 20_000, value: 92, kind: 'deescalated', from: 'critical', severity: 'warning', threshold: 90 };
  const r1 = applyTransitions(book, [down], contextWith({}));
  t.same(kinds(r1.events), ['deescalated:acknowledged']);
  const up: RuleTransition = { ...base, atMs: T0 + 30_000, value: 99, kind: 'escalated', from: 'warning', severity: 'disaster', threshold: 98 };
  const r2 = applyTransitions(r1.book, [up], contextWith({}));
  t.same(kinds(r2.events), ['escalated:firing']);
  t.equal(r2.events[0]?.fromSeverity, 'warning');
  t.equal(r2.events[0]?.alert.ackedBy, undefined, 'the acknowledgement is cleared (history keeps it)');
  t.end();
});

void t.test('acknowledging: unknown, pending and already acknowledged alerts are refused', (t) => {
  const pendingBook = applyTransitions(emptyBook(), [pending(0)], contextWith({})).book;
  t.same(acknowledge(pendingBook, 1, 'kim', T0), { ok: false, reason: 'not-firing' });
  t.same(acknowledge(pendingBook, 42, 'kim', T0), { ok: false, reason: 'not-open' });
  const firingBook = applyTransitions(emptyBook(), [fired(0)], contextWith({})).book;
  const once = acknowledge(firingBook, 1, 'kim', T0);
  if (!once.ok) return t.fail('first ack failed');
  t.same(acknowledge(once.book, 1, 'lee', T0), { ok: false, reason: 'already-acknowledged' });
  t.end();
});

void t.test('ids increase across alerts and series', (t) => {
  const other: SeriesRef = { ruleId: 'fs', agentId: 'a2', key: '/' };
  const r = applyTransitions(emptyBook(), [fired(0), { ...fired(0), series: other }], contextWith({}));
  t.same(r.events.map((e) => e.alert.id), [1, 2]);
  t.end();
});

void t.test('after a restart a firing alert keeps firing, is not fired twice, and resolves on recovery', (t) => {
  const before = applyTransitions(emptyBook(), [fired(0)], contextWith({}));
  const open = [...before.book.open.values()];
  const book = restoreBook(open, 7);
  t.equal(book.nextId, 8, 'ids continue after the highest ever used');
  const states = seriesStatesFromAlerts(open, T0 + 600_000);
  const state = states.get(seriesKey(series)) ?? initialSeriesState(series);
  t.equal(state.phase, 'firing');

  const still = evaluateObservation(rule, state, { tMs: T0 + 610_000, value: 97 }, T0 + 610_000);
  t.same(still.transitions, [], 'no second fired');
  const recovered = evaluateObservation(rule, still.state, { tMs: T0 + 620_000, value: 80 }, T0 + 620_000);
  const r = applyTransitions(book, recovered.transitions, contextWith({}));
  t.same(kinds(r.events), ['resolved:resolved']);
  t.equal(r.events[0]?.alert.id, 1);
  t.end();
});

void t.test('worstActiveSeverity ignores pending alerts', (t) => {
  const warning: RuleTransition = { series: { ruleId: 'x', agentId: 'a1' }, sampleTMs: null, atMs: T0, value: 91, kind: 'fired', severity: 'warning', threshold: 90 };
  const book = applyTransitions(emptyBook(), [pending(0), warning], contextWith({})).book;
  t.equal(worstActiveSeverity(book.open.values()), 'warning');
  t.end();
});
