// Which archive answers a series read (S9, S10): a chart's day of a 5 s series is read from the
// one-minute archive (1,440 rows, not 17,280), by starting the fetch past the raw archive's reach.
import t from 'tap';
import { archives } from '../../../appliance/store/rrd-layout.js';
import { fetchStart, LAST_UPDATE_LAG_S } from '../../../appliance/store/series-archive.js';

const DAY = 86_400;
const now = 2_000_000_000;
const cpu5s = archives(5, 'default', 'cpu');

void t.test('a day at a chart\'s width starts just past the raw archive\'s day, inside the minute archive\'s week', (t) => {
  const start = fetchStart(now - DAY, now, 600, now, 5, cpu5s);
  t.equal(start, now - DAY - LAST_UPDATE_LAG_S, 'an hour before the raw archive\'s reach');
  t.ok(start > now - 7 * DAY, 'within the one-minute archive');
  t.end();
});

void t.test('ranges whose points are finer than a minute are read as asked', (t) => {
  t.equal(fetchStart(now - 3600, now, 600, now, 5, cpu5s), now - 3600, 'an hour at 600 points: 6 s a point, the raw archive');
  t.equal(fetchStart(now - 600, now, 120, now, 5, cpu5s), now - 600, 'the live ten minutes');
  t.equal(fetchStart(now - DAY, now, 5000, now, 5, cpu5s), now - DAY, 'a day at 5,000 points: 17 s a point');
  t.end();
});

void t.test('a start already past the finer archive\'s reach is left to rrd_fetch', (t) => {
  t.equal(fetchStart(now - 365 * DAY, now, 600, now, 5, cpu5s), now - 365 * DAY, 'a year: the hour archive');
  t.equal(fetchStart(now - 4 * DAY, now - 3 * DAY, 600, now, 5, cpu5s), now - 4 * DAY, 'a day three days ago is past the raw reach already');
  t.end();
});

void t.test('a week at 600 points is read from the five-minute archive, a month from the hour archive', (t) => {
  t.equal(fetchStart(now - 7 * DAY, now, 600, now, 5, cpu5s), now - 7 * DAY - LAST_UPDATE_LAG_S, 'past the minute archive\'s week');
  t.equal(fetchStart(now - 30 * DAY, now, 600, now, 5, cpu5s), now - 31 * DAY - LAST_UPDATE_LAG_S, 'past the five-minute archive\'s 31 days');
  t.end();
});

void t.test('the bench profile\'s small files: moved only where the minute archive still reaches', (t) => {
  const bench = archives(5, 'bench', 'cpu');
  // bench: raw 30 min, one minute for 6 h: a day's start is past both, rrd_fetch picks as it can
  t.equal(fetchStart(now - DAY, now, 600, now, 5, bench), now - DAY);
  t.equal(fetchStart(now - 3 * 3600, now, 60, now, 5, bench), now - 3 * 3600, 'already past the raw reach');
  t.equal(fetchStart(now - 1200, now, 10, now, 5, bench), now - 1800 - LAST_UPDATE_LAG_S, '20 min at 10 points: 2 min a point, the minute archive');
  t.end();
});
