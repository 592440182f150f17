// The admin Servers screen (S4, "everything without code edits"): every server with its display
// name, host name, address, status and groups; per server: rename (a display name, the host name
// kept), move between groups, remove; "Add server" with the install command and the enrollment
// token (fleet-tools.tsx); the retention profile and the storage capacity it leaves, and a change
// of profile with its preview and progress (PUT /retention); links to the other admin screens
// (groups, rules, contacts, users, the audit log); what each server depends on (B10,
// depends-on-editor.tsx). For admins (`servers:write`); moving needs `groups:write`, which they hold.
import { useEffect, useState } from 'preact/hooks';
import { DISPLAY_NAME_MAX_CHARS } from '../../../contract/api.js';
import type { GroupView } from '../../../contract/alerts-api.js';
import type { RetentionArchive, RetentionChangeStatus, RetentionPreview } from '../../../contract/retention-api.js';
import type { AgentRow } from '../agents-store.js';
import { listGroups } from '../alerting-api.js';
import type { View } from '../alerting-model.js';
import { ApiRequestError, errorReason } from '../api-client.js';
import { removeServer } from '../fleet-api.js';
import type { MessageKey } from '../i18n.js';
import { serverLabel } from '../server-label.js';
import { changeRetention, getRetention, previewRetention, renameServer, setServerGroups } from '../servers-admin-api.js';
import { getDependencies, setServerDependsOn } from '../maintenance-client.js';
import { useResource } from '../use-resource.js';
import { useUi } from '../ui-context.js';
import { Card, ResourceState } from './alerting-parts.js';
import { DataTable } from './data-table.js';
import { FleetDialog, ProblemList } from './fleet-dialog.js';
import { AddServerForm } from './fleet-tools.js';
import { DependsOnDialog, parentNames, useParentChecks } from './depends-on-editor.js';
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

function changeText(c: RetentionChangeStatus, t: Translate): string {
  if (c.state === 'running') return t('admin.change.running', { to: c.to, done: String(c.filesDone), total: String(c.filesTotal) });
  if (c.state === 'done') return t('admin.change.done', { from: c.from, to: c.to, total: String(c.filesTotal) });
  return t('admin.change.failed', { to: c.to, failed: String(c.failed), error: c.lastError ?? '' });
}

/** The change of profile (S4): a preview of what is kept and dropped, then the change, with its progress. */
function RetentionChange({ profiles, current, change, onChanged }: { profiles: readonly string[]; current: string; change: RetentionChangeStatus | null; onChanged: () => void }) {
  const { t, fmt } = useUi();
  const others = profiles.filter((p) => p !== current);
  const [to, setTo] = useState(others[0] ?? '');
  const [preview, setPreview] = useState<RetentionPreview | null>(null);
  const [error, setError] = useState<string | null>(null);
  const running = change?.state === 'running';
  // the files are rewritten in the background: the progress is read again while it runs
  useEffect(() => {
    if (!running) return undefined;
    const timer = setInterval(onChanged, 2000);
    return () => clearInterval(timer);
  }, [running]);
  const run = async (work: () => Promise<void>): Promise<void> => {
    setError(null);
    try {
      await work();
    } catch (e) {
      setError(errorReason(e));
    }
  };
  if (others.length === 0) return null;
  return (
    <div class="retention-change" data-testid="retention-change">
      <label class="field field-label">
        <span class="field-name">{t('admin.change.to')}</span>
        <select value={to} data-testid="retention-to" disabled={running} onChange={(e) => { setTo((e.target as HTMLSelectElement).value); setPreview(null); }}>
          {others.map((p) => <option key={p} value={p}>{p}</option>)}
        </select>
      </label>
      <div class="form-actions">
        <button type="button" class="button button-quiet" data-testid="retention-preview" disabled={running}
          onClick={() => void run(async () => setPreview(await previewRetention(to)))}>{t('admin.change.preview')}</button>
        <button type="button" class="button" data-testid="retention-apply" disabled={running || preview === null || preview.to !== to || !preview.fits}
          onClick={() => void run(async () => {
            if (!window.confirm(t('admin.change.confirm', { profile: to }))) return;
            await changeRetention(to);
            setPreview(null);
            onChanged();
          })}>{t('admin.change.apply')}</button>
      </div>
      {preview && (
        <p data-testid="retention-preview-text">
          {t('admin.change.previewText', { files: fmt.number(preview.files, 0), agents: fmt.number(preview.agents, 0), before: fmt.bytes(preview.bytesBefore), after: fmt.bytes(preview.bytesAfter) })}{' '}
          {preview.dropsOlderThanS === null
            ? t('admin.change.keepsAll', { raw: durationText(preview.rawAfterS, t), rawBefore: durationText(preview.rawBeforeS, t) })
            : t('admin.change.drops', { keep: durationText(preview.dropsOlderThanS, t), raw: durationText(preview.rawAfterS, t), rawBefore: durationText(preview.rawBeforeS, t) })}
          {!preview.fits && <> {t('admin.change.noRoom')}</>}
        </p>
      )}
      {change && <p role="status" data-testid="retention-change-status" data-state={change.state}>{changeText(change, t)}</p>}
      {error && <p class="alert alert-error" role="alert" data-testid="retention-error">{error}</p>}
    </div>
  );
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
          <RetentionChange profiles={r.profiles} current={r.profile} change={r.change} onChanged={retention.reload} />
        </>
      )}
    </Card>
  );
}

