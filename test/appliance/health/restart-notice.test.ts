// D1, RES: after an unplanned end of the last run (no clean stop) the appliance knows how long
// it was down, to text the on-call contacts; after a clean stop or on the very first start it
// texts nobody.
import t from 'tap';
import { AliveMarker, ALIVE_EVERY_MS, restartText, unplannedDowntimeMs } from '../../../appliance/health/restart-notice.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { VirtualClock } from '../../helpers/virtual-clock.js';
import { silentLogger } from '../../../core/logger.js';

void t.test('the first start ever is not a restart', (t) => {
  t.equal(unplannedDowntimeMs(tempDir(t), Date.now()), null);
  t.end();
});

void t.test('a clean stop is not reported; the next run without one is', async (t) => {
  const dir = tempDir(t);
  const clock = new VirtualClock();
  const alive = new AliveMarker({ dataDir: dir, clock, logger: silentLogger });
  alive.start();
  await clock.advance(5 * ALIVE_EVERY_MS);
  alive.stop();
  t.equal(unplannedDowntimeMs(dir, clock.now() + 60_000), null, 'the clean stop is not reported');
  // the second run crashes: no stop()
  const second = new AliveMarker({ dataDir: dir, clock, logger: silentLogger });
  second.start();
  t.teardown(() => second.stop());
  await clock.advance(3 * ALIVE_EVERY_MS);
  const lastAlive = clock.now();
  const down = unplannedDowntimeMs(dir, lastAlive + 17 * 60_000);
  t.ok(down !== null && Math.abs(down - 17 * 60_000) < 1_000, `down 17 minutes (${down} ms)`);
  t.equal(restartText('rw-1', down ?? 0).en, 'rackwatch rw-1 restarted after being down 17 min');
  t.equal(restartText('rw-1', down ?? 0).ko, 'rackwatch rw-1 재시작: 17분 동안 중단되었습니다');
  // D1: a clock found behind the last known time cannot measure the outage: it is not made up
  t.same(restartText('rw-1', null), {
    en: 'rackwatch rw-1 restarted; down time unknown (clock not synchronised)',
    ko: 'rackwatch rw-1 재시작: 시계가 동기화되지 않아 중단 시간을 알 수 없습니다',
  });
});
