// Notification policy (S12): schedules, severities, one message per change,
// recovery to whoever was told, escalation when not acknowledged, rate limit with one digest.
import t from 'tap';
import type { AlertEvent } from '../../../../appliance/alerting/rules/alert-lifecycle.js';
import type { Alert, AlertEventKind } from '../../../../contract/alerting.js';
import { decide, emptyPolicyState, inSchedule, nextDueAtMs, normalizePhone, validateContact, type OutgoingMessage, type PolicyConfig, type PolicyState } from '../../../../appliance/alerting/policy/notification-policy.js';
import { type Contact } from '../../../../contract/alerting.js';
import type { Severity } from '../../../../contract/alerting.js';

const KST = { iana: 'Asia/Seoul' };
/** Monday 2025-03-03 14:02 KST */
const MON_1402 = Date.UTC(2025, 2, 3, 5, 2, 0);
/** Tuesday 2025-03-04 03:00 KST */
const TUE_0300 = Date.UTC(2025, 2, 3, 18, 0, 0);
const MIN = 60_000;

const config: PolicyConfig = { timeZone: KST, rateLimit: { maxMessages: 5, windowMs: 10 * MIN }, escalateAfterMs: 15 * MIN };

const WEEKDAYS_9_TO_6 = [{ days: [1, 2, 3, 4, 5], start: '09:00', end: '18:00' }];
const contact = (over: Partial<Contact> & Pick<Contact, 'id'>): Contact => ({
  name: over.id,
  phone: '+821012345678',
  language: 'en',
  severities: ['warning', 'critical', 'disaster'],
  schedule: [],
  escalationLevel: 0,
  enabled: true,
  ...over,
});

const kim = contact({ id: 'kim', phone: '+821011112222', language: 'ko', schedule: WEEKDAYS_9_TO_6 });
const lee = contact({ id: 'lee', phone: '+821033334444', severities: ['critical', 'disaster'] });
const park = contact({ id: 'park', phone: '+821055556666', escalationLevel: 1 });
const team = [kim, lee, park];

const alert = (id: number, severity: Severity, over: Partial<Alert> = {}): Alert => ({
  id,
  ruleId: 'default-fs-used',
  ruleName: 'Filesystem used',
  agentId: 'a1',
  agentName: 'web-01',
  key: '/var',
  metric: { kind: 'derived', name: 'fs_used_pct', key: '*' },
  unit: '%',
  comparison: '>',
  severity,
  state: 'firing',
  value: 96,
  threshold: 95,
  cause: {},
  startedAt: MON_1402,
  firedAt: MON_1402,
  ...over,
});

const ev = (kind: AlertEventKind, a: Alert, atMs: number, extra: Partial<AlertEvent> = {}): AlertEvent => ({ kind, alert: a, atMs, ...extra });

/** Freezes an object and everything it reaches: in ESM any write to it then throws. */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/**
 * Runs decide() and keeps the state, like the appliance does. The state handed in is frozen:
 * decide() copies on write, and a change to its input (shared with the previous state) throws.
 */
class Harness {
  state: PolicyState = emptyPolicyState();
  unchangedRuns = 0;
  constructor(private readonly contacts: Contact[], private readonly cfg: PolicyConfig = config) {}
  step(nowMs: number, ...events: AlertEvent[]): OutgoingMessage[] {
    const before = JSON.stringify(this.state);
    const d = decide({ events, contacts: this.contacts, state: deepFreeze(this.state), nowMs, config: this.cfg });
    // the appliance saves the state only when told it changed: a change it is not told of is lost at a restart
    if (!d.changed && JSON.stringify(d.state) !== before) throw new Error(`decide() changed the state but said it did not: ${before} → ${JSON.stringify(d.state)}`);
    this.unchangedRuns += d.changed ? 0 : 1;
    this.state = d.state;
    return d.messages;
  }
}

const who = (messages: readonly OutgoingMessage[]): string[] => messages.map((m) => `${m.contactId}:${m.kind}`);

