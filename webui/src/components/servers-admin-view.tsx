// The admin Servers screen (S4, "everything without code edits"): every server with its display
// name, host name, address, status and groups; per server: rename (a display name, the host name
// kept), move between groups, remove; "Add server" with the install command and the enrollment
// token (fleet-tools.tsx); the retention profile and the storage capacity it leaves (read only:
// GET /retention says why); links to the other admin screens (groups, rules, contacts, users,
// the audit log). For admins (`servers:write`); moving needs `groups:write`, which they hold.
import { useState } from 'preact/hooks';
import { DISPLAY_NAME_MAX_CHARS } from '../../../contract/api.js';
import type { GroupView } from '../../../contract/alerts-api.js';
import type { RetentionArchive } from '../../../contract/retention-api.js';
import type { AgentRow } from '../agents-store.js';
import { listGroups } from '../alerting-api.js';
import type { View } from '../alerting-model.js';
import { ApiRequestError, errorReason } from '../api-client.js';
import { removeServer } from '../fleet-api.js';
import type { MessageKey } from '../i18n.js';
import { serverLabel } from '../server-label.js';
import { getRetention, renameServer, setServerGroups } from '../servers-admin-api.js';
import { useResource } from '../use-resource.js';
import { useUi } from '../ui-context.js';
import { Card, ResourceState } from './alerting-parts.js';
import { DataTable } from './data-table.js';
import { FleetDialog, ProblemList } from './fleet-dialog.js';
import { AddServerForm } from './fleet-tools.js';
import { StatusBadge } from './status-badge.js';

type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

/** "5 s", "1 min", "7 days" in the UI's language. */
function durationText(s: number, t: Translate): string {
  if (s === 86_400) return t('dur.day');
  if (s % 86_400 === 0) return t('dur.days', { n: s / 86_400 });
  if (s % 3600 === 0) return t('dur.hours', { n: s / 3600 });
  if (s % 60 === 0) return t('dur.minutes', { n: s / 60 });
  return t('dur.seconds', { n: s });
}

type Problems = { list: string[]; message: string | null };

function problemsOf(e: unknown): Problems {
  return e instanceof ApiRequestError && e.problems.length > 0 ? { list: [...e.problems], message: null } : { list: [], message: errorReason(e) };
}

function RenameDialog({ server, onClose }: { server: AgentRow; onClose: () => void }) {
  const { t } = useUi();
  const [name, setName] = useState(server.displayName ?? '');
  const [busy, setBusy] = useState(false);
  const [problems, setProblems] = useState<Problems>({ list: [], message: null });
  const save = async (): Promise<void> => {
    setBusy(true);
    try {
      await renameServer(server.id, name.trim() === '' ? null : name.trim());
      onClose(); // the stream's `agent` event brings the new name to every list
    } catch (e) {
      setProblems(problemsOf(e));
      setBusy(false);
    }
  };
  return (
    <FleetDialog title={t('admin.rename')} testId="rename-dialog" onClose={onClose}>
      <form class="fleet-add" onSubmit={(e) => { e.preventDefault(); void save(); }}>
        <label class="fleet-field">
          <span>{t('admin.displayName', { host: server.hostname })}</span>
          <input value={name} maxLength={DISPLAY_NAME_MAX_CHARS} autocomplete="off" data-testid="rename-input" onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <p class="hint">{t('admin.displayNameHint', { n: DISPLAY_NAME_MAX_CHARS })}</p>
        <ProblemList problems={problems.list} message={problems.message} />
        <div class="fleet-actions">
          <button type="submit" class="button" disabled={busy} data-testid="rename-save">{t('admin.save')}</button>
          <button type="button" class="button button-quiet" onClick={onClose}>{t('admin.cancel')}</button>
        </div>
      </form>
    </FleetDialog>
  );
}

function GroupsDialog({ server, groups, onClose }: { server: AgentRow; groups: readonly GroupView[]; onClose: (changed: boolean) => void }) {
  const { t } = useUi();
  const [chosen, setChosen] = useState(() => groups.filter((g) => g.memberIds.includes(server.id)).map((g) => g.id));
  const [busy, setBusy] = useState(false);
  const [problems, setProblems] = useState<Problems>({ list: [], message: null });
  const save = async (): Promise<void> => {
    setBusy(true);
    try {
      await setServerGroups(server.id, chosen);
      onClose(true);
    } catch (e) {
      setProblems(problemsOf(e));
      setBusy(false);
    }
  };
  return (
    <FleetDialog title={t('admin.groupsOf', { name: serverLabel(server) })} testId="groups-dialog" onClose={() => onClose(false)}>
      <form class="fleet-add" onSubmit={(e) => { e.preventDefault(); void save(); }}>
        {groups.length === 0 && <p class="hint">{t('admin.groupsNone')}</p>}
        {groups.map((g) => (
          <label key={g.id} class="check-label">
            <input type="checkbox" checked={chosen.includes(g.id)} data-testid={`group-choice-${g.id}`}
              onChange={(e) => setChosen(e.currentTarget.checked ? [...chosen, g.id] : chosen.filter((x) => x !== g.id))} />
            {g.name}
          </label>
        ))}
        <ProblemList problems={problems.list} message={problems.message} />
        <div class="fleet-actions">
          <button type="submit" class="button" disabled={busy} data-testid="groups-save">{t('admin.save')}</button>
          <button type="button" class="button button-quiet" onClick={() => onClose(false)}>{t('admin.cancel')}</button>
        </div>
      </form>
    </FleetDialog>
  );
}

