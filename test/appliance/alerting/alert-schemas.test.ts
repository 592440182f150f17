// Admin input (S4): rules, contacts and groups arrive as untrusted JSON; every problem is reported
// as "path: message", shape first, then meaning.
import t from 'tap';
import { parseContact, parseGroup, parseRule } from '../../../appliance/alerting/alert-schemas.js';
import { DEFAULT_RULES } from '../../../appliance/alerting/rules/rule-types.js';

const problemPaths = (r: { ok: boolean; problems?: string[] }): string[] => (r.problems ?? []).map((p) => p.split(':')[0] ?? '');

void t.test('every shipped rule parses back from its JSON', (t) => {
  for (const rule of DEFAULT_RULES) t.same(parseRule(JSON.parse(JSON.stringify(rule))), { ok: true, value: rule }, rule.id);
  t.end();
});

void t.test('a malformed rule is refused with the path of each problem', (t) => {
  const result = parseRule({ ...DEFAULT_RULES[0], metric: { kind: 'derived', name: 'cpu_temperature' }, forS: 'long', extra: 1 });
  t.equal(result.ok, false);
  t.same(problemPaths(result).sort(), ['extra', 'forS', 'metric.name']);
  t.equal(parseRule(null).ok, false);
  t.end();
});

void t.test('a well-shaped rule that makes no sense is refused by its meaning', (t) => {
  const result = parseRule({ ...DEFAULT_RULES[0], levels: { warning: 90, critical: 80 } });
  t.same(problemPaths(result), ['levels.critical']);
  t.end();
});

void t.test('contacts: shape, then E.164 and schedule', (t) => {
  const kim = { id: 'kim', name: '김철수', phone: '+821011112222', language: 'ko', severities: ['critical'], schedule: [], escalationLevel: 0, enabled: true };
  t.equal(parseContact(kim).ok, true);
  t.same(problemPaths(parseContact({ ...kim, language: 'ja' })), ['language']);
  t.same(problemPaths(parseContact({ ...kim, phone: '010-1111-2222' })), ['phone']);
  t.same(problemPaths(parseContact({ ...kim, schedule: [{ days: [1], start: '25:00', end: '18:00' }] })), ['schedule.0.start']);
  t.end();
});

void t.test('groups need an id, a name and member ids', (t) => {
  t.same(parseGroup({ id: 'web', name: 'Web', memberIds: ['a1'] }), { ok: true, value: { id: 'web', name: 'Web', memberIds: ['a1'] } });
  t.same(problemPaths(parseGroup({ id: '', name: 'Web', memberIds: [1] })), ['id', 'memberIds.0']);
  t.end();
});

// S4, S7: the rule form once sent "recovers 5 back" for every metric; a load rule "> 0.5" then
// waited for a load of −4.5 and never resolved. A recovery the metric cannot reach is refused.
void t.test('a recovery the metric can never reach is refused, naming the field and what would do', (t) => {
  const load = { id: 'load', name: 'Load', metric: { kind: 'derived', name: 'load1_per_core' }, comparison: '>', levels: { warning: 0.5 }, forS: 60, scope: { kind: 'all' }, enabled: true };
  const refused = parseRule({ ...load, recovery: { delta: 5 } });
  t.same(problemPaths(refused), ['recovery.delta']);
  t.match(refused.ok ? '' : refused.problems[0], /would resolve only at ≤ -4\.5, which this metric never reaches \(it is never below 0\).*at most 0\.5/, 'the message says why and what would do');
  t.equal(parseRule({ ...load, recovery: { delta: 0.05 } }).ok, true, 'a fraction of the threshold saves');
  t.equal(parseRule({ ...load, recovery: { delta: 0.5 } }).ok, true, "'>' lets go at ≤ 0: an idle server reads 0");
  t.same(problemPaths(parseRule({ ...load, comparison: '>=', recovery: { delta: 0.5 } })), ['recovery.delta'], "'>=' would need a load below 0");
  t.same(problemPaths(parseRule({ ...load, recovery: { levels: { warning: -1 } } })), ['recovery.levels.warning'], 'a named recovery value too');
  t.same(problemPaths(parseRule({ ...load, recovery: { levels: { warning: 0.7 } } })), ['recovery.levels.warning'], 'and one past the threshold');

  const idle = { ...load, metric: { kind: 'field', family: 'cpu', field: 'idle' }, comparison: '<', levels: { warning: 10, critical: 5 } };
  t.equal(parseRule({ ...idle, recovery: { delta: 5 } }).ok, true, "a '<' percentage rule recovers a few points up");
  t.same(problemPaths(parseRule({ ...idle, comparison: '<', levels: { warning: 98 }, recovery: { delta: 5 } })), ['recovery.delta'], 'not past 100 %');
  const perf = { ...load, metric: { kind: 'check_perf', checkId: 'web-cert', label: 'cert_days' }, comparison: '<', levels: { warning: 14 }, recovery: { delta: 50 } };
  t.equal(parseRule(perf).ok, true, 'a perfdatum has no range (an expired certificate reads below 0)');
  for (const rule of DEFAULT_RULES) t.equal(parseRule(JSON.parse(JSON.stringify(rule))).ok, true, `${rule.id} still saves`);
  t.end();
});