void t.test('weekly schedule windows in the appliance time zone, overnight windows included', (t) => {
  t.ok(inSchedule(WEEKDAYS_9_TO_6, MON_1402, KST), 'Monday 14:02');
  t.notOk(inSchedule(WEEKDAYS_9_TO_6, Date.UTC(2025, 2, 3, 9, 0), KST), 'Monday 18:00 is outside (end is exclusive)');
  t.ok(inSchedule(WEEKDAYS_9_TO_6, Date.UTC(2025, 2, 3, 0, 0), KST), 'Monday 09:00 is inside');
  t.notOk(inSchedule(WEEKDAYS_9_TO_6, Date.UTC(2025, 2, 8, 5, 0), KST), 'Saturday 14:00');
  t.notOk(inSchedule(WEEKDAYS_9_TO_6, TUE_0300, KST), 'Tuesday 03:00');

  const fridayNight = [{ days: [5], start: '22:00', end: '06:00' }];
  t.ok(inSchedule(fridayNight, Date.UTC(2025, 2, 7, 14, 0), KST), 'Friday 23:00');
  t.ok(inSchedule(fridayNight, Date.UTC(2025, 2, 7, 18, 0), KST), 'Saturday 03:00 belongs to Friday night');
  t.notOk(inSchedule(fridayNight, Date.UTC(2025, 2, 8, 14, 0), KST), 'Saturday 23:00');
  t.notOk(inSchedule(fridayNight, Date.UTC(2025, 2, 6, 18, 0), KST), 'Friday 03:00 belongs to Thursday night');

  t.ok(inSchedule([], TUE_0300, KST), 'an empty schedule is always on');
  t.ok(inSchedule([{ days: [0, 1, 2, 3, 4, 5, 6], start: '00:00', end: '24:00' }], TUE_0300, KST), '00:00–24:00 is the whole day');
  t.equal(inSchedule(WEEKDAYS_9_TO_6, MON_1402, { utcOffsetMinutes: 540 }), true, 'a fixed offset works like the zone name');
  t.end();
});

