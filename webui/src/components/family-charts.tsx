// The server panel's "All metrics" tab (S1, S18): every family the agent collects on a chart —
// load, CPU per core, disk I/O per device, TCP states, traffic per interface with its errors and
// drops, the visitor count — and the top processes and users over time, by CPU or by memory,
// with one process picked to show its own CPU and memory lines. Loaded when the tab is shown;
// the live range reloads every 15 s (these families are for looking into a server, the main tab
// is the live view).
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { AgentDetail, SeriesResponse } from '../../../contract/api.js';
import type { Family } from '../../../contract/families.js';
import { TOP_HISTORY_LIMITS, type TopHistoryBy, type TopHistoryLine, type TopHistoryResponse } from '../../../contract/top-history-api.js';
import { errorReason } from '../api-client.js';
import {
  DISK_BYTES_FIELDS, DISK_OPS_FIELDS, LOAD_FIELDS, NET_ERROR_FIELDS, TCP_FIELDS,
  columnsOf, coreBusyColumns, familyKeys, keyedColumns,
} from '../family-series.js';
import { BITS_PER_BYTE } from '../metric-fields.js';
import type { Columns } from '../series-window.js';
import { getTopHistory } from '../top-history-client.js';
import { seriesOrNone } from '../chart-sources.js';
import { LIVE_WINDOW_S, type RangeId } from '../use-panel-data.js';
import { useUi } from '../ui-context.js';
import { TimeChart, type ChartLine } from './time-chart.js';

const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#f59e0b', '#7c3aed', '#0891b2', '#db2777', '#65a30d', '#ea580c', '#475569', '#0d9488', '#a16207'];
const color = (i: number): string => PALETTE[i % PALETTE.length] ?? '#64748b';
const RANGE_S: Record<Exclude<RangeId, 'live'>, number> = { '1h': 3600, '1d': 86_400, '1w': 7 * 86_400, '1m': 30 * 86_400, '1y': 365 * 86_400 };
const LIVE_RELOAD_MS = 15_000;
const POINTS = 600;

interface Loaded {
  from: number;
  to: number;
  load: SeriesResponse | null;
  tcp: SeriesResponse | null;
  cores: (SeriesResponse | null)[];
  disks: (SeriesResponse | null)[];
  interfaces: (SeriesResponse | null)[];
}

function rangeOf(range: RangeId): { from: number; to: number } {
  const to = Date.now() / 1000;
  return { from: to - (range === 'live' ? LIVE_WINDOW_S : RANGE_S[range]), to };
}

/** The live range reloads on a timer; the others once per choice. */
function useTicker(range: RangeId): number {
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (range !== 'live') return undefined;
    const timer = setInterval(() => setTick((n) => n + 1), LIVE_RELOAD_MS);
    return () => clearInterval(timer);
  }, [range]);
  return tick;
}

const lineColumns = (t: number[], lines: readonly TopHistoryLine[]): Columns => [t, ...lines.map((l) => l.values)];

export interface FamilyChartsProps {
  agentId: string;
  detail: AgentDetail | null;
  range: RangeId;
  syncKey: string;
}

