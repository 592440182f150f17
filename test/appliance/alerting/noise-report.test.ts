// S12's noise report on a real SQLite file with a crafted history: SMS per contact and day in the
// appliance's time zone, alerts per rule (fired and cancelled), the flappiest rules and servers,
// and the SMS that dependencies (B10) and maintenance (B11) saved.
import path from 'node:path';
import t from 'tap';
import { openDatabase, migrate, type Db } from '../../../appliance/db/database.js';
import { noiseReport } from '../../../appliance/alerting/noise-report.js';
import { tempDir } from '../../helpers/temp-dir.js';

const MIN = 60_000;
/** 2026-12-01 00:30 in Seoul (UTC+9) is still 2026-11-30 in UTC: days must be Seoul's */
const T0 = Date.UTC(2026, 10, 30, 15, 30);

function open(dir: string): Db {
  const db = openDatabase(path.join(dir, 'noise.sqlite'));
  migrate(db);
  return db;
}

let nextAlert = 1;
function alert(db: Db, a: { rule: string; ruleName: string; agent: string; agentName: string; startedAt: number; firedAt?: number; resolvedAt?: number; quiet?: 'dependency' | 'maintenance' }): void {
  const state = a.resolvedAt !== undefined ? 'resolved' : a.firedAt !== undefined ? 'firing' : 'pending';
  const quiet = a.quiet === 'dependency' ? { kind: 'dependency', parentId: 'gw', parentName: 'core-sw-1' } : a.quiet === 'maintenance' ? { kind: 'maintenance', windowId: 'w1', reason: 'patching', author: 'kim', untilMs: null } : undefined;
  const snapshot = { id: nextAlert, ruleId: a.rule, ruleName: a.ruleName, agentId: a.agent, agentName: a.agentName, state, ...(quiet ? { quiet } : {}) };
  db.prepare('INSERT INTO alerts (id, rule_id, agent_id, severity, state, started_at, fired_at, resolved_at, snapshot) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
    .run(nextAlert++, a.rule, a.agent, 'warning', state, a.startedAt, a.firedAt ?? null, a.resolvedAt ?? null, JSON.stringify(snapshot));
}

let nextSms = 1;
function sms(db: Db, contactId: string | null, at: number): void {
  db.prepare(`INSERT INTO sms_outbox (to_number, contact_id, kind, text, alert_ids, dedupe_key, state, created_at, updated_at) VALUES ('+8210', ?, 'alert', 'x', '[]', ?, 'sent', ?, ?)`)
    .run(contactId, `k${nextSms++}`, at, at);
}

void t.test('the noise report counts what a crafted history holds', (t) => {
  const db = open(tempDir(t));
  t.teardown(() => db.close());
  db.prepare(`INSERT INTO contacts (id, name, phone, language, severities, schedule) VALUES ('kim', 'Kim Minsu', '+821011112222', 'ko', '[]', '[]'), ('lee', 'Lee', '+821033334444', 'en', '[]', '[]')`).run();
  // kim: 3 SMS on Seoul's Dec 1 (one of them at 00:30, which is Nov 30 in UTC), 1 on Dec 2; lee: 1 on Dec 1
  sms(db, 'kim', T0);
  sms(db, 'kim', T0 + 60 * MIN);
  sms(db, 'kim', T0 + 120 * MIN);
  sms(db, 'kim', T0 + 24 * 60 * MIN);
  sms(db, 'lee', T0 + 10 * MIN);
  sms(db, null, T0 + 5 * MIN); // a reply to an unknown number: no contact
  sms(db, 'kim', T0 - 3 * 24 * 60 * MIN); // before the range

  // cpu on web-01 flaps three times (fired and resolved within 15 min), once it lasted an hour
  for (let i = 0; i < 3; i++) alert(db, { rule: 'cpu', ruleName: 'CPU busy', agent: 'a1', agentName: 'web-01', startedAt: T0 + i * 30 * MIN, firedAt: T0 + i * 30 * MIN + MIN, resolvedAt: T0 + i * 30 * MIN + 6 * MIN });
  alert(db, { rule: 'cpu', ruleName: 'CPU busy', agent: 'a2', agentName: 'web-02', startedAt: T0, firedAt: T0 + MIN, resolvedAt: T0 + 61 * MIN });
  // a pending one that never fired
  alert(db, { rule: 'cpu', ruleName: 'CPU busy', agent: 'a2', agentName: 'web-02', startedAt: T0 + 200 * MIN });
  // memory flaps once on web-02
  alert(db, { rule: 'mem', ruleName: 'Memory used', agent: 'a2', agentName: 'web-02', startedAt: T0, firedAt: T0 + MIN, resolvedAt: T0 + 3 * MIN });
  // behind a dead switch: two resolved while suppressed (2 SMS each saved), one still suppressed (1 saved)
  alert(db, { rule: 'silent', ruleName: 'Agent silent', agent: 'a3', agentName: 'db-01', startedAt: T0, firedAt: T0, resolvedAt: T0 + 30 * MIN, quiet: 'dependency' });
  alert(db, { rule: 'silent', ruleName: 'Agent silent', agent: 'a4', agentName: 'db-02', startedAt: T0, firedAt: T0, resolvedAt: T0 + 30 * MIN, quiet: 'dependency' });
  alert(db, { rule: 'silent', ruleName: 'Agent silent', agent: 'a5', agentName: 'db-03', startedAt: T0, firedAt: T0, quiet: 'dependency' });
  // in a maintenance window, resolved inside it
  alert(db, { rule: 'mem', ruleName: 'Memory used', agent: 'a1', agentName: 'web-01', startedAt: T0, firedAt: T0 + MIN, resolvedAt: T0 + 40 * MIN, quiet: 'maintenance' });
  // outside the range
  alert(db, { rule: 'cpu', ruleName: 'CPU busy', agent: 'a1', agentName: 'web-01', startedAt: T0 + 10 * 24 * 60 * MIN, firedAt: T0 + 10 * 24 * 60 * MIN });

  const r = noiseReport(db, { fromMs: T0 - 60 * MIN, toMs: T0 + 7 * 24 * 60 * MIN, timeZone: 'Asia/Seoul', withContactNames: true });
  t.same(r.smsPerContactDay, [
    { contactId: 'kim', name: 'Kim Minsu', day: '2026-12-01', sms: 3 },
    { contactId: 'lee', name: 'Lee', day: '2026-12-01', sms: 1 },
    { contactId: 'kim', name: 'Kim Minsu', day: '2026-12-02', sms: 1 },
  ], 'SMS per contact per day, days in Seoul');
  t.same(r.alertsPerRule, [
    { ruleId: 'cpu', ruleName: 'CPU busy', fired: 4, cancelled: 1 },
    { ruleId: 'silent', ruleName: 'Agent silent', fired: 3, cancelled: 0 },
    { ruleId: 'mem', ruleName: 'Memory used', fired: 2, cancelled: 0 },
  ], 'alerts per rule, most first');
  t.same(r.flappiestRules, [
    { id: 'cpu', name: 'CPU busy', flaps: 3, fired: 4 },
    { id: 'mem', name: 'Memory used', flaps: 1, fired: 2 },
  ], 'the flappiest rules');
  t.same(r.flappiestServers, [
    { id: 'a1', name: 'web-01', flaps: 3, fired: 4 },
    { id: 'a2', name: 'web-02', flaps: 1, fired: 2 },
  ], 'the flappiest servers (those that never flapped are not listed)');
  t.same(r.saved, { dependency: { alerts: 3, smsSaved: 5 }, maintenance: { alerts: 1, smsSaved: 2 } }, 'what dependencies and maintenance saved');

  const anonymous = noiseReport(db, { fromMs: T0 - 60 * MIN, toMs: T0 + 7 * 24 * 60 * MIN, timeZone: 'Asia/Seoul', withContactNames: false });
  t.same(anonymous.smsPerContactDay.map((row) => row.name), [null, null, null], 'no contact names for a role that may not read contacts');
  t.end();
});

void t.test('an empty history gives an empty report, not an error', (t) => {
  const db = open(tempDir(t));
  t.teardown(() => db.close());
  const r = noiseReport(db, { fromMs: 0, toMs: 1, timeZone: 'UTC', withContactNames: true });
  t.same({ ...r, timeZone: undefined }, { fromMs: 0, toMs: 1, timeZone: undefined, smsPerContactDay: [], alertsPerRule: [], flappiestRules: [], flappiestServers: [], saved: { dependency: { alerts: 0, smsSaved: 0 }, maintenance: { alerts: 0, smsSaved: 0 } } });
  t.end();
});
