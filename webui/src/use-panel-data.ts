// Data behind one server panel: the agent's detail (inventory, latest values) and the chart
// windows for the chosen time range. Live mode seeds each chart with the last ten minutes from the
// series API and then appends the agent's samples from the shared stream; the other ranges ask the
// API for about one point per chart pixel (the appliance picks the RRD archive and consolidates).
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { AgentDetail, LatestSeries, SeriesBand } from '../../contract/api.js';
import type { Family } from '../../contract/families.js';
import { filesystemUsedPct } from '../../contract/filesystem-use.js';
import { errorReason, getAgent } from './api-client.js';
import { seriesOrNone } from './chart-sources.js';
import type { SeriesQuery } from './api-client.js';
import { CPU_FIELDS, FS_FIELDS, MEMORY_FIELDS, NET_FIELDS, isChartedInterface } from './metric-fields.js';
import { appendSample, emptyWindow, mergeSeed, windowFromResponse } from './series-window.js';
import type { SeriesWindow, WindowBounds } from './series-window.js';
import { useUi } from './ui-context.js';
import { streamSeries } from './live-stream.js';
import { takeTurn } from './panel-turns.js';

export type RangeId = 'live' | '1h' | '1d' | '1w' | '1m' | '1y';
export const RANGES: readonly RangeId[] = ['live', '1h', '1d', '1w', '1m', '1y'];
const RANGE_SECONDS: Record<Exclude<RangeId, 'live'>, number> = {
  '1h': 3600,
  '1d': 86_400,
  '1w': 7 * 86_400,
  '1m': 30 * 86_400,
  '1y': 365 * 86_400,
};

/** Live charts show (and keep) the last ten minutes. */
export const LIVE_WINDOW_S = 600;
/** 2000 points is one per second over the window, more than a collector ever sends. */
const LIVE_BOUNDS: WindowBounds = { maxAgeS: LIVE_WINDOW_S, maxPoints: 2000 };
/** More interface lines than this make the network chart unreadable; busiest ones first. */
const MAX_CHARTED_INTERFACES = 4;

export interface FsRow {
  mount: string;
  used: number | null;
  size: number | null;
  pct: number | null;
}

export interface KeyedWindow {
  key: string;
  window: SeriesWindow;
}

interface Charts {
  cpu: SeriesWindow;
  memory: SeriesWindow;
  fs: KeyedWindow | null;
  net: KeyedWindow[];
}

export interface PanelData {
  detail: AgentDetail | null;
  detailError: string | null;
  seriesError: string | null;
  /** the appliance holds no CPU series for this server yet: its agent has not sent its first sample */
  awaitingFirstData: boolean;
  loadingSeries: boolean;
  charts: Charts;
  /** every filesystem, fullest first */
  fsRows: FsRow[];
  xRange: readonly [number, number];
  /**
   * B9: the CPU and memory baseline bands that came with the charts' own reads (`band=1`), so a
   * panel asks for no band of its own at first (S9, S14: two requests fewer a panel before the
   * first render); null when the file has no forecast, undefined until the read answered
   */
  bands: { cpu: SeriesBand | null | undefined; memory: SeriesBand | null | undefined };
}

const NO_BANDS_YET: PanelData['bands'] = { cpu: undefined, memory: undefined };

function emptyCharts(fsKey: string | null, netKeys: readonly string[]): Charts {
  return {
    cpu: emptyWindow(CPU_FIELDS),
    memory: emptyWindow(MEMORY_FIELDS),
    fs: fsKey === null ? null : { key: fsKey, window: emptyWindow(FS_FIELDS) },
    net: netKeys.map((key) => ({ key, window: emptyWindow(NET_FIELDS) })),
  };
}

type FsLatest = Record<string, LatestSeries['values']>;

function fsLatestOf(detail: AgentDetail): FsLatest {
  const out: FsLatest = {};
  for (const fs of detail.inventory?.filesystems ?? []) out[fs.mount] = { size: fs.sizeBytes, used: null };
  for (const s of detail.latest) if (s.family === 'fs' && s.key !== undefined) out[s.key] = s.values;
  return out;
}

/** The disk table's rows, fullest first; used % as df prints it (contract/filesystem-use.ts). */
export function fsRowsOf(latest: FsLatest): FsRow[] {
  return Object.entries(latest)
    .map(([mount, v]) => ({ mount, used: v.used ?? null, size: v.size ?? null, pct: filesystemUsedPct(v) }))
    .sort((a, b) => (b.pct ?? -1) - (a.pct ?? -1) || a.mount.localeCompare(b.mount));
}