export function FamilyCharts({ agentId, detail, range, syncKey }: FamilyChartsProps) {
  const { t } = useUi();
  const keys = useMemo(() => familyKeys(detail), [detail]);
  const keysId = JSON.stringify(keys);
  const tick = useTicker(range);
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const controller = new AbortController();
    const { from, to } = rangeOf(range);
    const s = controller.signal;
    const q = (family: Family, key?: string) => seriesOrNone(agentId, { family, from, to, points: POINTS, ...(key === undefined ? {} : { key }) }, s);
    Promise.all([q('load'), q('tcp'), Promise.all(keys.cores.map((k) => q('cpucore', k))), Promise.all(keys.disks.map((k) => q('disk', k))), Promise.all(keys.interfaces.map((k) => q('net', k)))])
      .then(([load, tcp, cores, disks, interfaces]) => {
        if (s.aborted) return;
        setError(null);
        setLoaded({ from, to, load, tcp, cores, disks, interfaces });
      })
      .catch((e: unknown) => {
        if (!s.aborted) setError(errorReason(e));
      });
    return () => controller.abort();
    // keysId stands for keys
  }, [agentId, range, tick, keysId]);

  const lines = useMemo(() => ({
    load: LOAD_FIELDS.map((f, i): ChartLine => ({ label: t(`fam.${f}` as const), color: color(i) })),
    cores: keys.cores.map((k, i): ChartLine => ({ label: k, color: color(i) })),
    diskOps: keys.disks.flatMap((dev, i): ChartLine[] => [{ label: t('fam.diskReads', { dev }), color: color(i) }, { label: t('fam.diskWrites', { dev }), color: color(i), dash: true }]),
    diskBytes: keys.disks.flatMap((dev, i): ChartLine[] => [{ label: t('fam.diskRead', { dev }), color: color(i) }, { label: t('fam.diskWritten', { dev }), color: color(i), dash: true }]),
    diskBusy: keys.disks.map((dev, i): ChartLine => ({ label: dev, color: color(i) })),
    tcp: TCP_FIELDS.map((f, i): ChartLine => ({ label: f, color: color(i) })),
    traffic: [{ label: t('fam.rx'), color: color(0) }, { label: t('fam.tx'), color: color(0), dash: true }] as ChartLine[],
    netErrors: keys.interfaces.flatMap((iface, i): ChartLine[] => [
      { label: t('fam.rxErrs', { iface }), color: color(i) }, { label: t('fam.txErrs', { iface }), color: color(i), dash: true },
      { label: t('fam.rxDrop', { iface }), color: color(i + 4) }, { label: t('fam.txDrop', { iface }), color: color(i + 4), dash: true },
    ]),
    // keysId stands for keys
  }), [t, keysId]);

  const data = useMemo(() => loaded && {
    load: columnsOf(LOAD_FIELDS, loaded.load),
    tcp: columnsOf(TCP_FIELDS, loaded.tcp),
    cores: coreBusyColumns(loaded.cores),
    diskOps: keyedColumns(DISK_OPS_FIELDS, loaded.disks),
    diskBytes: keyedColumns(DISK_BYTES_FIELDS, loaded.disks),
    diskBusy: keyedColumns(['busy'], loaded.disks),
    traffic: loaded.interfaces.map((r) => keyedColumns(['rx_bytes', 'tx_bytes'], [r], BITS_PER_BYTE)),
    netErrors: keyedColumns(NET_ERROR_FIELDS, loaded.interfaces),
  }, [loaded]);
  const xRange = useMemo((): readonly [number, number] => (loaded ? [loaded.from, loaded.to] : [0, 1]), [loaded]);
  const chart = { xRange, syncKey };

  return (
    <div class="panel-charts family-charts" data-testid="family-charts">
      {error && <p class="alert alert-error" role="alert" data-testid="families-error">{t('error.series', { reason: error })}</p>}
      {data && (
        <>
          <TimeChart testId="chart-load" title={t('fam.load')} lines={lines.load} data={data.load} yKind="plain" {...chart} />
          <TimeChart
            testId="chart-cpucore"
            title={keys.coreCount > keys.cores.length ? t('fam.coresCut', { n: keys.cores.length, total: keys.coreCount }) : t('fam.cores')}
            lines={lines.cores} data={data.cores} yKind="percent" {...chart}
          />
          {keys.disks.length > 0 ? (
            <>
              <TimeChart testId="chart-disk-ops" title={t('fam.diskOps')} lines={lines.diskOps} data={data.diskOps} yKind="plain" {...chart} />
              <TimeChart testId="chart-disk-bytes" title={t('fam.diskBytes')} lines={lines.diskBytes} data={data.diskBytes} yKind="bytes" {...chart} />
              <TimeChart testId="chart-disk-busy" title={t('fam.diskBusy')} lines={lines.diskBusy} data={data.diskBusy} yKind="percent" {...chart} />
            </>
          ) : (
            <p class="hint" data-testid="no-disks">{t('fam.noDisks')}</p>
          )}
          <TimeChart testId="chart-tcp" title={t('fam.tcp')} lines={lines.tcp} data={data.tcp} yKind="plain" {...chart} />
          {keys.interfaces.length > 0 ? (
            <>
              {keys.interfaces.map((iface, i) => (
                <TimeChart key={iface} testId={`chart-if-${iface}`} title={t('fam.ifTraffic', { iface })} lines={lines.traffic} data={data.traffic[i] ?? [[]]} yKind="bitsPerSec" {...chart} />
              ))}
              <TimeChart testId="chart-net-errors" title={t('fam.netErrors')} lines={lines.netErrors} data={data.netErrors} yKind="plain" {...chart} />
            </>
          ) : (
            <p class="hint">{t('fam.noInterfaces')}</p>
          )}
        </>
      )}
      <TopHistoryCharts agentId={agentId} range={range} tick={tick} syncKey={`${syncKey}-top`} />
    </div>
  );
}

interface TopLoaded {
  answer: TopHistoryResponse;
  picked: { cpu: TopHistoryResponse; memory: TopHistoryResponse } | null;
}

/** The history keeps a week: a longer range asks for what there is. */
function topRange(range: RangeId): { from: number; to: number } {
  const to = Date.now() / 1000;
  const span = range === 'live' ? 3600 : Math.min(RANGE_S[range], TOP_HISTORY_LIMITS.retentionS - 120);
  return { from: to - span, to };
}

