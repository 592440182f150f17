// Maintenance windows (B11) in the alert engine, in virtual time with the real repository, hub
// and outbox (support/alerting-rig.ts): an alert firing in a window opens "in maintenance" and is
// not texted; one still firing when the window ends is texted then, one that resolved inside it
// never; a weekly window keeps its wall-clock hours across a daylight-saving change
// (Europe/Berlin); a cron rule; the bounds of a window's body, each problem naming its field.
import t from 'tap';
import type { Alert } from '../../../contract/alerting.js';
import type { MaintenanceWindow } from '../../../contract/maintenance-api.js';
import { VirtualClock } from '../../helpers/virtual-clock.js';
import { contact, cpu, rig, rule, texts, type Rig } from './support/alerting-rig.js';

const KIM = '+821011112222';

function setup(t: Parameters<typeof rig>[0], startMs: number, timeZone = 'UTC'): Rig {
  const r = rig(t, { clock: new VirtualClock(startMs), timeZone });
  r.agents.add('a1', 'web-01', 'online', startMs);
  r.admin.deleteRule('default-agent-silent');
  r.admin.saveContact(contact('kim', KIM));
  r.admin.saveRule(rule(0));
  return r;
}

function window(r: Rig, body: unknown): MaintenanceWindow {
  const made = r.maintenance.create(body, 'park', r.clock.now());
  if (!made.ok) throw new Error(made.problems.join('; '));
  r.engine.maintenanceChanged();
  return made.value;
}

/** Busy CPU (idle %) every minute until `untilMs`: the series stays fresh, the alert stays as it is. */
async function feed(r: Rig, untilMs: number, idle: number): Promise<void> {
  while (r.clock.now() < untilMs) {
    r.engine.onBatch('a1', cpu(Math.floor(r.clock.now() / 1000), idle));
    await r.clock.advance(Math.min(60_000, untilMs - r.clock.now()));
  }
}

const open = (r: Rig): Alert | undefined => r.engine.openAlerts()[0];
const iso = (ms: number): string => new Date(ms).toISOString();

void t.test('a weekly window, Sunday 01:00–05:00 in Europe/Berlin, keeps its wall-clock hours across the spring change; an alert firing in it is texted when it ends', async (t) => {
  // Saturday 28 March 2026, noon UTC; clocks go from 02:00 CET to 03:00 CEST on Sunday 29 March
  const r = setup(t, Date.UTC(2026, 2, 28, 12), 'Europe/Berlin');
  const w = window(r, { scope: { kind: 'agent', agentId: 'a1' }, schedule: { kind: 'weekly', days: [0], start: '01:00', end: '05:00' }, reason: 'kernel updates' });
  t.equal(w.author, 'park');
  t.same(w.current, null);
  t.same([iso(w.next?.startsAt ?? 0), iso(w.next?.endsAt ?? 0)], ['2026-03-29T00:00:00.000Z', '2026-03-29T03:00:00.000Z'],
    '01:00 CET to 05:00 CEST: three hours that day, not a fixed four');
  await r.clock.advance(Date.UTC(2026, 2, 29, 0, 30) - r.clock.now());
  const listing = r.maintenance.listing(r.clock.now(), { agentId: 'a1', groupIds: [] });
  t.same(listing.server?.current, { startsAt: Date.UTC(2026, 2, 29, 0), endsAt: Date.UTC(2026, 2, 29, 3), windowId: w.id }, 'the server\'s current window');
  t.same(listing.server?.next, { startsAt: Date.UTC(2026, 3, 4, 23), endsAt: Date.UTC(2026, 3, 5, 3), windowId: w.id }, 'the next one is 01:00–05:00 CEST: 23:00–03:00 UTC');

  await feed(r, Date.UTC(2026, 2, 29, 2, 59), 1);
  t.match(open(r), { state: 'firing', quiet: { kind: 'maintenance', windowId: w.id, reason: 'kernel updates', author: 'park', untilMs: Date.UTC(2026, 2, 29, 3) } }, 'firing, in maintenance');
  t.same(texts(r), [], 'nothing texted during the window, no escalation either');
  const shown = r.events.filter((e) => e.name === 'alert').map((e) => (e.data as { kind: string; alert: Alert }).alert).find((a) => a.state === 'firing');
  t.match(shown?.quiet, { kind: 'maintenance' }, 'the live stream shows it in maintenance');
  await feed(r, Date.UTC(2026, 2, 29, 3, 0, 30), 1);
  t.equal(open(r)?.quiet, undefined, 'the window is over');
  t.match(texts(r, KIM), [/^\[CRIT\] web-01 cpu 99% \(>90\)/], 'texted at 05:00 local (03:00 UTC), not an hour later');
  const row = r.db.prepare<[number], { snapshot: string }>('SELECT snapshot FROM alerts WHERE id = ?').get(open(r)?.id ?? 0);
  t.notMatch(row?.snapshot ?? '', /"quiet"/, 'the stored alert lost its mark too (a restart does not quiet it again)');
  await feed(r, Date.UTC(2026, 2, 29, 3, 20), 50);
  t.match(texts(r, KIM).at(-1), /^\[OK\] web-01/, 'and its recovery, to whoever was told');
});