/** Interfaces worth a line: reported ones, busiest first, loopback left out. */
function netKeysOf(detail: AgentDetail): string[] {
  const traffic = new Map<string, number>();
  for (const i of detail.inventory?.interfaces ?? []) traffic.set(i.name, 0);
  for (const s of detail.latest) {
    if (s.family === 'net' && s.key !== undefined) traffic.set(s.key, (s.values.rx_bytes ?? 0) + (s.values.tx_bytes ?? 0));
  }
  return [...traffic.entries()]
    .filter(([name]) => isChartedInterface(name))
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, MAX_CHARTED_INTERFACES)
    .map(([name]) => name);
}

/**
 * @param widthPx returns the chart width now; read when a fetch starts, so that a resize does not
 *   refetch (a live chart keeps its window; a range chart is simply stretched)
 * @param resync changes when the stream was interrupted: everything is reloaded
 * @param custom a zoomed or panned range (unix s) shown instead of `range` (S10)
 * @param go false while the panel waits for its turn to load (panel-load-order.ts): nothing is asked
 */
export function usePanelData(agentId: string, range: RangeId, reload: number, resync: number, widthPx: () => number, custom: readonly [number, number] | null = null, go = true): PanelData {
  const { stream } = useUi();
  const [detail, setDetail] = useState<AgentDetail | null>(null);
  const [detailError, setDetailError] = useState<string | null>(null);
  const [fsLatest, setFsLatest] = useState<FsLatest>({});
  const [charts, setCharts] = useState<Charts>(() => emptyCharts(null, []));
  const [seriesError, setSeriesError] = useState<string | null>(null);
  const [awaitingFirstData, setAwaitingFirstData] = useState(false);
  const [loadingSeries, setLoadingSeries] = useState(true);
  const [fetchedRange, setFetchedRange] = useState<readonly [number, number] | null>(null);
  const [nowS, setNowS] = useState(() => Date.now() / 1000);
  const [bands, setBands] = useState<PanelData['bands']>(NO_BANDS_YET);

  useEffect(() => {
    if (!go) return undefined;
    const controller = new AbortController();
    setDetailError(null);
    getAgent(agentId, controller.signal)
      .then((d) => {
        setDetail(d);
        setFsLatest(fsLatestOf(d));
      })
      .catch((e: unknown) => {
        if (!controller.signal.aborted) setDetailError(errorReason(e));
      });
    return () => controller.abort();
  }, [agentId, reload, resync, go]);

  const fsRows = useMemo(() => fsRowsOf(fsLatest), [fsLatest]);
  // chart keys are fixed when the detail arrives; a filesystem filling up later does not move
  // the chart away from under the operator's cursor
  const fsKey = useMemo(() => (detail ? (fsRowsOf(fsLatestOf(detail))[0]?.mount ?? null) : null), [detail]);
  const netKeys = useMemo(() => (detail ? netKeysOf(detail) : []), [detail]);
  const netKeysId = netKeys.join('\n');
  const ready = detail !== null || detailError !== null;
  const customKey = custom ? custom.join('-') : '';

  useEffect(() => {
    if (!ready) return undefined;
    const controller = new AbortController();
    const live = range === 'live' && custom === null;
    const to = custom ? custom[1] : Math.floor(Date.now() / 1000);
    const from = custom ? custom[0] : to - (range === 'live' ? LIVE_WINDOW_S : RANGE_SECONDS[range]);
    const points = Math.max(60, Math.min(1500, Math.round(widthPx())));
    const query = (family: Family, key?: string, band?: boolean): SeriesQuery => ({ family, from, to, points, ...(key === undefined ? {} : { key }), ...(band ? { band } : {}) });
    const s = controller.signal;
    // asked for at once: the requests need not wait for the panel's turn below
    const answers = Promise.all([
      seriesOrNone(agentId, query('cpu', undefined, true), s),
      seriesOrNone(agentId, query('memory', undefined, true), s),
      fsKey === null ? Promise.resolve(null) : seriesOrNone(agentId, query('fs', fsKey), s),
      ...netKeys.map((k) => seriesOrNone(agentId, query('net', k), s)),
    ]);
    // read in the turn, which shows a failure; nothing reads it when the turn is dropped
    answers.catch(() => undefined);

    const load = async (): Promise<void> => {
      const [cpu, memory, fs, ...net] = await answers;
      if (s.aborted) return;
      setAwaitingFirstData(cpu === null);
      setBands({ cpu: cpu?.band ?? null, memory: memory?.band ?? null });
      const seeded: Charts = {
        cpu: cpu ? windowFromResponse(CPU_FIELDS, cpu) : emptyWindow(CPU_FIELDS),
        memory: memory ? windowFromResponse(MEMORY_FIELDS, memory) : emptyWindow(MEMORY_FIELDS),
        fs: fsKey !== null && fs ? { key: fsKey, window: windowFromResponse(FS_FIELDS, fs) } : null,
        net: netKeys.map((key, i) => {
          const r = net[i];
          return { key, window: r ? windowFromResponse(NET_FIELDS, r) : emptyWindow(NET_FIELDS) };
        }),
      };
      setCharts((cur) =>
        live
          ? {
              cpu: mergeSeed(seeded.cpu, cur.cpu, LIVE_BOUNDS),
              memory: mergeSeed(seeded.memory, cur.memory, LIVE_BOUNDS),
              fs: seeded.fs && cur.fs ? { key: seeded.fs.key, window: mergeSeed(seeded.fs.window, cur.fs.window, LIVE_BOUNDS) } : seeded.fs,
              net: seeded.net.map((n, i) => ({ key: n.key, window: mergeSeed(n.window, cur.net[i]?.window ?? emptyWindow(NET_FIELDS), LIVE_BOUNDS) })),
            }
          : seeded,
      );
    };
    // S9, S14: the panel emptied, re-rendered and then drawn with its answers in its turn, one
    // panel a frame when several reload at once (panel-turns.ts)
    const dropTurn = takeTurn(() => {
      setCharts(emptyCharts(fsKey, netKeys));
      setBands(NO_BANDS_YET);
      setSeriesError(null);
      setLoadingSeries(true);
      setFetchedRange(live ? null : [from, to]);
      load()
        .catch((e: unknown) => {
          if (!controller.signal.aborted) setSeriesError(errorReason(e));
        })
        .finally(() => {
          if (!controller.signal.aborted) setLoadingSeries(false);
        });
    });
    return () => {
      dropTurn();
      controller.abort();
    };
    // netKeysId stands for netKeys; widthPx is read once per fetch on purpose (see above)
  }, [agentId, range, reload, resync, ready, fsKey, netKeysId, customKey]);

  useEffect(() => {
    const live = range === 'live' && custom === null;
    return stream.on('sample', (ev) => {
      if (ev.agentId !== agentId) return;
      const samples = streamSeries(ev);
      if (samples.some((s) => s.family === 'cpu')) setAwaitingFirstData(false);
      const fsUpdates = samples.filter((s) => s.family === 'fs' && s.key !== undefined);
      if (fsUpdates.length > 0) {
        setFsLatest((cur) => {
          const next = { ...cur };
          for (const s of fsUpdates) if (s.key !== undefined) next[s.key] = s.values;
          return next;
        });
      }
      if (!live) return;
      setNowS(Date.now() / 1000);
      setCharts((cur) => {
        let next = cur;
        for (const s of samples) {
          if (s.family === 'cpu') next = { ...next, cpu: appendSample(next.cpu, s.t, s.values, LIVE_BOUNDS) };
          else if (s.family === 'memory') next = { ...next, memory: appendSample(next.memory, s.t, s.values, LIVE_BOUNDS) };
          else if (s.family === 'fs' && next.fs && s.key === next.fs.key) {
            next = { ...next, fs: { key: next.fs.key, window: appendSample(next.fs.window, s.t, s.values, LIVE_BOUNDS) } };
          } else if (s.family === 'net' && s.key !== undefined) {
            const at = next.net.findIndex((n) => n.key === s.key);
            const hit = next.net[at];
            if (hit) {
              const net = [...next.net];
              net[at] = { key: hit.key, window: appendSample(hit.window, s.t, s.values, LIVE_BOUNDS) };
              next = { ...next, net };
            }
          }
        }
        return next;
      });
    });
  }, [stream, agentId, range, customKey]);

  // a live chart slides with the clock even when the agent falls silent, so the silence shows
  useEffect(() => {
    if (range !== 'live') return undefined;
    const timer = setInterval(() => setNowS(Date.now() / 1000), 5000);
    return () => clearInterval(timer);
  }, [range]);

  const xRange = useMemo((): readonly [number, number] => {
    if (fetchedRange) return fetchedRange;
    // an agent whose clock runs ahead of the browser's still has its newest point on the chart
    const last = Math.max(nowS, charts.cpu.data[0][charts.cpu.data[0].length - 1] ?? 0);
    return [last - LIVE_WINDOW_S, last];
  }, [fetchedRange, nowS, charts.cpu]);

  return { detail, detailError, seriesError, awaitingFirstData, loadingSeries, charts, fsRows, xRange, bands };
}