void t.test('a fired alert goes to level-0 contacts that take its severity and are in schedule', (t) => {
  const h = new Harness(team);
  const warning = h.step(MON_1402, ev('fired', alert(1, 'warning'), MON_1402));
  t.same(who(warning), ['kim:fired'], 'lee takes critical and disaster only; park is level 1');
  t.equal(warning[0]?.phone, '+821011112222');
  t.equal(warning[0]?.language, 'ko');
  t.match(warning[0]?.text, /^\[경고\] web-01 디스크 \/var 96% \(>95\) 14:02 #1/);
  t.same(warning[0]?.alertIds, [1]);

  const critical = h.step(MON_1402, ev('fired', alert(2, 'critical'), MON_1402));
  t.same(who(critical), ['kim:fired', 'lee:fired']);
  t.end();
});

void t.test('out of schedule: the lowest level with somebody eligible is told', (t) => {
  const h = new Harness(team);
  t.same(who(h.step(TUE_0300, ev('fired', alert(1, 'warning', { firedAt: TUE_0300 }), TUE_0300))), ['park:fired']);
  t.end();
});

void t.test('a run with nothing to do says the state did not change, so the appliance saves nothing', (t) => {
  const day = new Harness([kim]);
  day.step(MON_1402, ev('fired', alert(1, 'warning'), MON_1402));
  const afterFired = day.unchangedRuns;
  t.same(day.step(MON_1402 + MIN), [], 'a minute later nothing is due');
  t.equal(day.unchangedRuns, afterFired + 1, 'and the state is reported unchanged');

  const night = new Harness([kim]);
  night.step(TUE_0300, ev('fired', alert(2, 'warning', { firedAt: TUE_0300 }), TUE_0300));
  const waiting = night.unchangedRuns;
  night.step(TUE_0300 + MIN);
  t.equal(night.unchangedRuns, waiting + 1, 'an alert nobody can be told of yet changes nothing while it waits');
  // resolved before anybody was told: no message, but the alert leaves the state (Harness checks it is reported)
  t.same(night.step(TUE_0300 + 2 * MIN, ev('resolved', alert(2, 'warning', { firedAt: TUE_0300, state: 'resolved' }), TUE_0300 + 2 * MIN)), []);
  t.same(night.state.alerts, {});
  t.end();
});

void t.test('nobody eligible now: the alert is offered again when a schedule opens', (t) => {
  const h = new Harness([kim]);
  t.same(h.step(TUE_0300, ev('fired', alert(1, 'warning', { firedAt: TUE_0300 }), TUE_0300)), []);
  t.same(h.step(TUE_0300 + 60 * MIN), [], 'still night');
  const nine = Date.UTC(2025, 2, 4, 0, 0); // Tuesday 09:00 KST
  t.same(who(h.step(nine)), ['kim:fired']);
  t.same(h.step(nine + MIN), [], 'and only once');
  t.end();
});

void t.test('one message per state change; pending, cancelled and milder grades send nothing', (t) => {
  const h = new Harness([lee]);
  const a = alert(1, 'critical');
  t.same(h.step(MON_1402, ev('pending', { ...a, state: 'pending' }, MON_1402)), []);
  t.same(who(h.step(MON_1402 + MIN, ev('fired', a, MON_1402 + MIN))), ['lee:fired']);
  t.same(h.step(MON_1402 + 2 * MIN, ev('deescalated', { ...a, severity: 'warning' }, MON_1402 + 2 * MIN, { fromSeverity: 'critical' })), []);
  const worse = { ...a, severity: 'disaster' as const, threshold: 98, value: 99 };
  const escalated = h.step(MON_1402 + 3 * MIN, ev('escalated', worse, MON_1402 + 3 * MIN, { fromSeverity: 'warning' }));
  t.same(who(escalated), ['lee:escalated']);
  t.match(escalated[0]?.text, /^\[DISASTER\] web-01 fs \/var 99% \(>98\) .* \(was WARN\)/);
  t.same(h.step(MON_1402, ev('cancelled', alert(2, 'critical', { state: 'resolved' }), MON_1402)), []);
  t.end();
});

void t.test('recovery goes to everyone told about the firing, even out of schedule', (t) => {
  const h = new Harness(team);
  const a = alert(1, 'critical');
  t.same(who(h.step(MON_1402, ev('fired', a, MON_1402))), ['kim:fired', 'lee:fired']);
  const night = TUE_0300;
  const resolved = { ...a, state: 'resolved' as const, resolvedAt: night, resolution: 'recovered' as const, resolvedValue: 80 };
  const messages = h.step(night, ev('resolved', resolved, night));
  t.same(who(messages), ['kim:resolved', 'lee:resolved'], 'kim is off shift but was told about the firing');
  t.match(messages[0]?.text, /^\[복구\] web-01 디스크 \/var 80% 03:00 #1/);
  t.same(h.state.alerts, {}, 'a resolved alert is no longer tracked');
  t.end();
});

void t.test('not acknowledged within N minutes: the next level is told, then everybody hears the recovery', (t) => {
  const h = new Harness(team);
  const a = alert(1, 'critical');
  h.step(MON_1402, ev('fired', a, MON_1402));
  t.equal(nextDueAtMs(h.state, config), MON_1402 + 15 * MIN);
  t.same(h.step(MON_1402 + 15 * MIN - 1), [], 'not yet');
  const escalation = h.step(MON_1402 + 15 * MIN);
  t.same(who(escalation), ['park:escalation']);
  t.match(escalation[0]?.text, /^\[CRIT\] NO ACK 15m: web-01 fs \/var 96% \(>95\) #1/);
  t.same(h.step(MON_1402 + 30 * MIN), [], 'no level left above park');
  t.equal(nextDueAtMs(h.state, config), null);
  const resolved = { ...a, state: 'resolved' as const, resolvedAt: MON_1402 + 40 * MIN, resolvedValue: 80 };
  t.same(who(h.step(MON_1402 + 40 * MIN, ev('resolved', resolved, MON_1402 + 40 * MIN))), ['kim:resolved', 'lee:resolved', 'park:resolved']);
  t.end();
});

void t.test('an acknowledgement stops the escalation and is told to the others, not to who acknowledged', (t) => {
  const h = new Harness(team);
  const a = alert(1, 'critical');
  h.step(MON_1402, ev('fired', a, MON_1402));
  const acked = { ...a, state: 'acknowledged' as const, ackedAt: MON_1402 + 5 * MIN, ackedBy: 'lee' };
  const messages = h.step(MON_1402 + 5 * MIN, ev('acknowledged', acked, MON_1402 + 5 * MIN, { by: 'lee' }));
  t.same(who(messages), ['kim:acknowledged']);
  t.match(messages[0]?.text, /^\[확인\] #1 web-01 디스크 \/var 심각 lee 확인/);
  t.same(h.step(MON_1402 + 20 * MIN), [], 'park is not bothered');
  t.end();
});

void t.test('a worse grade after an acknowledgement re-arms the escalation', (t) => {
  const h = new Harness(team);
  const a = alert(1, 'critical');
  h.step(MON_1402, ev('fired', a, MON_1402));
  h.step(MON_1402 + MIN, ev('acknowledged', { ...a, state: 'acknowledged', ackedBy: 'lee' }, MON_1402 + MIN, { by: 'lee' }));
  const worse = { ...a, severity: 'disaster' as const };
  t.same(who(h.step(MON_1402 + 2 * MIN, ev('escalated', worse, MON_1402 + 2 * MIN, { fromSeverity: 'critical' }))), ['kim:escalated', 'lee:escalated']);
  t.same(who(h.step(MON_1402 + 17 * MIN)), ['park:escalation']);
  t.end();
});

void t.test('rate limit: beyond N per window messages are held, then ONE digest when the window reopens', (t) => {
  const limited: PolicyConfig = { ...config, rateLimit: { maxMessages: 2, windowMs: 10 * MIN } };
  const h = new Harness([lee], limited);
  const alerts = [1, 2, 3, 4].map((id) => alert(id, 'critical', { agentName: `web-0${id}` }));
  const first = h.step(MON_1402, ...alerts.map((a) => ev('fired', a, MON_1402)));
  t.same(first.map((m) => m.alertIds[0]), [1, 2]);
  t.equal(h.state.contacts.lee?.held.length, 2);

  const resolved3 = { ...alerts[2]!, state: 'resolved' as const, resolvedAt: MON_1402 + MIN, resolvedValue: 80 };
  t.same(h.step(MON_1402 + MIN, ev('resolved', resolved3, MON_1402 + MIN)), [], 'held too: order is kept');
  t.same(h.step(MON_1402 + 5 * MIN), [], 'the window is still full');
  t.equal(nextDueAtMs(h.state, limited), MON_1402 + 10 * MIN);

  const digest = h.step(MON_1402 + 10 * MIN);
  t.same(who(digest), ['lee:digest']);
  t.same(digest[0]?.alertIds.sort(), [3, 4]);
  t.equal(digest[0]?.text, '[rackwatch] 3 held back: #4 CRIT web-04 fs /var; #3 OK web-03 fs /var');
  t.same(h.state.contacts.lee?.held, []);
  t.same(h.step(MON_1402 + 11 * MIN), [], 'one digest only');
  t.end();
});

void t.test('the rate limit is per contact', (t) => {
  const limited: PolicyConfig = { ...config, rateLimit: { maxMessages: 1, windowMs: 10 * MIN } };
  const other = contact({ id: 'choi', severities: ['critical'] });
  const h = new Harness([lee, other], limited);
  t.same(who(h.step(MON_1402, ev('fired', alert(1, 'critical'), MON_1402))), ['lee:fired', 'choi:fired']);
  t.same(h.step(MON_1402, ev('fired', alert(2, 'critical'), MON_1402)), []);
  t.same(h.state.contacts.lee?.held.length, 1);
  t.same(h.state.contacts.choi?.held.length, 1);
  t.end();
});

void t.test('disabled contacts are never told; dedupe keys are stable per alert, change and contact', (t) => {
  const h = new Harness([lee, { ...kim, id: 'off', enabled: false, schedule: [] }]);
  const messages = h.step(MON_1402, ev('fired', alert(9, 'critical'), MON_1402));
  t.same(who(messages), ['lee:fired']);
  t.equal(messages[0]?.dedupeKey, 'alert:9:fired:critical:lee');
  t.end();
});

void t.test('the policy state survives a JSON round trip (it is stored in SQLite)', (t) => {
  const h = new Harness(team, { ...config, rateLimit: { maxMessages: 1, windowMs: 10 * MIN } });
  h.step(MON_1402, ev('fired', alert(1, 'critical'), MON_1402), ev('fired', alert(2, 'critical'), MON_1402));
  const copy = JSON.parse(JSON.stringify(h.state)) as PolicyState;
  t.same(copy, h.state);
  t.end();
});

void t.test('phone numbers: E.164 required; Korean national numbers are normalised', (t) => {
  t.equal(normalizePhone('010-1234-5678'), '+821012345678');
  t.equal(normalizePhone('+82 10 1234 5678'), '+821012345678');
  t.equal(normalizePhone('0082-10-1234-5678'), '+821012345678');
  t.equal(normalizePhone('(0)20 7946 0018', '44'), '+442079460018');
  t.equal(normalizePhone('12345'), null);
  t.equal(normalizePhone('+0123'), null);
  t.end();
});

void t.test('validateContact reports every problem as "path: message"', (t) => {
  t.same(validateContact(kim), []);
  const bad = validateContact({
    ...kim,
    phone: '010-1234-5678',
    severities: [],
    escalationLevel: -1,
    schedule: [{ days: [7], start: '9:00', end: '18:00' }, { days: [1], start: '10:00', end: '10:00' }],
  });
  t.same(bad.map((p) => p.split(':')[0]), ['phone', 'severities', 'escalationLevel', 'schedule.0.days', 'schedule.0.start', 'schedule.1']);
  t.end();
});