void t.test('the autumn change: 01:00–05:00 is five hours that Sunday', (t) => {
  const r = setup(t, Date.UTC(2026, 9, 24, 12), 'Europe/Berlin');
  const w = window(r, { scope: { kind: 'all' }, schedule: { kind: 'weekly', days: [0], start: '01:00', end: '05:00' }, reason: 'backup' });
  t.same([iso(w.next?.startsAt ?? 0), iso(w.next?.endsAt ?? 0)], ['2026-10-24T23:00:00.000Z', '2026-10-25T04:00:00.000Z']);
  t.end();
});

void t.test('a chart\'s range: every opening over the server in it, across the spring change, bounded (the bands, B11)', (t) => {
  const r = setup(t, Date.UTC(2026, 2, 20, 12), 'Europe/Berlin');
  const w = window(r, { scope: { kind: 'agent', agentId: 'a1' }, schedule: { kind: 'weekly', days: [0], start: '01:00', end: '05:00' }, reason: 'backup' });
  const listing = r.maintenance.listing(r.clock.now(), { agentId: 'a1', groupIds: [], range: { fromMs: Date.UTC(2026, 2, 21), toMs: Date.UTC(2026, 3, 6) } });
  t.equal(listing.timeZone, 'Europe/Berlin', 'the zone the hours are read in');
  t.same(listing.server?.spans?.map((s) => [iso(s.startsAt), iso(s.endsAt), s.windowId]), [
    ['2026-03-22T00:00:00.000Z', '2026-03-22T04:00:00.000Z', w.id],
    // 01:00 CET is 00:00 UTC; after the change 01:00 CEST is 23:00 UTC the day before, four wall-clock hours but three real ones
    ['2026-03-29T00:00:00.000Z', '2026-03-29T03:00:00.000Z', w.id],
    ['2026-04-04T23:00:00.000Z', '2026-04-05T03:00:00.000Z', w.id],
  ]);
  const cut = r.maintenance.listing(r.clock.now(), { agentId: 'a1', groupIds: [], range: { fromMs: Date.UTC(2026, 2, 22, 2), toMs: Date.UTC(2026, 2, 22, 3) } });
  t.same(cut.server?.spans?.map((s) => iso(s.startsAt)), ['2026-03-22T00:00:00.000Z'], 'an opening that began before the range and covers it is in it');
  const everyMinute = window(r, { scope: { kind: 'all' }, schedule: { kind: 'cron', cron: '* * * * *', durationMinutes: 1 }, reason: 'noisy' });
  const many = r.maintenance.listing(r.clock.now(), { agentId: 'a1', groupIds: [], range: { fromMs: Date.UTC(2026, 2, 1), toMs: Date.UTC(2026, 5, 1) } });
  t.equal(many.server?.spans?.length, 2_000, 'at most 2,000 openings per range');
  t.ok(many.server?.spans?.some((s) => s.windowId === everyMinute.id));
  t.end();
});

