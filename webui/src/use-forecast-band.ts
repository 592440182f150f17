// B9: a server's baseline band (rrdtool's forecast ± deviations of its CPU busy %) over the range
// its charts show, for the CPU chart's shaded band. The panel's own series read brings the first
// band (`band=1`, use-panel-data.ts): a server whose file has no forecast (no baseline rule covers
// it) costs no request of its own (S9, S14: fewer requests before the first render). One that has
// a band asks for it again over the range in whole minutes, so a live range that slides with
// every sample asks again once a minute; a rule added later shows its band from the panel's next
// read (a range chosen, a reload).
import type { SeriesBand } from '../../contract/api.js';
import type { Family } from '../../contract/families.js';
import { seriesOrNone } from './chart-sources.js';
import { useResource } from './use-resource.js';

const MINUTE_S = 60;
/** the band changes with each step; a minute is enough for a band several deviations wide */
const REFRESH_MS = 60_000;
const BAND_POINTS = 300;

/**
 * @param seed the band of the panel's own read of the series: undefined until it answered, null
 *   when the file has no forecast (then nothing is asked)
 */
export function useForecastBand(agentId: string, family: Family, xRange: readonly [number, number], seed: SeriesBand | null | undefined): SeriesBand | null {
  const fromM = Math.floor(xRange[0] / MINUTE_S);
  const toM = Math.ceil(xRange[1] / MINUTE_S);
  const has = seed !== undefined && seed !== null;
  const band = useResource(
    async (signal) => (has && toM > fromM ? (await seriesOrNone(agentId, { family, from: fromM * MINUTE_S, to: toM * MINUTE_S, points: BAND_POINTS, band: true }, signal))?.band ?? null : null),
    [agentId, family, fromM, toM, has],
    has ? { refreshMs: REFRESH_MS } : {},
  );
  return has ? (band.data ?? seed) : null;
}
