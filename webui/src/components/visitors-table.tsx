// Visitor history (S15): which client addresses connected to which server's services, when first
// and last, how many connections and to which ports. Filtered by server, time and text, sorted
// by any column (a click on its header), refreshed every half minute while open.
import { useEffect, useState } from 'preact/hooks';
import type { AgentSummary } from '../../../contract/api.js';
import type { VisitorSortKey } from '../../../contract/fleet-api.js';
import { listVisitors } from '../fleet-api.js';
import { nextSort, rangeFrom, sortParam, VISITOR_RANGES, type VisitorRange, type VisitorSort } from '../fleet-model.js';
import type { MessageKey } from '../i18n.js';
import { useUi } from '../ui-context.js';
import { useResource } from '../use-resource.js';

const LIMIT = 500;
const REFRESH_MS = 30_000;
const SEARCH_DEBOUNCE_MS = 300;

const COLUMNS: { key: VisitorSortKey | null; label: MessageKey; num?: boolean }[] = [
  { key: 'hostname', label: 'visitors.server' },
  { key: 'remote', label: 'visitors.address' },
  { key: null, label: 'visitors.ports' },
  { key: 'connections', label: 'visitors.connections', num: true },
  { key: 'firstSeen', label: 'visitors.firstSeen' },
  { key: 'lastSeen', label: 'visitors.lastSeen' },
];

export interface VisitorsTableProps {
  agents: readonly Pick<AgentSummary, 'id' | 'hostname'>[];
  /** the server to show first ('' or absent: all) */
  agentId?: string;
}

export function VisitorsTable({ agents, agentId: initialAgent = '' }: VisitorsTableProps) {
  const { t, fmt } = useUi();
  const [agentId, setAgentId] = useState(initialAgent);
  const [range, setRange] = useState<VisitorRange>('1w');
  const [text, setText] = useState('');
  const [q, setQ] = useState('');
  const [sort, setSort] = useState<VisitorSort>({ key: 'lastSeen', descending: true });
  useEffect(() => {
    const timer = setTimeout(() => setQ(text.trim()), SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [text]);

  const visitors = useResource(
    (signal) => {
      const from = rangeFrom(range, Date.now());
      return listVisitors({ ...(agentId ? { agent: agentId } : {}), ...(from !== undefined ? { from } : {}), q, sort: sortParam(sort), limit: LIMIT }, signal);
    },
    [agentId, range, q, sort.key, sort.descending],
    { refreshMs: REFRESH_MS },
  );
  const rows = visitors.data?.visitors ?? [];

  return (
    <section class="fleet-visitors" data-testid="visitors">
      <div class="fleet-filters">
        <label class="fleet-field">
          <span>{t('visitors.server')}</span>
          <select value={agentId} data-testid="visitors-server" onChange={(e) => setAgentId(e.currentTarget.value)}>
            <option value="">{t('visitors.allServers')}</option>
            {agents.map((a) => (
              <option key={a.id} value={a.id}>
                {a.hostname}
              </option>
            ))}
          </select>
        </label>
        <label class="fleet-field">
          <span>{t('visitors.range')}</span>
          <select value={range} data-testid="visitors-range" onChange={(e) => setRange(e.currentTarget.value as VisitorRange)}>
            {VISITOR_RANGES.map((r) => (
              <option key={r} value={r}>
                {t(`vrange.${r}` as const)}
              </option>
            ))}
          </select>
        </label>
        <input
          class="search fleet-search"
          type="search"
          value={text}
          placeholder={t('visitors.search')}
          aria-label={t('visitors.search')}
          data-testid="visitors-search"
          onInput={(e) => setText(e.currentTarget.value)}
        />
        {visitors.data && (
          <span class="list-count" data-testid="visitors-count">
            {t('visitors.count', { shown: fmt.number(rows.length, 0), total: fmt.number(visitors.data.total, 0) })}
          </span>
        )}
      </div>
      {visitors.error && (
        <p class="alert alert-error" role="alert">
          {visitors.error}
        </p>
      )}
      {visitors.phase === 'loading' && <p class="hint">{t('fleet.loading')}</p>}
      {visitors.phase === 'ready' && rows.length === 0 && (
        <p class="hint" data-testid="visitors-empty">
          {t('visitors.none')}
        </p>
      )}
      {rows.length > 0 && (
        <div class="fleet-table-wrap">
          <table class="fleet-table" data-testid="visitors-table">
            <thead>
              <tr>
                {COLUMNS.map((c) => {
                  const sorted = c.key !== null && sort.key === c.key;
                  return (
                    <th key={c.label} scope="col" class={c.num ? 'num' : undefined} aria-sort={sorted ? (sort.descending ? 'descending' : 'ascending') : undefined}>
                      {c.key === null ? (
                        t(c.label)
                      ) : (
                        <button
                          type="button"
                          class="fleet-sort"
                          data-testid={`sort-${c.key}`}
                          title={t('visitors.sortBy', { column: t(c.label) })}
                          onClick={() => c.key && setSort(nextSort(sort, c.key))}
                        >
                          {t(c.label)}
                          <span aria-hidden="true">{sorted ? (sort.descending ? ' ▼' : ' ▲') : ''}</span>
                        </button>
                      )}
                    </th>
                  );
                })}
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={`${r.agentId}/${r.remote}`} data-testid="visitor-row" data-remote={r.remote} data-agent-id={r.agentId}>
                  <td>{r.hostname}</td>
                  <td class="mono">{r.remote}</td>
                  <td class="mono">{r.localPorts.join(', ')}</td>
                  <td class="num">{fmt.number(r.connections, 0)}</td>
                  <td>{fmt.dateTime(r.firstSeen * 1000)}</td>
                  <td>{fmt.dateTime(r.lastSeen * 1000)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
