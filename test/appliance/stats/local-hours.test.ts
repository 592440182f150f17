// Business hours and report schedules in the appliance's time zone (S10), pure: the offset cache
// agrees with Intl on every quarter hour of a week with a DST change, weekends are not business
// hours, and a daily report's time is kept across DST (a skipped time runs just after the jump).
import t from 'tap';
import { businessHoursTest, offsetCache, zoneOffsetMs } from '../../../appliance/stats/local-hours.js';
import { nextDue, runPeriod } from '../../../appliance/stats/report-schedule.js';

const HOUR = 3_600_000;

void t.test('the offset cache agrees with Intl across a DST change (Europe/Berlin, 30 March 2025)', (t) => {
  const cached = offsetCache('Europe/Berlin');
  const from = Date.UTC(2025, 2, 27);
  let wrong = 0;
  for (let ms = from; ms < from + 7 * 24 * HOUR; ms += 900_000) if (cached(ms + 60_000) !== zoneOffsetMs(ms + 60_000, 'Europe/Berlin')) wrong++;
  t.equal(wrong, 0);
  t.equal(cached(Date.UTC(2025, 2, 30, 0, 59)), HOUR, 'CET before 01:00 UTC');
  t.equal(cached(Date.UTC(2025, 2, 30, 1, 0)), 2 * HOUR, 'CEST from 01:00 UTC');
  t.end();
});

void t.test('business hours: weekdays 09:00–18:00 local, the end excluded', (t) => {
  const inHours = businessHoursTest({ days: [1, 2, 3, 4, 5], start: '09:00', end: '18:00' }, 'Asia/Seoul');
  const seoul = (d: number, h: number, m = 0): number => Date.UTC(2025, 4, d, h - 9, m);
  t.ok(inHours(seoul(28, 9)), 'Wednesday 09:00');
  t.ok(inHours(seoul(28, 17, 59)), 'Wednesday 17:59');
  t.notOk(inHours(seoul(28, 18)), 'Wednesday 18:00');
  t.notOk(inHours(seoul(28, 8, 59)), 'Wednesday 08:59');
  t.notOk(inHours(seoul(31, 10)), 'Saturday 10:00');
  t.notOk(inHours(seoul(25, 10)), 'Sunday 10:00');
  t.end();
});

void t.test('report schedules in the zone', (t) => {
  const zone = 'Europe/Berlin';
  const daily = { schedule: 'daily', at: '02:30', weekday: 1, monthDay: 1 } as const;
  // 29 March 2025 03:00 CET; 02:30 on the 30th does not exist (02:00 → 03:00)
  const skipped = nextDue(daily, Date.UTC(2025, 2, 29, 2), zone);
  t.equal(skipped, Date.UTC(2025, 2, 30, 1, 30), 'the skipped 02:30 runs at 03:30 CEST, an hour after the jump');
  t.equal(nextDue(daily, skipped, zone), Date.UTC(2025, 2, 31, 0, 30), 'then 02:30 CEST');
  const monthly = { schedule: 'monthly', at: '06:00', weekday: 1, monthDay: 1 } as const;
  const due = nextDue(monthly, Date.UTC(2025, 1, 10), zone);
  t.equal(due, Date.UTC(2025, 2, 1, 5), '1 March 06:00 CET');
  t.same(runPeriod(monthly, due, zone), { from: Date.UTC(2025, 1, 1, 5) / 1000, to: due / 1000 }, 'the month of February');
  const weekly = { schedule: 'weekly', at: '07:00', weekday: 0, monthDay: 1 } as const;
  t.equal(nextDue(weekly, Date.UTC(2025, 2, 26), zone), Date.UTC(2025, 2, 30, 5), 'Sunday 30 March 07:00 CEST');
  t.same(runPeriod(weekly, Date.UTC(2025, 2, 30, 5), zone), { from: Date.UTC(2025, 2, 23, 6) / 1000, to: Date.UTC(2025, 2, 30, 5) / 1000 }, 'seven local days: 167 hours that week');
  t.end();
});
