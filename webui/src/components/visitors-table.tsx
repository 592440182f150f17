// Visitor history (S15): which client addresses connected to which server's services, when first
// and last, how many connections and to which ports. Filtered by server, time and text, sorted
// by any column (a click on its header), refreshed every half minute while open.
import { useEffect, useState } from 'preact/hooks';
import type { AgentSummary } from '../../../contract/api.js';
import type { VisitorRecord, VisitorSortKey } from '../../../contract/fleet-api.js';
import { listVisitors } from '../fleet-api.js';
import { nextSort, rangeFrom, sortParam, VISITOR_RANGES, type VisitorRange, type VisitorSort } from '../fleet-model.js';
import type { MessageKey } from '../i18n.js';
import { useUi } from '../ui-context.js';
import { useResource } from '../use-resource.js';
import { DataTable, type Column } from './data-table.js';

const LIMIT = 500;
const REFRESH_MS = 30_000;
const SEARCH_DEBOUNCE_MS = 300;

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
  // a header that sorts by its column on a click, and says which way it is sorted
  const sortable = (key: VisitorSortKey, label: MessageKey): Pick<Column<VisitorRecord>, 'header' | 'sorted'> => {
    const sorted = sort.key === key;
    return {
      header: (
        <button type="button" class="fleet-sort" data-testid={`sort-${key}`} title={t('visitors.sortBy', { column: t(label) })} onClick={() => setSort(nextSort(sort, key))}>
          {t(label)}
          <span aria-hidden="true">{sorted ? (sort.descending ? ' ▼' : ' ▲') : ''}</span>
        </button>
      ),
      sorted: sorted ? (sort.descending ? 'descending' : 'ascending') : undefined,
    };
  };

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
      {visitors.data && (
        <DataTable
          class="fleet-table"
          wrap="fleet-table-wrap"
          testId="visitors-table"
          rows={rows}
          rowKey={(r) => `${r.agentId}/${r.remote}`}
          rowAttrs={(r) => ({ 'data-testid': 'visitor-row', 'data-remote': r.remote, 'data-agent-id': r.agentId })}
          empty={t('visitors.none')}
          emptyClass="hint"
          emptyTestId="visitors-empty"
          columns={[
            { ...sortable('hostname', 'visitors.server'), cell: (r) => r.hostname },
            { ...sortable('remote', 'visitors.address'), class: 'mono', cell: (r) => r.remote },
            { header: t('visitors.ports'), class: 'mono', cell: (r) => r.localPorts.join(', ') },
            { ...sortable('connections', 'visitors.connections'), num: true, cell: (r) => fmt.number(r.connections, 0) },
            { ...sortable('firstSeen', 'visitors.firstSeen'), cell: (r) => fmt.dateTime(r.firstSeen * 1000) },
            { ...sortable('lastSeen', 'visitors.lastSeen'), cell: (r) => fmt.dateTime(r.lastSeen * 1000) },
          ]}
        />
      )}
    </section>
  );
}
