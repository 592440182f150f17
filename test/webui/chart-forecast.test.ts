// B9: the baseline band on the memory chart: the band comes in used % and the chart is in bytes.
import t from 'tap';
import type { SeriesBand } from '../../contract/api.js';
import { bandInBytes, forecastRuns } from '../../webui/src/components/chart-forecast.js';

const GIB = 1024 ** 3;

void t.test('a used-% band becomes bytes of the memory total; none without a band or a total', (t) => {
  const band: SeriesBand = { metric: 'memory_used_pct', unit: '%', deviations: 3, data: [[60, 120], [25, 50], [20, 40], [30, 60]] };
  const bytes = bandInBytes(band, 16 * GIB);
  t.same(bytes?.data, [[60, 120], [4 * GIB, 8 * GIB], [3.2 * GIB, 6.4 * GIB], [4.8 * GIB, 9.6 * GIB]], '25 % of 16 GiB is 4 GiB, each edge alike');
  t.equal(bytes?.deviations, 3, 'the key still says ± 3 deviations');
  t.same(band.data[1], [25, 50], 'the band asked for is not changed');
  t.equal(bandInBytes(null, 16 * GIB), null);
  t.equal(bandInBytes(band, undefined), null, 'no inventory yet: no band rather than one in the wrong unit');
  t.equal(bandInBytes(band, 0), null);
  t.end();
});

void t.test('a gap in the band splits it', (t) => {
  t.same(forecastRuns([60, 120, 180, 600, 660]), [[0, 2], [3, 4]]);
  t.end();
});
