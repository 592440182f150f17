// The server list (S8, S9): every agent with status, last-seen time and latest CPU and memory
// use, filtered by status and host name. Clicking a server opens or closes its panel on the
// dashboard; open servers stay highlighted so the list doubles as the dashboard's legend.
import { useMemo, useState } from 'preact/hooks';
import type { AgentStatus } from '../../../contract/agent-status.js';
import type { AgentRow, AgentsSnapshot } from '../agents-store.js';
import { useNow, useUi } from '../ui-context.js';
import { StatusBadge } from './status-badge.js';
import { ServerListTools } from './fleet-tools.js';

type Filter = 'all' | AgentStatus;
const FILTERS: readonly Filter[] = ['all', 'online', 'offline', 'unknown'];

/** Where a meter turns amber and red: the usual "look at it" and "act now" levels. */
const WARN_PCT = 75;
const CRIT_PCT = 90;

export function levelClass(pct: number | null): string {
  if (pct === null) return 'level-none';
  return pct >= CRIT_PCT ? 'level-crit' : pct >= WARN_PCT ? 'level-warn' : 'level-ok';
}

function Meter({ label, pct, testId }: { label: string; pct: number | null; testId: string }) {
  const { fmt } = useUi();
  return (
    <span class={`meter ${levelClass(pct)}`} data-testid={testId} data-value={pct === null ? '' : pct.toFixed(1)}>
      <span class="meter-label">{label}</span>
      <span class="meter-track" aria-hidden="true">
        <span class="meter-fill" style={{ width: `${pct ?? 0}%` }} />
      </span>
      <span class="meter-value">{fmt.percent(pct)}</span>
    </span>
  );
}

function Row({ row, open, now, onToggle }: { row: AgentRow; open: boolean; now: number; onToggle: (id: string) => void }) {
  const { t, fmt } = useUi();
  const seen = row.lastSeen === null ? t('time.never') : fmt.relative(row.lastSeen, now);
  return (
    <li class={`server-row${open ? ' is-open' : ''}`} data-testid="server-row" data-agent-id={row.id} data-status={row.status}>
      <button
        type="button"
        class="server-button"
        aria-pressed={open}
        title={open ? t('list.opened') : t('list.open')}
        onClick={() => onToggle(row.id)}
      >
        <span class="server-line">
          <span class="host" data-testid="host-name">{row.hostname}</span>
          <StatusBadge status={row.status} />
        </span>
        <span class="server-line">
          <span class="seen" title={row.lastSeen === null ? undefined : fmt.dateTime(row.lastSeen)} data-testid="last-seen">
            {t('time.lastSeen', { when: seen })}
          </span>
        </span>
        {(row.awaitingAgent || row.address) && (
          <span class="server-line">
            {row.address && <span class="server-address">{row.address}</span>}
            {row.awaitingAgent && (
              <span class="server-awaiting" data-testid="awaiting-agent">
                {t('server.awaiting')}
              </span>
            )}
          </span>
        )}
        <span class="server-meters">
          <Meter label={t('list.cpu')} pct={row.cpuPct} testId="cpu-pct" />
          <Meter label={t('list.mem')} pct={row.memPct} testId="mem-pct" />
        </span>
      </button>
    </li>
  );
}

export interface ServerListProps {
  agents: AgentsSnapshot;
  openIds: readonly string[];
  onToggle: (id: string) => void;
  onRetry: () => void;
}

export function ServerList({ agents, openIds, onToggle, onRetry }: ServerListProps) {
  const { t, fmt } = useUi();
  // every second while the retry countdown is on screen, else often enough for "x s ago"
  const now = useNow(agents.phase === 'error' ? 1000 : 5000);
  const [filter, setFilter] = useState<Filter>('all');
  const [search, setSearch] = useState('');

  const counts = useMemo(() => {
    const c: Record<Filter, number> = { all: agents.rows.length, online: 0, offline: 0, unknown: 0 };
    for (const r of agents.rows) c[r.status]++;
    return c;
  }, [agents.rows]);

  const needle = search.trim().toLowerCase();
  const shown = agents.rows.filter(
    (r) => (filter === 'all' || r.status === filter) && (needle === '' || r.hostname.toLowerCase().includes(needle)),
  );
  const open = new Set(openIds);
  const retryInS = agents.retryAt === null ? 0 : Math.max(0, Math.ceil((agents.retryAt - now) / 1000));

  return (
    <section class="server-list" data-testid="server-list" aria-labelledby="server-list-title">
      <div class="list-head">
        <h2 id="server-list-title">{t('list.title')}</h2>
        <span class="list-count" data-testid="server-count">
          {t('list.count', { shown: fmt.number(shown.length, 0), total: fmt.number(counts.all, 0) })}
        </span>
      </div>
      <ServerListTools agents={agents.rows} />
      <div class="filters" role="group" aria-label={t('list.title')}>
        {FILTERS.map((f) => (
          <button
            key={f}
            type="button"
            class={`filter filter-${f}`}
            aria-pressed={filter === f}
            data-testid={`filter-${f}`}
            onClick={() => setFilter(f)}
          >
            {t(`filter.${f}` as const)} <span class="filter-count">{fmt.number(counts[f], 0)}</span>
          </button>
        ))}
      </div>
      <input
        class="search"
        type="search"
        placeholder={t('list.search')}
        aria-label={t('list.search')}
        value={search}
        data-testid="server-search"
        onInput={(e) => setSearch(e.currentTarget.value)}
      />
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
      <ul class="server-rows">
        {shown.map((r) => (
          <Row key={r.id} row={r} open={open.has(r.id)} now={now} onToggle={onToggle} />
        ))}
      </ul>
    </section>
  );
}
