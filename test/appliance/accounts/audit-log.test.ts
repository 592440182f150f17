// The audit log (docs/security.md, "Audit log"): who, when, from where, what, before/after;
// filtered and paged queries; CSV export; the newest 100,000 entries and 90 days kept.
import t from 'tap';
import { AuditLog } from '../../../appliance/accounts/audit-log.js';
import { accountsFixture } from './accounts-fixture.js';

const DAY = 86_400_000;

void t.test('an entry records who, when, from where, what, and the state before and after', (t) => {
  const f = accountsFixture(t);
  f.audit.append({ actor: 'alice', address: '192.0.2.1', action: 'user.role_changed', target: 'bob', before: { role: 'viewer' }, after: { role: 'operator' } });
  const { entries, total } = f.audit.query();
  t.equal(total, 1);
  t.match(entries[0], { at: f.clock.now(), actor: 'alice', address: '192.0.2.1', action: 'user.role_changed', target: 'bob', before: { role: 'viewer' }, after: { role: 'operator' } });
  t.end();
});

void t.test('queries filter by user, action, time range and text, newest first, in pages', async (t) => {
  const f = accountsFixture(t);
  const t0 = f.clock.now();
  for (let i = 0; i < 10; i++) {
    f.audit.append({ actor: i % 2 ? 'alice' : 'bob', action: i % 3 ? 'login' : 'user.created', target: `user${i}` });
    await f.clock.advance(1_000);
  }
  t.equal(f.audit.query({ actor: 'alice' }).total, 5);
  t.equal(f.audit.query({ action: 'user.created' }).total, 4);
  t.equal(f.audit.query({ from: t0 + 2_000, to: t0 + 5_000 }).total, 3, 'from inclusive, to exclusive');
  t.same(f.audit.query({ text: 'USER7' }).entries.map((e) => e.target), ['user7'], 'text, case-insensitive');
  t.equal(f.audit.query({ text: '%' }).total, 0, 'a LIKE wildcard is matched literally');
  const page2 = f.audit.query({ limit: 4, offset: 4 });
  t.same(page2.entries.map((e) => e.target), ['user5', 'user4', 'user3', 'user2']);
  t.equal(page2.total, 10);
});

void t.test('the CSV export has a header and one quoted, formula-safe record per entry', (t) => {
  const f = accountsFixture(t);
  f.audit.append({ actor: 'alice', address: '192.0.2.1', action: 'user.created', target: '=cmd|calc', after: { name: 'a,b' } });
  const csv = [...f.audit.csv()].join('');
  const lines = csv.split('\r\n');
  t.equal(lines[0], 'id,time,actor,address,action,target,before,after');
  t.equal(lines[1], `1,${new Date(f.clock.now()).toISOString()},alice,192.0.2.1,user.created,'=cmd|calc,,"{""name"":""a,b""}"`);
  t.end();
});

void t.test('rotation keeps the newest maxRows entries', (t) => {
  const f = accountsFixture(t);
  const audit = new AuditLog(f.db, f.clock, { maxRows: 100, rotateEvery: 50 });
  for (let i = 0; i < 260; i++) audit.append({ actor: null, action: 'x', target: String(i) });
  // rotated at 50, 100, … 250: at most maxRows + rotateEvery between rotations
  const { total, entries } = audit.query({ limit: 1 });
  t.equal(total, 110);
  t.equal(entries[0]?.target, '259', 'the newest is kept');
  audit.rotate();
  t.equal(audit.query().total, 100);
  t.equal(audit.query({ limit: 1, offset: 99 }).entries[0]?.target, '160', 'the oldest kept');
  t.end();
});

void t.test('rotation deletes entries older than 90 days', async (t) => {
  const f = accountsFixture(t);
  f.audit.append({ actor: null, action: 'old' });
  await f.clock.advance(60 * DAY);
  f.audit.append({ actor: null, action: 'newer' });
  await f.clock.advance(30 * DAY);
  t.equal(f.audit.rotate(), 1);
  t.same(f.audit.query().entries.map((e) => e.action), ['newer']);
  t.equal(new AuditLog(f.db, f.clock).query().total, 1, 'opening the log rotates too');
});
