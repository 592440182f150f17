// The Checks view (S4, S5, S6, S16): every service check, worst first, with its state, where it
// runs (a server, a group, or the appliance for a probe), type, output line, since when and its
// last run; the counts per state (each one a filter), filters by server, group and type and a
// search, all kept in the URL fragment so that a filtered view can be bookmarked. States change
// live from the stream's `check` events. Roles that may write checks (SEC) get New, Edit and
// Delete; a viewer sees the list only.
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { CheckStatusState, CheckView } from '../../../contract/checks-api.js';
import type { AgentRow } from '../agents-store.js';
import { listGroups } from '../alerting-api.js';
import { errorReason } from '../api-client.js';
import { deleteCheck } from '../checks-client.js';
import { NO_FILTERS, definitionOf, STATUS_STATES, checkMatches, countByState, filtersFromHash, hashWithFilters, listParams, sortChecks, stateClasses, targetText, type CheckFilters } from '../checks-model.js';
import { useCheckList } from '../checks-state.js';
import { useResource } from '../use-resource.js';
import { useNow, useUi } from '../ui-context.js';
import { AgentOptions, Card, ErrorBox, GroupOptions, ResourceState, RowActions } from './alerting-parts.js';
import { CheckForm } from './check-form.js';
import { CheckStateBadge, CheckTypeOptions, placementText } from './check-parts.js';
import { DataTable } from './data-table.js';