function TopHistoryCharts({ agentId, range, tick, syncKey }: { agentId: string; range: RangeId; tick: number; syncKey: string }) {
  const { t } = useUi();
  const [by, setBy] = useState<TopHistoryBy>('cpu');
  const [picked, setPicked] = useState('');
  const [loaded, setLoaded] = useState<TopLoaded | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const controller = new AbortController();
    const s = controller.signal;
    const q = { ...topRange(range), points: POINTS };
    Promise.all([
      getTopHistory(agentId, { ...q, by }, s),
      picked ? Promise.all([getTopHistory(agentId, { ...q, by: 'cpu', process: picked }, s), getTopHistory(agentId, { ...q, by: 'memory', process: picked }, s)]) : Promise.resolve(null),
    ])
      .then(([answer, pickedAnswers]) => {
        if (s.aborted) return;
        setError(null);
        setLoaded({ answer, picked: pickedAnswers ? { cpu: pickedAnswers[0], memory: pickedAnswers[1] } : null });
      })
      .catch((e: unknown) => {
        if (!s.aborted) setError(errorReason(e));
      });
    return () => controller.abort();
  }, [agentId, range, tick, by, picked]);

  const answer = loaded?.answer;
  const processLine = (l: TopHistoryLine, i: number): ChartLine => ({ label: t('top.line', { name: l.name ?? '', user: l.user }), color: color(i) });
  const names = useMemo(() => [...new Set((answer?.processes ?? []).map((l) => l.name ?? ''))].sort(), [answer]);
  const xRange = answer ? ([answer.from, answer.to] as const) : ([0, 1] as const);
  const chart = { xRange, syncKey };

  return (
    <section class="chart top-history" data-testid="top-history">
      <h4 class="chart-title">{t('top.title')}</h4>
      <div class="top-history-tools">
        <div class="range-switch" role="group" aria-label={t('top.by')}>
          {(['cpu', 'memory'] as const).map((b) => (
            <button key={b} type="button" aria-pressed={by === b} data-testid={`top-by-${b}`} onClick={() => setBy(b)}>
              {t(b === 'cpu' ? 'top.byCpu' : 'top.byMemory')}
            </button>
          ))}
        </div>
        <label>
          {t('top.pick')}{' '}
          <select value={picked} data-testid="top-pick" onChange={(e) => setPicked(e.currentTarget.value)}>
            <option value="">{t('top.pickNone')}</option>
            {[...new Set([...names, ...(picked ? [picked] : [])])].map((n) => <option key={n} value={n}>{n}</option>)}
          </select>
        </label>
      </div>
      <p class="hint">{t('top.note')}</p>
      {error && <p class="alert alert-error" role="alert" data-testid="top-error">{t('error.series', { reason: error })}</p>}
      {answer && (
        <>
          <TimeChart
            testId="chart-top-processes" title={t(by === 'cpu' ? 'top.processesCpu' : 'top.processesMemory')}
            lines={answer.processes.map(processLine)} data={lineColumns(answer.t, answer.processes)} yKind={by === 'cpu' ? 'plain' : 'percent'} {...chart}
          />
          <TimeChart
            testId="chart-top-users" title={t(by === 'cpu' ? 'top.usersCpu' : 'top.usersMemory')}
            lines={answer.users.map((l, i) => ({ label: l.user, color: color(i) }))} data={lineColumns(answer.t, answer.users)} yKind={by === 'cpu' ? 'plain' : 'bytes'} {...chart}
          />
          {loaded.picked && (
            <>
              <TimeChart
                testId="chart-picked-cpu" title={t('top.pickedCpu', { name: picked })}
                lines={loaded.picked.cpu.processes.map(processLine)} data={lineColumns(loaded.picked.cpu.t, loaded.picked.cpu.processes)} yKind="plain" {...chart}
              />
              <TimeChart
                testId="chart-picked-memory" title={t('top.pickedMemory', { name: picked })}
                lines={loaded.picked.memory.processes.map(processLine)} data={lineColumns(loaded.picked.memory.t, loaded.picked.memory.processes)} yKind="percent" {...chart}
              />
            </>
          )}
          <TimeChart
            testId="chart-visitors" title={t('fam.visitors')}
            lines={[{ label: t('fam.visitorConnections'), color: color(0) }, { label: t('fam.visitorAddresses'), color: color(1), dash: true }]}
            data={[answer.t, answer.visitors.connections, answer.visitors.addresses]} yKind="plain" {...chart}
          />
          <p class="hint">{t('fam.visitorsNote')}</p>
        </>
      )}
    </section>
  );
}