function archiveText(a: RetentionArchive, t: Translate): string {
  const rows = a.raw ? t('admin.archive.raw') : t('admin.archive.row', { row: durationText(a.rowS, t), cfs: a.cfs.join('/') });
  return `${rows}, ${t('admin.archive.keep', { keep: durationText(a.keepS, t) })}`;
}

function RetentionCard() {
  const { t, fmt } = useUi();
  const retention = useResource((signal) => getRetention(signal), []);
  const r = retention.data;
  return (
    <Card title={t('admin.retention')} testId="retention">
      <ResourceState resource={retention} />
      {r && (
        <>
          <p data-testid="retention-profile">{t('admin.profile', { profile: r.profile, step: durationText(r.stepS, t) })}</p>
          <ul data-testid="retention-archives">
            {r.archives.map((a) => <li key={a.rowS}>{archiveText(a, t)}</li>)}
          </ul>
          <p data-testid="retention-capacity">
            {t('admin.capacity', {
              used: fmt.number(r.serversRegistered, 0), capacity: fmt.number(r.serverCapacity, 0),
              perServer: fmt.bytes(r.bytesPerServer), free: fmt.bytes(r.freeBytes),
            })}
          </p>
          <p class="hint" data-testid="retention-how">{t('admin.howToChange')}</p>
        </>
      )}
    </Card>
  );
}

const LINKS: readonly [View, MessageKey][] = [
  ['groups', 'admin.link.groups'], ['rules', 'admin.link.rules'], ['contacts', 'admin.link.contacts'], ['users', 'admin.link.users'], ['audit', 'admin.link.audit'], ['federation', 'admin.link.federation'],
];

type Dialog = { kind: 'rename' | 'groups'; server: AgentRow } | { kind: 'add' } | null;

export function ServersAdminView({ agents, onView }: { agents: readonly AgentRow[]; onView: (v: View) => void }) {
  const { t } = useUi();
  const groups = useResource((signal) => listGroups(signal), []);
  const [dialog, setDialog] = useState<Dialog>(null);
  const [error, setError] = useState<string | null>(null);
  const groupNames = (id: string): string => (groups.data ?? []).filter((g) => g.memberIds.includes(id)).map((g) => g.name).join(', ');
  const remove = async (server: AgentRow): Promise<void> => {
    if (!window.confirm(t('server.removeConfirm', { name: serverLabel(server) }))) return;
    try {
      await removeServer(server.id);
      groups.reload();
    } catch (e) {
      setError(errorReason(e));
    }
  };
  return (
    <main class="page" data-testid="servers-admin">
      <Card title={t('admin.title')} testId="servers-admin-list"
        actions={<button type="button" class="button" data-testid="admin-add-server" onClick={() => setDialog({ kind: 'add' })}>{t('server.add')}</button>}>
        <p class="hint">{t('admin.intro')}</p>
        {error && <p class="alert alert-error" role="alert">{error}</p>}
        <DataTable
          class="table"
          rows={agents}
          rowKey={(a) => a.id}
          rowAttrs={(a) => ({ 'data-testid': 'admin-server-row', 'data-agent-id': a.id, 'data-hostname': a.hostname })}
          empty={t('admin.none')}
          columns={[
            { header: t('admin.col.name'), class: 'host-cell', cell: (a) => <span data-testid="admin-server-name">{serverLabel(a)}</span> },
            { header: t('admin.col.hostname'), class: 'mono', cell: (a) => a.hostname },
            { header: t('admin.col.address'), class: 'mono', cell: (a) => a.address ?? '–' },
            { header: t('admin.col.status'), cell: (a) => (a.awaitingAgent ? t('server.awaiting') : <StatusBadge status={a.status} />) },
            { header: t('admin.col.groups'), cell: (a) => <span data-testid="admin-server-groups">{groupNames(a.id) || t('admin.noGroups')}</span> },
            {
              header: t('admin.col.actions'), headerHidden: true, class: 'actions',
              cell: (a) => (
                <span class="fleet-actions">
                  <button type="button" class="button button-quiet" data-testid="admin-rename" onClick={() => setDialog({ kind: 'rename', server: a })}>{t('admin.rename')}</button>
                  <button type="button" class="button button-quiet" data-testid="admin-groups" onClick={() => setDialog({ kind: 'groups', server: a })}>{t('admin.groups')}</button>
                  <button type="button" class="button button-quiet fleet-remove" data-testid="admin-remove" onClick={() => void remove(a)}>{t('server.remove')}</button>
                </span>
              ),
            },
          ]}
        />
      </Card>
      <RetentionCard />
      <Card title={t('admin.more')} testId="admin-links">
        <ul class="admin-links">
          {LINKS.map(([view, key]) => (
            <li key={view}>
              <a href={`#view=${view}`} data-testid={`admin-link-${view}`} onClick={(e) => { e.preventDefault(); onView(view); }}>{t(key)}</a>
            </li>
          ))}
          <li>
            <a href="#view=servers" data-testid="admin-link-enroll" onClick={(e) => { e.preventDefault(); setDialog({ kind: 'add' }); }}>{t('admin.link.enroll')}</a>
          </li>
        </ul>
      </Card>
      {dialog?.kind === 'add' && (
        <FleetDialog title={t('server.addTitle')} testId="add-server-dialog" onClose={() => setDialog(null)}>
          <AddServerForm />
        </FleetDialog>
      )}
      {dialog?.kind === 'rename' && <RenameDialog server={dialog.server} onClose={() => setDialog(null)} />}
      {dialog?.kind === 'groups' && groups.data && (
        <GroupsDialog server={dialog.server} groups={groups.data} onClose={(changed) => { setDialog(null); if (changed) groups.reload(); }} />
      )}
    </main>
  );
}