const LINKS: readonly [View, MessageKey][] = [
  ['groups', 'admin.link.groups'], ['rules', 'admin.link.rules'], ['contacts', 'admin.link.contacts'], ['users', 'admin.link.users'], ['audit', 'admin.link.audit'], ['federation', 'admin.link.federation'], ['redundancy', 'admin.link.redundancy'],
];

type Dialog = { kind: 'rename' | 'groups' | 'dependsOn'; server: AgentRow } | { kind: 'add' } | null;

export function ServersAdminView({ agents, onView }: { agents: readonly AgentRow[]; onView: (v: View) => void }) {
  const { t } = useUi();
  const groups = useResource((signal) => listGroups(signal), []);
  const dependencies = useResource((signal) => getDependencies(signal), []);
  const checks = useParentChecks();
  const parentsOf = (id: string): string[] => dependencies.data?.servers[id] ?? [];
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
            { header: t('dep.title'), cell: (a) => <span data-testid="admin-server-depends">{parentNames(parentsOf(a.id), agents, checks) || t('dep.none')}</span> },
            {
              header: t('admin.col.actions'), headerHidden: true, class: 'actions',
              cell: (a) => (
                <span class="fleet-actions">
                  <button type="button" class="button button-quiet" data-testid="admin-rename" onClick={() => setDialog({ kind: 'rename', server: a })}>{t('admin.rename')}</button>
                  <button type="button" class="button button-quiet" data-testid="admin-groups" onClick={() => setDialog({ kind: 'groups', server: a })}>{t('admin.groups')}</button>
                  <button type="button" class="button button-quiet" data-testid="admin-depends" onClick={() => setDialog({ kind: 'dependsOn', server: a })}>{t('dep.edit')}</button>
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
      {dialog?.kind === 'dependsOn' && dependencies.data && (
        <DependsOnDialog title={t('dep.serverOf', { name: serverLabel(dialog.server) })} testId="depends-dialog" initial={parentsOf(dialog.server.id)} selfId={dialog.server.id} agents={agents}
          onSave={(ids) => setServerDependsOn(dialog.server.id, ids)} onClose={(saved) => { setDialog(null); if (saved) dependencies.reload(); }} />
      )}
      {dialog?.kind === 'groups' && groups.data && (
        <GroupsDialog server={dialog.server} groups={groups.data} onClose={(changed) => { setDialog(null); if (changed) groups.reload(); }} />
      )}
    </main>
  );
}