/** The filters in the URL fragment: replaced, not pushed (typing a search is not a step back). */
function useCheckFilters(): [CheckFilters, (f: CheckFilters) => void] {
  const [filters, setFilters] = useState(() => filtersFromHash(location.hash));
  useEffect(() => {
    const onHash = (): void => setFilters(filtersFromHash(location.hash));
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  const update = (f: CheckFilters): void => {
    setFilters(f);
    history.replaceState(null, '', `${location.pathname}${location.search}${hashWithFilters(location.hash, f)}`);
  };
  return [filters, update];
}

function StateCounts({ counts, chosen, onChoose }: { counts: Record<CheckStatusState, number>; chosen: CheckStatusState | ''; onChoose: (s: CheckStatusState | '') => void }) {
  const { t, fmt } = useUi();
  const total = STATUS_STATES.reduce((n, s) => n + counts[s], 0);
  return (
    <div class="state-counts" role="group" aria-label={t('ccol.state')} data-testid="check-counts">
      <button type="button" class="state-count" aria-pressed={chosen === ''} data-testid="count-all" onClick={() => onChoose('')}>
        {t('checks.allStates')} <span class="num">{fmt.number(total, 0)}</span>
      </button>
      {STATUS_STATES.map((s) => (
        <button
          key={s}
          type="button"
          class={`state-count cstate-edge-${s}`}
          aria-pressed={chosen === s}
          data-testid={`count-${s}`}
          data-count={counts[s]}
          title={t('checks.countTitle', { n: counts[s], state: t(`cstate.${s}` as const) })}
          onClick={() => onChoose(chosen === s ? '' : s)}
        >
          {t(`cstate.${s}` as const)} <span class="num">{fmt.number(counts[s], 0)}</span>
        </button>
      ))}
    </div>
  );
}

export function ChecksView({ agents }: { agents: readonly AgentRow[] }) {
  const { t, fmt, stream, can } = useUi();
  const canEdit = can('checks:write');
  const now = useNow(5000);
  const [filters, setFilters] = useCheckFilters();
  const params = useMemo(() => listParams(filters), [filters.server, filters.group, filters.type]);
  const list = useCheckList(stream, params);
  const groups = useResource(listGroups, []);
  const [editing, setEditing] = useState<CheckView | 'new' | null>(null);
  const [rowError, setRowError] = useState<string | null>(null);

  const searched = useMemo(() => (list.data?.checks ?? []).filter((c) => checkMatches(c, filters.q)), [list.data, filters.q]);
  const counts = useMemo(() => countByState(searched), [searched]);
  const rows = useMemo(() => sortChecks(searched.filter((c) => filters.state === '' || c.state === filters.state)), [searched, filters.state]);
  const set = (change: Partial<CheckFilters>): void => setFilters({ ...filters, ...change });
  const filtered = JSON.stringify(filters) !== JSON.stringify(NO_FILTERS);

  const onSaved = (c: CheckView): void => {
    setEditing(null);
    list.mutate((r) => {
      const checks = r.checks.some((x) => x.id === c.id) ? r.checks.map((x) => (x.id === c.id ? c : x)) : [...r.checks, c];
      return { checks, byState: countByState(checks) };
    });
    list.reload();
  };
  const remove = (c: CheckView): void => {
    if (!window.confirm(t('checks.confirmDelete', { name: c.definition.name }))) return;
    setRowError(null);
    deleteCheck(c.id)
      .then(() => {
        list.mutate((r) => {
          const checks = r.checks.filter((x) => x.id !== c.id);
          return { checks, byState: countByState(checks) };
        });
        list.reload();
      })
      .catch((e: unknown) => setRowError(errorReason(e)));
  };
  const groupList = groups.data ?? [];

  return (
    <div class="view" data-testid="view-checks">
      <div class="view-head">
        <h2>{t('checks.title')}</h2>
        {canEdit && (
          <button type="button" class="button button-primary" data-testid="check-new" onClick={() => setEditing('new')}>
            {t('checks.new')}
          </button>
        )}
      </div>
      {editing !== null && (
        <CheckForm key={editing === 'new' ? 'new' : editing.id} check={editing === 'new' ? null : editing} agents={agents} groups={groupList} onSaved={onSaved} onClose={() => setEditing(null)} />
      )}
      <Card
        title={
          <>
            {t('nav.checks')} {list.data && <span class="count" data-testid="check-shown">{t('checks.count', { shown: fmt.number(rows.length, 0), total: fmt.number(list.data.checks.length, 0) })}</span>}
          </>
        }
        testId="check-list"
      >
        <StateCounts counts={counts} chosen={filters.state} onChoose={(state) => set({ state })} />
        <div class="toolbar">
          <label class="inline-field">
            <span>{t('checks.filterServer')}</span>
            <select value={filters.server} data-testid="check-filter-server" onChange={(e) => set({ server: e.currentTarget.value })}>
              <option value="">{t('filter.all')}</option>
              <AgentOptions agents={agents} />
            </select>
          </label>
          <label class="inline-field">
            <span>{t('checks.filterGroup')}</span>
            <select value={filters.group} data-testid="check-filter-group" onChange={(e) => set({ group: e.currentTarget.value })}>
              <option value="">{t('filter.all')}</option>
              <GroupOptions groups={groupList} />
            </select>
          </label>
          <label class="inline-field">
            <span>{t('checks.filterType')}</span>
            <select value={filters.type} data-testid="check-filter-type" onChange={(e) => set({ type: e.currentTarget.value as CheckFilters['type'] })}>
              <option value="">{t('filter.all')}</option>
              <CheckTypeOptions />
            </select>
          </label>
          <input class="search inline-search" type="search" placeholder={t('checks.search')} aria-label={t('checks.search')} value={filters.q} data-testid="check-search" onInput={(e) => set({ q: e.currentTarget.value })} />
          {filtered && (
            <button type="button" class="button button-quiet" data-testid="check-clear-filters" onClick={() => setFilters(NO_FILTERS)}>
              {t('checks.clearFilters')}
            </button>
          )}
        </div>
        {rowError && <ErrorBox message={rowError} />}
        <ResourceState resource={list} />
        {list.data && (
          <DataTable
            rows={rows}
            rowKey={(c) => c.id}
            rowAttrs={(c) => ({
              class: `check-row ${stateClasses(c.state).row}${c.definition.enabled === false ? ' is-disabled' : ''}`,
              'data-testid': 'check-row',
              'data-check-id': c.id,
              'data-state': c.state,
              'data-type': c.type,
            })}
            empty={list.data.checks.length === 0 ? t('checks.none') : t('checks.noMatch')}
            columns={[
              { header: t('ccol.state'), cell: (c) => <CheckStateBadge state={c.state} /> },
              {
                header: t('ccol.name'),
                cell: (c) => (
                  <>
                    <strong data-testid="check-name-cell">{c.definition.name}</strong> {c.definition.enabled === false && <span class="tag">{t('checks.disabled')}</span>}
                    <div class="muted small mono check-target">{targetText(definitionOf(c))}</div>
                  </>
                ),
              },
              {
                header: t('ccol.where'),
                class: 'host-cell',
                cellAttrs: () => ({ 'data-testid': 'check-where' }),
                cell: (c) => {
                  const bad = c.instances.filter((i) => i.state !== 'ok' && i.state !== 'pending').length;
                  return (
                    <>
                      {placementText(definitionOf(c), agents, groupList, t)}
                      {c.instances.length > 1 && bad > 0 && <div class="muted small">{t('checks.instances', { bad, n: c.instances.length })}</div>}
                    </>
                  );
                },
              },
              { header: t('ccol.type'), class: 'nowrap', cell: (c) => t(`ctype.${c.type}` as const) },
              { header: t('ccol.output'), class: 'check-output', cellAttrs: (c) => ({ 'data-testid': 'check-output', title: c.longOutput || undefined }), cell: (c) => c.output },
              { header: t('ccol.since'), class: 'nowrap', cellAttrs: (c) => ({ title: c.since === null ? undefined : fmt.dateTime(c.since * 1000) }), cell: (c) => (c.since === null ? '–' : fmt.relative(c.since * 1000, now)) },
              {
                header: t('ccol.lastRun'),
                class: 'nowrap',
                cellAttrs: (c) => ({ title: c.lastRun === null ? undefined : fmt.dateTime(c.lastRun * 1000) }),
                cell: (c) => (c.lastRun === null ? t('ccol.never') : fmt.relative(c.lastRun * 1000, now)),
              },
              canEdit && { header: t('col.actions'), headerHidden: true, class: 'actions', cell: (c) => <RowActions testId="check" onEdit={() => setEditing(c)} onDelete={() => remove(c)} /> },
            ]}
          />
        )}
      </Card>
    </div>
  );
}
