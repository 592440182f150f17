// Data behind one wall panel (S9): one family of one server over the wall's range. Live walls are
// seeded with the last ten minutes from the series API and then extended from the page's one
// shared stream (live-stream.ts), as a server panel is; other ranges ask for about one point per
// pixel. Only the one series is read, so a wall of many panels costs one request each.
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { WallFamily, WallRange } from '../../contract/walls-api.js';
import type { FieldOf } from '../../contract/families.js';
import { ApiRequestError, errorReason, getSeries } from './api-client.js';
import { streamSeries } from './live-stream.js';
import { BITS_PER_BYTE, CPU_FIELDS, MEMORY_FIELDS, NET_FIELDS } from './metric-fields.js';
import { appendSample, emptyWindow, mergeSeed, scaleWindow, windowFromResponse, type SeriesWindow, type WindowBounds } from './series-window.js';
import { LIVE_WINDOW_S } from './use-panel-data.js';
import { useUi } from './ui-context.js';
import { seriesOfPanel, WALL_RANGE_S } from './walls-model.js';

const LIVE_BOUNDS: WindowBounds = { maxAgeS: LIVE_WINDOW_S, maxPoints: 2000 };
const LOAD_FIELDS = ['load1', 'load5', 'load15'] as const satisfies readonly FieldOf<'load'>[];
/** a disk panel charts used space under the filesystem's size */
const DISK_FIELDS = ['used', 'size'] as const satisfies readonly FieldOf<'fs'>[];

export const PANEL_FIELDS: Record<WallFamily, readonly string[]> = {
  cpu: CPU_FIELDS, memory: MEMORY_FIELDS, disk: DISK_FIELDS, network: NET_FIELDS, load: LOAD_FIELDS,
};

export interface WallPanelData {
  window: SeriesWindow;
  xRange: readonly [number, number];
  error: string | null;
  loading: boolean;
}

/**
 * @param agentId null: the wall names a host the appliance does not know (nothing is read)
 * @param key a keyed family's key (filesystem, interface); null while it is unknown
 */
export function useWallPanel(agentId: string | null, family: WallFamily, key: string | null, range: WallRange, widthPx: number, resync: number): WallPanelData {
  const { stream } = useUi();
  const fields = PANEL_FIELDS[family];
  const series = seriesOfPanel(family);
  const keyed = family === 'disk' || family === 'network';
  const [window, setWindow] = useState<SeriesWindow>(() => emptyWindow(fields));
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [fetched, setFetched] = useState<readonly [number, number] | null>(null);
  const [nowS, setNowS] = useState(() => Date.now() / 1000);
  const waitingForKey = keyed && key === null;

  useEffect(() => {
    if (agentId === null || waitingForKey) return undefined;
    const controller = new AbortController();
    const live = range === 'live';
    const to = Date.now() / 1000;
    const from = to - (live ? LIVE_WINDOW_S : WALL_RANGE_S[range]);
    setWindow(emptyWindow(fields));
    setError(null);
    setLoading(true);
    setFetched(live ? null : [from, to]);
    getSeries(agentId, { family: series, from, to, points: Math.max(60, Math.min(1500, Math.round(widthPx))), ...(key === null ? {} : { key }) }, controller.signal)
      .then((r) => {
        if (controller.signal.aborted) return;
        const seed = windowFromResponse(fields, r);
        setWindow((cur) => (live ? mergeSeed(seed, cur, LIVE_BOUNDS) : seed));
      })
      .catch((e: unknown) => {
        if (controller.signal.aborted) return;
        // no such series yet (an agent that has not sent it): an empty chart, not a failure
        if (!(e instanceof ApiRequestError && e.status === 404)) setError(errorReason(e));
      })
      .finally(() => {
        if (!controller.signal.aborted) setLoading(false);
      });
    return () => controller.abort();
    // widthPx is read once per fetch: a resized wall stretches its charts instead of refetching
  }, [agentId, series, key, range, resync, waitingForKey]);

  useEffect(() => {
    if (agentId === null || range !== 'live') return undefined;
    const off = stream.on('sample', (ev) => {
      if (ev.agentId !== agentId) return;
      const mine = streamSeries(ev).filter((s) => s.family === series && (key === null || s.key === key));
      if (mine.length === 0) return;
      setNowS(Date.now() / 1000);
      setWindow((cur) => mine.reduce((w, s) => appendSample(w, s.t, s.values, LIVE_BOUNDS), cur));
    });
    // a live chart slides with the clock when its server falls silent, so the silence shows
    const timer = setInterval(() => setNowS(Date.now() / 1000), 5000);
    return () => {
      off();
      clearInterval(timer);
    };
  }, [stream, agentId, series, key, range]);

  const shown = useMemo(() => (family === 'network' ? scaleWindow(window, BITS_PER_BYTE) : window), [family, window]);
  const xRange = useMemo((): readonly [number, number] => {
    if (fetched) return fetched;
    const last = Math.max(nowS, window.data[0][window.data[0].length - 1] ?? 0);
    return [last - LIVE_WINDOW_S, last];
  }, [fetched, nowS, window]);
  return { window: shown, xRange, error, loading: loading && !waitingForKey && agentId !== null };
}