void t.test('an alert that fires and resolves inside a window sends nothing, then or after', async (t) => {
  const start = Date.UTC(2026, 5, 1, 10);
  const r = setup(t, start);
  window(r, { scope: { kind: 'all' }, schedule: { kind: 'once', startsAt: start, endsAt: start + 3600_000 }, reason: 'rack move' });
  await feed(r, start + 10 * 60_000, 1);
  t.match(open(r), { state: 'firing', quiet: { kind: 'maintenance', reason: 'rack move' } });
  await feed(r, start + 20 * 60_000, 50);
  t.same(r.engine.openAlerts(), [], 'resolved inside the window');
  const history = r.db.prepare<[], { snapshot: string }>("SELECT snapshot FROM alerts WHERE state = 'resolved'").all();
  t.equal(history.length, 1, 'it stays in the history');
  t.match(JSON.parse(history[0]?.snapshot ?? '{}'), { quiet: { kind: 'maintenance', reason: 'rack move' } }, 'marked as fired in maintenance');
  await feed(r, start + 2 * 3600_000, 50);
  t.same(texts(r), [], 'no SMS at all: not the alert, not its recovery, not at the window\'s end');
});

void t.test('a window over a group, or with a cron rule; an alert that fired before a window keeps its course', async (t) => {
  const start = Date.UTC(2026, 5, 1, 1, 50);
  const r = setup(t, start);
  r.agents.add('a2', 'db-01', 'online', start);
  // group members are agents of the database (a foreign key)
  r.db.prepare('INSERT INTO agents (id, hostname, secret_hash, created_at) VALUES (?, ?, ?, ?)').run('a2', 'db-01', 'x', start);
  r.admin.saveGroup({ id: 'db', name: 'db' }, ['a2']);
  window(r, { scope: { kind: 'group', groupId: 'db' }, schedule: { kind: 'cron', cron: '0 2 * * *', durationMinutes: 30 }, reason: 'nightly dump' });
  await r.clock.advance(15 * 60_000);
  r.engine.onBatch('a1', cpu(Math.floor(r.clock.now() / 1000), 1));
  r.engine.onBatch('a2', cpu(Math.floor(r.clock.now() / 1000), 1));
  const byAgent = (id: string): Alert | undefined => r.engine.openAlerts().find((a) => a.agentId === id);
  t.equal(byAgent('a1')?.quiet, undefined, 'web-01 is not in the group');
  t.match(byAgent('a2')?.quiet, { kind: 'maintenance', untilMs: Date.UTC(2026, 5, 1, 2, 30) }, 'db-01 is, from 02:00 for 30 minutes');
  t.equal(texts(r).length, 1, 'only web-01 is texted');
  t.match(texts(r)[0], /web-01/);
  for (let i = 0; i < 27; i++) {
    r.engine.onBatch('a1', cpu(Math.floor(r.clock.now() / 1000), 1));
    r.engine.onBatch('a2', cpu(Math.floor(r.clock.now() / 1000), 1));
    await r.clock.advance(60_000);
    if (r.clock.now() < Date.UTC(2026, 5, 1, 2, 30)) t.equal(texts(r).length, 1, 'db-01 quiet until 02:30');
  }
  t.match(texts(r).at(-1), /^\[CRIT\] db-01 cpu 99% \(>90\) 02:05 #2/, 'db-01 still firing at 02:30: texted then (with the time it fired)');
  t.equal(texts(r).length, 2);
});

void t.test('a window\'s body: each problem names its field', (t) => {
  const r = setup(t, Date.UTC(2026, 5, 1, 10));
  const problems = (body: unknown): string[] => {
    const made = r.maintenance.create(body, 'park', r.clock.now());
    return made.ok ? [] : made.problems;
  };
  const weekly = { kind: 'weekly', days: [0], start: '01:00', end: '05:00' };
  t.match(problems({ scope: { kind: 'agent', agentId: 'nope' }, schedule: weekly, reason: 'x' }), ['scope.agentId: no server nope']);
  t.match(problems({ scope: { kind: 'group', groupId: 'nope' }, schedule: weekly, reason: 'x' }), ['scope.groupId: no group nope']);
  t.match(problems({ scope: { kind: 'all' }, schedule: { ...weekly, days: [7] }, reason: 'x' }), [/^schedule\.days\.0: /]);
  t.match(problems({ scope: { kind: 'all' }, schedule: { ...weekly, start: '25:00' }, reason: 'x' }), [/^schedule\.start: must be HH:MM/]);
  t.match(problems({ scope: { kind: 'all' }, schedule: { ...weekly, end: '01:00' }, reason: 'x' }), [/^schedule\.end: must differ/]);
  t.match(problems({ scope: { kind: 'all' }, schedule: { kind: 'cron', cron: '0 2 * *', durationMinutes: 30 }, reason: 'x' }), [/^schedule\.cron: must have five fields/]);
  t.match(problems({ scope: { kind: 'all' }, schedule: { kind: 'cron', cron: '0 27 * * *', durationMinutes: 30 }, reason: 'x' }), [/^schedule\.cron: is not a cron rule/]);
  t.match(problems({ scope: { kind: 'all' }, schedule: { kind: 'cron', cron: '0 2 * * *', durationMinutes: 20_000 }, reason: 'x' }), [/^schedule\.durationMinutes: at most 10080/]);
  const now = r.clock.now();
  t.match(problems({ scope: { kind: 'all' }, schedule: { kind: 'once', startsAt: now - 7200_000, endsAt: now - 3600_000 }, reason: 'x' }), ['schedule.endsAt: is in the past']);
  t.match(problems({ scope: { kind: 'all' }, schedule: { kind: 'once', startsAt: now, endsAt: now + 8 * 86_400_000 }, reason: 'x' }), [/^schedule\.endsAt: a window lasts at most 7 days/]);
  t.match(problems({ scope: { kind: 'all' }, schedule: weekly, reason: '  ' }), [/^reason: say why/]);
  t.match(problems({ scope: { kind: 'all' }, schedule: weekly, reason: 'a\nb' }), [/^reason: must not hold control characters/]);
  t.match(problems({ scope: { kind: 'all' }, schedule: weekly, reason: 'x'.repeat(201) }), [/^reason: at most 200/]);
  t.match(problems({ scope: { kind: 'all' }, schedule: weekly, reason: 'x', extra: 1 }), ['extra: unknown setting']);
  t.same(r.maintenance.list(), [], 'nothing stored');
  t.end();
});

void t.test('RES: a quiet alert stays quiet across a restart and is texted when its window ends', async (t) => {
  const start = Date.UTC(2026, 5, 1, 10);
  const file = `${t.testdir()}/restart.sqlite`;
  const clock = new VirtualClock(start);
  const first = rig(t, { file, clock });
  first.agents.add('a1', 'web-01', 'online', start);
  first.admin.deleteRule('default-agent-silent');
  first.admin.saveContact(contact('kim', KIM));
  first.admin.saveRule(rule(0));
  window(first, { scope: { kind: 'all' }, schedule: { kind: 'once', startsAt: start, endsAt: start + 30 * 60_000 }, reason: 'firmware' });
  await feed(first, start + 5 * 60_000, 1);
  t.match(open(first)?.quiet, { kind: 'maintenance' });
  first.engine.stop();
  const second = rig(t, { file, clock, agents: first.agents });
  second.admin.deleteRule('default-agent-silent');
  t.match(open(second)?.quiet, { kind: 'maintenance', reason: 'firmware' }, 'restored quiet');
  await feed(second, start + 29 * 60_000, 1);
  t.same(texts(second), [], 'not texted after the restart either');
  await feed(second, start + 31 * 60_000, 1);
  t.match(texts(second, KIM), [/^\[CRIT\] web-01 cpu/], 'texted when the window ended');
});
