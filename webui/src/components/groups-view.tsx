// The Groups view (S8): server groups, each with its worst status (a group is as bad as its worst
// member), created, renamed, deleted and given members here; and the server list filtered by
// connection status, severity, group and host name, worst first, each row one click from the
// dashboard.
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { AgentStatus } from '../../../contract/agent-status.js';
import type { GroupView, HealthLevel, ServerHealth } from '../../../contract/alerts-api.js';
import type { AgentRow } from '../agents-store.js';
import { deleteGroup, getGroup, listGroups, listServers, saveGroup, setGroupMembers } from '../alerting-api.js';
import { HEALTH_LEVELS, problemsByField } from '../alerting-model.js';
import { ApiRequestError, errorReason } from '../api-client.js';
import { useResource } from '../use-resource.js';
import { useUi } from '../ui-context.js';
import { StatusBadge } from './status-badge.js';
import { getDependencies, setGroupDependsOn } from '../maintenance-client.js';
import { DependsOnDialog, parentNames, useParentChecks } from './depends-on-editor.js';
import { DataTable } from './data-table.js';
import { Card, Empty, ErrorBox, FieldError, FormError, Loading, ResourceState, SeverityBadge } from './alerting-parts.js';

const STATUSES: readonly AgentStatus[] = ['online', 'offline', 'unknown'];

function toggleIn<T>(list: readonly T[], v: T): T[] {
  return list.includes(v) ? list.filter((x) => x !== v) : [...list, v];
}

function GroupList({ groups, selected, onSelect, onCreated }: { groups: readonly GroupView[]; selected: string | null; onSelect: (id: string) => void; onCreated: (g: GroupView) => void }) {
  const { t, fmt, can } = useUi();
  const [name, setName] = useState('');
  const [problems, setProblems] = useState<string[]>([]);
  const [error, setError] = useState<string | null>(null);
  const create = (e: Event): void => {
    e.preventDefault();
    setProblems([]);
    setError(null);
    saveGroup({ name: name.trim() }, null)
      .then((g) => {
        setName('');
        onCreated(g);
      })
      .catch((err: unknown) => {
        if (err instanceof ApiRequestError && err.problems.length > 0) setProblems([...err.problems]);
        else setError(errorReason(err));
      });
  };
  const { byField, other } = problemsByField(problems, ['name', 'id']);
  return (
    <>
      {groups.length === 0 && <Empty>{t('group.none')}</Empty>}
      <ul class="group-rows">
        {groups.map((g) => (
          <li key={g.id}>
            <button
              type="button"
              class={`group-row sevrow-${g.health.level}`}
              aria-pressed={selected === g.id}
              data-testid="group-row"
              data-group-id={g.id}
              data-level={g.health.level}
              onClick={() => onSelect(g.id)}
            >
              <span class="server-line">
                <strong class="host">{g.name}</strong>
                <SeverityBadge level={g.health.level} />
              </span>
              <span class="server-line muted small">
                <span>{t('group.members', { n: fmt.number(g.health.members, 0) })}</span>
                <span>
                  {g.health.offline > 0 ? <span class="text-crit">{t('group.offline', { n: fmt.number(g.health.offline, 0) })}</span> : <StatusBadge status={g.health.status} />}
                </span>
              </span>
              {g.health.members > 0 && (
                <span class="level-bar" aria-hidden="true">
                  {HEALTH_LEVELS.map((l) => (g.health.byLevel[l] > 0 ? <span key={l} class={`level-seg sevbg-${l}`} style={{ flexGrow: g.health.byLevel[l] }} /> : null))}
                </span>
              )}
            </button>
          </li>
        ))}
      </ul>
      {can('groups:write') && (
      <form class="inline-form" onSubmit={create}>
        <input type="text" value={name} placeholder={t('group.newName')} aria-label={t('group.newName')} data-testid="group-new-name" onInput={(e) => setName(e.currentTarget.value)} />
        <button type="submit" class="button button-primary" data-testid="group-create" disabled={name.trim() === ''}>
          {t('group.create')}
        </button>
      </form>
      )}
      <FieldError field="name" messages={byField.name} />
      <FormError problems={other} error={error} />
    </>
  );
}

