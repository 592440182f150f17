// Maintenance windows in the UI without a browser (B11): times shown and typed in the appliance's
// time zone across daylight-saving changes (Europe/Berlin), the form's body, a window read back
// for editing, and the chart's bands placed from the openings in its range.
import t from 'tap';
import type { MaintenanceWindow } from '../../contract/maintenance-api.js';
import { EMPTY_DRAFT, bandPlacements, draftFromWindow, formatInZone, inputFromDraft, localInputValue, msOfLocalInput } from '../../webui/src/maintenance-model.js';

const BERLIN = 'Europe/Berlin';
const iso = (ms: number | null): string => (ms === null ? 'null' : new Date(ms).toISOString());

void t.test('a next start is shown on the appliance\'s wall clock, before and after the spring change', (t) => {
  // a weekly Sunday 01:00 window: 00:00 UTC in winter time, 23:00 UTC the day before in summer time
  t.equal(formatInZone(Date.UTC(2026, 2, 22, 0), BERLIN, 'en-US'), 'Sun, 03/22/2026, 01:00');
  t.equal(formatInZone(Date.UTC(2026, 3, 4, 23), BERLIN, 'en-US'), 'Sun, 04/05/2026, 01:00', 'still 01:00 after the change');
  t.match(formatInZone(Date.UTC(2026, 3, 4, 23), BERLIN, 'ko-KR'), /2026\. 04\. 05\. \(일\) 01:00/, 'in Korean too');
  t.equal(formatInZone(Date.UTC(2026, 3, 4, 23), 'Asia/Seoul', 'en-US'), 'Sun, 04/05/2026, 08:00', 'another appliance zone, another wall clock');
  t.end();
});

void t.test('a one-off window\'s times typed on the appliance\'s wall clock', (t) => {
  t.equal(iso(msOfLocalInput('2026-03-28T22:00', BERLIN)), '2026-03-28T21:00:00.000Z', 'winter time: UTC+1');
  t.equal(iso(msOfLocalInput('2026-03-29T04:00', BERLIN)), '2026-03-29T02:00:00.000Z', 'after the change: UTC+2');
  t.equal(localInputValue(Date.UTC(2026, 2, 29, 2), BERLIN), '2026-03-29T04:00', 'and back');
  t.equal(iso(msOfLocalInput('2026-10-25T02:30', BERLIN)), '2026-10-25T00:30:00.000Z', 'the repeated autumn hour: its first occurrence');
  t.equal(localInputValue(msOfLocalInput('2026-03-29T02:30', BERLIN) ?? 0, BERLIN), '2026-03-29T03:30', 'the skipped spring hour: where the clock jumps to');
  t.equal(msOfLocalInput('tomorrow', BERLIN), null);
  t.equal(msOfLocalInput('', BERLIN), null);
  t.end();
});

void t.test('the form\'s body: only the chosen scope and schedule, days in order, the reason trimmed', (t) => {
  t.same(inputFromDraft({ ...EMPTY_DRAFT, agentId: 'a1', days: [6, 0], reason: '  backup  ' }, BERLIN), {
    scope: { kind: 'agent', agentId: 'a1' }, schedule: { kind: 'weekly', days: [0, 6], start: '01:00', end: '05:00' }, reason: 'backup',
  });
  t.same(inputFromDraft({ ...EMPTY_DRAFT, scopeKind: 'group', groupId: 'g1', scheduleKind: 'cron', cron: ' 0 3 * * 0 ', durationMinutes: '90', reason: 'patch' }, BERLIN), {
    scope: { kind: 'group', groupId: 'g1' }, schedule: { kind: 'cron', cron: '0 3 * * 0', durationMinutes: 90 }, reason: 'patch',
  });
  const once = inputFromDraft({ ...EMPTY_DRAFT, scopeKind: 'all', scheduleKind: 'once', startsAt: '2026-03-28T22:00', endsAt: 'x', reason: 'r' }, BERLIN);
  t.same(once.scope, { kind: 'all' });
  t.equal(JSON.stringify(once.schedule), `{"kind":"once","startsAt":${Date.UTC(2026, 2, 28, 21)},"endsAt":null}`, 'an unreadable time reaches the appliance as null, which names the field');
  t.end();
});

void t.test('a window read back for editing gives the same body', (t) => {
  const stored: MaintenanceWindow = {
    id: 'w1', author: 'park', createdAt: 0, updatedAt: 0, current: null, next: null, reason: 'disk swap',
    scope: { kind: 'agent', agentId: 'a1' }, schedule: { kind: 'once', startsAt: Date.UTC(2026, 9, 24, 22), endsAt: Date.UTC(2026, 9, 25, 3) },
  };
  const d = draftFromWindow(stored, BERLIN);
  t.equal(d.startsAt, '2026-10-25T00:00');
  t.equal(d.endsAt, '2026-10-25T04:00', 'after the autumn change');
  t.same(inputFromDraft(d, BERLIN), { scope: stored.scope, schedule: stored.schedule, reason: stored.reason });
  t.end();
});

void t.test('bands: openings clipped to the chart\'s range, overlapping ones merged, the rest left out', (t) => {
  const h = 3_600_000;
  const from = Date.UTC(2026, 2, 22) / 1000;
  const to = from + 10 * 3600; // ten hours
  const base = from * 1000;
  const bands = bandPlacements([
    { startsAt: base - 5 * h, endsAt: base - h }, // before the range
    { startsAt: base + 6 * h, endsAt: base + 8 * h }, // merged with the next
    { startsAt: base - h, endsAt: base + 2 * h }, // starts before the range: clipped
    { startsAt: base + 7 * h, endsAt: base + 12 * h }, // ends after it: clipped
    { startsAt: base + 11 * h, endsAt: base + 12 * h }, // after the range
  ], from, to);
  t.same(bands.map((b) => [Math.round(b.leftPct), Math.round(b.widthPct)]), [[0, 20], [60, 40]]);
  t.same(bands.map((b) => [iso(b.startsAt), iso(b.endsAt)]), [
    [iso(base - h), iso(base + 2 * h)], [iso(base + 6 * h), iso(base + 12 * h)],
  ], 'each band keeps its opening\'s own times for its tooltip');
  t.same(bandPlacements([{ startsAt: base, endsAt: base + h }], to, from), [], 'an empty range draws nothing');
  t.end();
});
