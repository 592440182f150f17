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