function GroupEditor({ groupId, agents, onChanged, onDeleted }: { groupId: string; agents: readonly AgentRow[]; onChanged: () => void; onDeleted: () => void }) {
  const { t, can } = useUi();
  // without groups:write the group is shown as it is, with nothing to change (SEC)
  const canEdit = can('groups:write');
  const detail = useResource((signal) => getGroup(groupId, signal), [groupId]);
  const [name, setName] = useState('');
  const [members, setMembers] = useState<string[]>([]);
  const [filter, setFilter] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    if (!detail.data) return;
    setName(detail.data.name);
    setMembers(detail.data.memberIds);
  }, [detail.data]);

  if (detail.phase === 'loading') return <Loading />;
  if (detail.phase === 'error' || !detail.data) return <ErrorBox message={detail.error ?? ''} onRetry={detail.reload} />;
  const g = detail.data;
  const dirty = name.trim() !== g.name || members.length !== g.memberIds.length || members.some((m) => !g.memberIds.includes(m));
  const needle = filter.trim().toLowerCase();
  const shown = agents.filter((a) => needle === '' || a.hostname.toLowerCase().includes(needle));
  const done = (): void => {
    setSaved(true);
    detail.reload();
    onChanged();
  };
  const save = (): void => {
    setError(null);
    setSaved(false);
    const rename = name.trim() !== g.name ? saveGroup({ id: g.id, name: name.trim(), memberIds: members }, g.id) : setGroupMembers(g.id, members);
    rename.then(done).catch((e: unknown) => setError(errorReason(e)));
  };
  const remove = (): void => {
    if (!window.confirm(t('group.confirmDelete', { name: g.name }))) return;
    deleteGroup(g.id)
      .then(onDeleted)
      .catch((e: unknown) => setError(errorReason(e)));
  };
  return (
    <div class="group-editor" data-testid="group-editor" data-group-id={g.id}>
      <label class="field-label">
        <span class="field-name">{t('group.name')}</span>
        <input type="text" value={name} data-testid="group-name" disabled={!canEdit} onInput={(e) => setName(e.currentTarget.value)} />
      </label>
      <div class="member-head">
        <span class="field-name">{t('group.memberList', { n: members.length })}</span>
        <input class="search inline-search" type="search" placeholder={t('list.search')} aria-label={t('list.search')} value={filter} onInput={(e) => setFilter(e.currentTarget.value)} />
      </div>
      {agents.length === 0 ? (
        <p class="hint">{t('list.empty')}</p>
      ) : (
        <ul class="member-list" data-testid="member-list">
          {shown.map((a) => (
            <li key={a.id}>
              <label class="check">
                <input type="checkbox" checked={members.includes(a.id)} data-testid="member-check" data-agent-id={a.id} disabled={!canEdit} onChange={() => setMembers(toggleIn(members, a.id))} />
                <span class="host">{a.hostname}</span>
                <StatusBadge status={a.status} />
              </label>
            </li>
          ))}
        </ul>
      )}
      {error && <ErrorBox message={error} />}
      {canEdit && (
      <div class="form-actions">
        <button type="button" class="button button-primary" data-testid="group-save" disabled={!dirty} onClick={save}>
          {t('common.save')}
        </button>
        <button type="button" class="button button-danger" data-testid="group-delete" onClick={remove}>
          {t('common.delete')}
        </button>
        {saved && !dirty && <span class="saved-note">{t('common.saved')}</span>}
      </div>
      )}
    </div>
  );
}

/**
 * @param revision changes when this tab saved a group's members: the table asks again at once (the
 *   stream carries no group event; a change from another tab shows at the next refresh)
 */
function ServerTable({ groups, group, revision, onGroup, onOpenServer }: {
  groups: readonly GroupView[]; group: string; revision: number; onGroup: (g: string) => void; onOpenServer: (id: string) => void;
}) {
  const { t, fmt, stream } = useUi();
  const [statuses, setStatuses] = useState<AgentStatus[]>([]);
  const [levels, setLevels] = useState<HealthLevel[]>([]);
  const [q, setQ] = useState('');
  const query = useMemo(() => ({ status: statuses, severity: levels, group: group || undefined, q }), [statuses, levels, group, q]);
  const servers = useResource<ServerHealth[]>((signal) => listServers(query, signal), [JSON.stringify(query), revision], {
    stream,
    events: ['alert', 'status', 'agent'],
    refreshMs: 30_000,
  });
  return (
    <Card title={t('servers.title')} testId="server-table">
      <div class="toolbar">
        <div class="filters" role="group" aria-label={t('servers.byStatus')}>
          {STATUSES.map((s) => (
            <button key={s} type="button" class={`filter filter-${s}`} aria-pressed={statuses.includes(s)} data-testid={`sfilter-${s}`} onClick={() => setStatuses(toggleIn(statuses, s))}>
              {t(`status.${s}` as const)}
            </button>
          ))}
        </div>
        <div class="filters" role="group" aria-label={t('servers.bySeverity')}>
          {HEALTH_LEVELS.map((l) => (
            <button key={l} type="button" class={`filter sevfilter-${l}`} aria-pressed={levels.includes(l)} data-testid={`lfilter-${l}`} onClick={() => setLevels(toggleIn(levels, l))}>
              {t(`sev.${l}` as const)}
            </button>
          ))}
        </div>
        <label class="inline-field">
          <span>{t('servers.group')}</span>
          <select value={group} data-testid="server-group-filter" onChange={(e) => onGroup(e.currentTarget.value)}>
            <option value="">{t('filter.all')}</option>
            {groups.map((g) => (
              <option key={g.id} value={g.id}>
                {g.name}
              </option>
            ))}
          </select>
        </label>
        <input class="search inline-search" type="search" placeholder={t('list.search')} aria-label={t('list.search')} value={q} onInput={(e) => setQ(e.currentTarget.value)} />
      </div>
      <ResourceState resource={servers} />
      {servers.data && (
        <DataTable
          rows={servers.data}
          rowKey={(s) => s.agentId}
          rowAttrs={(s) => ({ class: `sevrow-${s.level}`, 'data-testid': 'health-row', 'data-agent-id': s.agentId, 'data-level': s.level, 'data-status': s.status })}
          empty={t('list.noMatch')}
          columns={[
            { header: t('col.server'), class: 'host-cell', cell: (s) => s.hostname },
            { header: t('col.status'), cell: (s) => <StatusBadge status={s.status} /> },
            { header: t('col.severity'), cell: (s) => <SeverityBadge level={s.level} /> },
            { header: t('astate.firing'), num: true, cell: (s) => fmt.number(s.firing, 0) },
            { header: t('astate.acknowledged'), num: true, cell: (s) => fmt.number(s.acknowledged, 0) },
            { header: t('astate.pending'), num: true, cell: (s) => fmt.number(s.pending, 0) },
            {
              header: t('col.actions'),
              headerHidden: true,
              class: 'actions',
              cell: (s) => (
                <button type="button" class="button button-quiet" onClick={() => onOpenServer(s.agentId)}>
                  {t('servers.openDashboard')}
                </button>
              ),
            },
          ]}
        />
      )}
    </Card>
  );
}

