// The server list (S8, S9): the fleet at a glance. As a dense table (host, group, status with the
// worst open alert's severity, CPU, memory, fullest disk, network in and out, load), sortable by
// any column and filtered by status, severity, group and text; or as a wall of compact tiles
// (server-tiles.tsx). Every figure is live from the stream. Clicking a server opens or closes its
// panel on the dashboard; open servers stay highlighted so the list doubles as the dashboard's
// legend.
import { useMemo, useState } from 'preact/hooks';
import type { AgentStatus } from '../../../contract/agent-status.js';
import type { Alert, Group } from '../../../contract/alerts-api.js';
import type { AgentsSnapshot } from '../agents-store.js';
import { HEALTH_LEVELS } from '../alerting-model.js';
import { NO_FILTER, filterOverview, nextOverviewSort, overviewRows, sortOverview } from '../fleet-overview.js';
import type { OverviewFilter, OverviewRow, OverviewSort, SortKey } from '../fleet-overview.js';
import type { MessageKey } from '../i18n.js';
import { useNow, useUi } from '../ui-context.js';
import { DataTable, type Column } from './data-table.js';
import { ServerStatus } from './status-badge.js';
import { ServerListTools } from './fleet-tools.js';
import { TileWall } from './server-tiles.js';
import { serverLabel } from '../server-label.js';

type StatusFilter = 'all' | AgentStatus;
const FILTERS: readonly StatusFilter[] = ['all', 'online', 'offline', 'unknown'];

export type ListMode = 'table' | 'tiles';

/** Where a meter turns amber and red: the usual "look at it" and "act now" levels. */
const WARN_PCT = 75;
const CRIT_PCT = 90;

export function levelClass(pct: number | null): string {
  if (pct === null) return 'level-none';
  return pct >= CRIT_PCT ? 'level-crit' : pct >= WARN_PCT ? 'level-warn' : 'level-ok';
}

export function Meter({ pct, testId, title }: { pct: number | null; testId: string; title?: string | undefined }) {
  const { fmt } = useUi();
  return (
    <span class={`meter ${levelClass(pct)}`} data-testid={testId} data-value={pct === null ? '' : pct.toFixed(1)} title={title}>
      <span class="meter-track" aria-hidden="true">
        <span class="meter-fill" style={{ width: `${pct ?? 0}%` }} />
      </span>
      <span class="meter-value">{fmt.percent(pct)}</span>
    </span>
  );
}

const COLUMN_LABEL: Record<SortKey, MessageKey> = {
  host: 'ov.host', group: 'ov.group', status: 'ov.status', cpu: 'ov.cpu', mem: 'ov.mem', disk: 'ov.disk', netIn: 'ov.netIn', netOut: 'ov.netOut', load: 'ov.load',
};

function SortHeader({ k, sort, onSort }: { k: SortKey; sort: OverviewSort; onSort: (k: SortKey) => void }) {
  const { t } = useUi();
  const label = t(COLUMN_LABEL[k]);
  const mark = sort.key === k ? (sort.descending ? ' ▼' : ' ▲') : '';
  return (
    <button type="button" class="ov-sort" data-testid={`sort-${k}`} title={t('ov.sortBy', { column: label })} onClick={() => onSort(k)}>
      {label}
      <span aria-hidden="true">{mark}</span>
    </button>
  );
}

function HostCell({ row, open, now, onToggle }: { row: OverviewRow; open: boolean; now: number; onToggle: (id: string) => void }) {
  const { t, fmt } = useUi();
  const seen = row.lastSeen === null ? t('time.never') : fmt.relative(row.lastSeen, now);
  return (
    <>
      <button type="button" class="ov-host" aria-pressed={open} title={open ? t('list.opened') : t('list.open')} onClick={() => onToggle(row.id)}>
        <span class="host" data-testid="host-name">{serverLabel(row)}</span>
      </button>
      <span class="ov-sub">
        {row.displayName !== undefined && <span class="server-hostname" data-testid="host-hostname">{row.hostname}</span>}
        {row.address && <span class="server-address">{row.address}</span>}
        {row.awaitingAgent ? (
          <span class="server-awaiting" data-testid="awaiting-agent">
            {t('server.awaiting')}
          </span>
        ) : (
          <span class="seen" title={row.lastSeen === null ? undefined : fmt.dateTime(row.lastSeen)} data-testid="last-seen">
            {t('time.lastSeen', { when: seen })}
          </span>
        )}
      </span>
    </>
  );
}

