// B9: a server's baseline band (rrdtool's forecast ± deviations of its CPU busy %) over the range
// its charts show, for the CPU chart's shaded band. Asked for whole minutes, so a live range that
// slides with every sample asks again once a minute; null when no baseline rule covers the server
// (its file has no forecast) or the series is not there yet.
import type { SeriesBand } from '../../contract/api.js';
import type { Family } from '../../contract/families.js';
import { seriesOrNone } from './chart-sources.js';
import { useResource } from './use-resource.js';

const MINUTE_S = 60;
/** the band changes with each step; a minute is enough for a band several deviations wide */
const REFRESH_MS = 60_000;
const BAND_POINTS = 300;

export function useForecastBand(agentId: string, family: Family, xRange: readonly [number, number]): SeriesBand | null {
  const fromM = Math.floor(xRange[0] / MINUTE_S);
  const toM = Math.ceil(xRange[1] / MINUTE_S);
  const band = useResource(
    async (signal) => (toM > fromM ? (await seriesOrNone(agentId, { family, from: fromM * MINUTE_S, to: toM * MINUTE_S, points: BAND_POINTS, band: true }, signal))?.band ?? null : null),
    [agentId, family, fromM, toM],
    { refreshMs: REFRESH_MS },
  );
  return band.data ?? null;
}