/** B10: what every member of the group depends on ("the web group depends on the gateway probe"). */
function GroupDependsOn({ group, agents }: { group: GroupView | null; agents: readonly AgentRow[] }) {
  const { t, can } = useUi();
  const dependencies = useResource((signal) => getDependencies(signal), []);
  const checks = useParentChecks();
  const [open, setOpen] = useState(false);
  if (!group) return null;
  const parents = dependencies.data?.groups[group.id] ?? [];
  return (
    <Card title={t('dep.groupOf', { name: group.name })} testId="group-depends"
      actions={can('groups:write') && dependencies.data && <button type="button" class="button" data-testid="group-depends-edit" onClick={() => setOpen(true)}>{t('dep.edit')}</button>}>
      <ResourceState resource={dependencies} />
      <p data-testid="group-depends-list">{parentNames(parents, agents, checks) || t('dep.none')}</p>
      {open && (
        <DependsOnDialog title={t('dep.groupOf', { name: group.name })} testId="depends-dialog" initial={parents} selfId={null} agents={agents}
          onSave={(ids) => setGroupDependsOn(group.id, ids)} onClose={(saved) => { setOpen(false); if (saved) dependencies.reload(); }} />
      )}
    </Card>
  );
}

export function GroupsView({ agents, onOpenServer }: { agents: readonly AgentRow[]; onOpenServer: (id: string) => void }) {
  const { t, stream } = useUi();
  const groups = useResource(listGroups, [], { stream, events: ['alert', 'status'], refreshMs: 30_000 });
  const [selected, setSelected] = useState<string | null>(null);
  const [serverGroup, setServerGroup] = useState('');
  const [groupRevision, setGroupRevision] = useState(0);
  const groupsChanged = (): void => {
    groups.reload();
    setGroupRevision((n) => n + 1);
  };
  const select = (id: string): void => {
    setSelected(id);
    setServerGroup(id);
  };
  return (
    <div class="view" data-testid="view-groups">
      <div class="view-head">
        <h2>{t('nav.groups')}</h2>
      </div>
      <div class="two-col">
        <Card title={t('group.title')} testId="group-list">
          <ResourceState resource={groups} />
          {groups.data && (
            <GroupList
              groups={groups.data}
              selected={selected}
              onSelect={select}
              onCreated={(g) => {
                groups.reload();
                select(g.id);
              }}
            />
          )}
        </Card>
        <Card title={t('group.editTitle')}>
          {selected === null ? (
            <p class="hint">{t('group.pick')}</p>
          ) : (
            <GroupEditor
              key={selected}
              groupId={selected}
              agents={agents}
              onChanged={groupsChanged}
              onDeleted={() => {
                setSelected(null);
                setServerGroup('');
                groupsChanged();
              }}
            />
          )}
        </Card>
      </div>
      {selected !== null && <GroupDependsOn key={selected} group={groups.data?.find((g) => g.id === selected) ?? null} agents={agents} />}
      <ServerTable groups={groups.data ?? []} group={serverGroup} revision={groupRevision} onGroup={setServerGroup} onOpenServer={onOpenServer} />
    </div>
  );
}