export interface ServerListProps {
  agents: AgentsSnapshot;
  openAlerts: readonly Alert[];
  groups: readonly Group[];
  openIds: readonly string[];
  onToggle: (id: string) => void;
  onRetry: () => void;
}

export function ServerList({ agents, openAlerts, groups, openIds, onToggle, onRetry }: ServerListProps) {
  const { t, fmt } = useUi();
  // every second while the retry countdown is on screen, else often enough for "x s ago"
  const now = useNow(agents.phase === 'error' ? 1000 : 5000);
  const [filter, setFilter] = useState<OverviewFilter>(NO_FILTER);
  const [sort, setSort] = useState<OverviewSort>({ key: 'status', descending: true });
  const [mode, setMode] = useState<ListMode>('table');
  const set = (change: Partial<OverviewFilter>): void => setFilter((f) => ({ ...f, ...change }));

  const all = useMemo(() => overviewRows(agents.rows, openAlerts, groups), [agents.rows, openAlerts, groups]);
  const counts = useMemo(() => {
    const c: Record<StatusFilter, number> = { all: all.length, online: 0, offline: 0, unknown: 0 };
    for (const r of all) c[r.status]++;
    return c;
  }, [all]);
  const shown = useMemo(() => sortOverview(filterOverview(all, filter, groups), sort), [all, filter, groups, sort]);
  const open = new Set(openIds);
  const retryInS = agents.retryAt === null ? 0 : Math.max(0, Math.ceil((agents.retryAt - now) / 1000));
  const onSort = (k: SortKey): void => setSort((s) => nextOverviewSort(s, k));
  const header = (k: SortKey) => <SortHeader k={k} sort={sort} onSort={onSort} />;
  const sorted = (k: SortKey): 'ascending' | 'descending' | undefined => (sort.key === k ? (sort.descending ? 'descending' : 'ascending') : undefined);

  const columns: Column<OverviewRow>[] = [
    { header: header('host'), sorted: sorted('host'), class: 'ov-host-cell', cell: (r) => <HostCell row={r} open={open.has(r.id)} now={now} onToggle={onToggle} /> },
    { header: header('group'), label: t(COLUMN_LABEL.group), sorted: sorted('group'), class: 'ov-group', cell: (r) => r.groups.join(', '), cellAttrs: () => ({ 'data-testid': 'server-groups' }) },
    { header: header('status'), label: t(COLUMN_LABEL.status), sorted: sorted('status'), cell: (r) => <ServerStatus row={r} /> },
    { header: header('cpu'), label: t(COLUMN_LABEL.cpu), sorted: sorted('cpu'), class: 'ov-meter', cell: (r) => <Meter pct={r.cpuPct} testId="cpu-pct" /> },
    { header: header('mem'), label: t(COLUMN_LABEL.mem), sorted: sorted('mem'), class: 'ov-meter', cell: (r) => <Meter pct={r.memPct} testId="mem-pct" /> },
    {
      header: header('disk'), label: t(COLUMN_LABEL.disk), sorted: sorted('disk'), class: 'ov-meter',
      cell: (r) => <Meter pct={r.diskPct ?? null} testId="disk-pct" title={r.diskMount ? t('ov.diskOf', { mount: r.diskMount }) : undefined} />,
    },
    { header: header('netIn'), label: t(COLUMN_LABEL.netIn), sorted: sorted('netIn'), num: true, class: 'nowrap', cell: (r) => fmt.bitsPerSec(r.netInBps == null ? null : r.netInBps * 8), cellAttrs: () => ({ 'data-testid': 'net-in' }) },
    { header: header('netOut'), label: t(COLUMN_LABEL.netOut), sorted: sorted('netOut'), num: true, class: 'nowrap', cell: (r) => fmt.bitsPerSec(r.netOutBps == null ? null : r.netOutBps * 8), cellAttrs: () => ({ 'data-testid': 'net-out' }) },
    { header: header('load'), label: t(COLUMN_LABEL.load), sorted: sorted('load'), num: true, cell: (r) => (r.load1 == null ? '–' : fmt.number(r.load1, 2)), cellAttrs: (r) => ({ 'data-testid': 'load1', 'data-value': r.load1 ?? '' }) },
  ];

  return (
    <section class="server-list" data-testid="server-list" data-mode={mode} aria-labelledby="server-list-title">
      <div class="list-head">
        <h2 id="server-list-title">{t('list.title')}</h2>
        <span class="list-count" data-testid="server-count">
          {t('list.count', { shown: fmt.number(shown.length, 0), total: fmt.number(counts.all, 0) })}
        </span>
        <span class="ov-modes" role="group" aria-label={t('ov.mode')}>
          {(['table', 'tiles'] as const).map((m) => (
            <button key={m} type="button" class="filter" aria-pressed={mode === m} data-testid={`mode-${m}`} onClick={() => setMode(m)}>
              {t(m === 'table' ? 'ov.table' : 'ov.tiles')}
            </button>
          ))}
          <a class="filter" href="?kiosk=1" target="_blank" rel="noopener" data-testid="open-kiosk" title={t('ov.kioskTitle')}>
            {t('ov.kiosk')}
          </a>
        </span>
      </div>
      <ServerListTools agents={agents.rows} />
      <div class="ov-filters">
        <div class="filters" role="group" aria-label={t('list.title')}>
          {FILTERS.map((f) => (
            <button key={f} type="button" class={`filter filter-${f}`} aria-pressed={filter.status === f} data-testid={`filter-${f}`} onClick={() => set({ status: f })}>
              {t(`filter.${f}` as const)} <span class="filter-count">{fmt.number(counts[f], 0)}</span>
            </button>
          ))}
        </div>
        <select class="ov-select" aria-label={t('ov.severity')} data-testid="filter-severity" value={filter.level} onChange={(e) => set({ level: e.currentTarget.value as OverviewFilter['level'] })}>
          <option value="all">{t('ov.anySeverity')}</option>
          {[...HEALTH_LEVELS].reverse().map((l) => (
            <option key={l} value={l}>
              {t(`sev.${l}` as const)}
            </option>
          ))}
        </select>
        {groups.length > 0 && (
          <select class="ov-select" aria-label={t('ov.groupFilter')} data-testid="filter-group" value={filter.group} onChange={(e) => set({ group: e.currentTarget.value })}>
            <option value="all">{t('ov.anyGroup')}</option>
            {groups.map((g) => (
              <option key={g.id} value={g.id}>
                {g.name}
              </option>
            ))}
          </select>
        )}
        <input class="search" type="search" placeholder={t('ov.search')} aria-label={t('ov.search')} value={filter.text} data-testid="server-search" onInput={(e) => set({ text: e.currentTarget.value })} />
      </div>
      {agents.phase === 'error' && (
        <div class="alert alert-error" role="alert" data-testid="error-banner">
          <p>{t('error.unreachable', { s: fmt.number(retryInS, 0) })}</p>
          <p class="alert-detail">{agents.error}</p>
          <button type="button" class="button" onClick={onRetry}>
            {t('error.retryNow')}
          </button>
        </div>
      )}
      {agents.phase === 'loading' && (
        <p class="hint" data-testid="loading">
          {t('app.loading')}
        </p>
      )}
      {agents.phase === 'ready' && agents.rows.length === 0 && <p class="hint">{t('list.empty')}</p>}
      {agents.rows.length > 0 && shown.length === 0 && <p class="hint">{t('list.noMatch')}</p>}
      {mode === 'tiles' ? (
        <TileWall rows={shown} openIds={open} onToggle={onToggle} />
      ) : (
        <DataTable
          columns={columns}
          rows={shown}
          rowKey={(r) => r.id}
          rowAttrs={(r) => ({ class: `server-row${open.has(r.id) ? ' is-open' : ''}`, 'data-testid': 'server-row', 'data-agent-id': r.id, 'data-status': r.status, 'data-level': r.level })}
          class="ov-table"
          wrap="ov-table-wrap"
          testId="server-table"
        />
      )}
    </section>
  );
}
