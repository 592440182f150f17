// "Files" (S17; files:deploy: admins, and users an admin granted groups of servers, who see only
// those groups and their members): push a file to chosen servers and groups, or create, move or
// delete a directory there, as an account each server maps the user to; a dry run first; each
// server's state live from the stream (`file-job` events); a push that ran can be rolled back.
import { Fragment } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { GroupView } from '../../../contract/alerts-api.js';
import type { FileAction } from '../../../contract/file-jobs.js';
import { FILE_ACTIONS } from '../../../contract/file-jobs.js';
import { ROLE_PERMISSIONS } from '../../../contract/permissions.js';
import type { FileJobList, FileJobRequest, FileJobView, UploadedFile } from '../../../contract/files-api.js';
import type { AgentRow } from '../agents-store.js';
import { listGroups } from '../alerting-api.js';
import { errorReason, requestJson } from '../api-client.js';
import { useResource } from '../use-resource.js';
import { useUi } from '../ui-context.js';
import { Card, ResourceState } from './alerting-parts.js';

interface Draft {
  agentIds: string[];
  groupIds: string[];
  action: FileAction;
  path: string;
  to: string;
  mode: string;
  group: string;
  runAs: string;
  recursive: boolean;
  dryRun: boolean;
}

const EMPTY: Draft = { agentIds: [], groupIds: [], action: 'push', path: '', to: '', mode: '', group: '', runAs: '', recursive: false, dryRun: true };

const toggle = (list: string[], id: string, on: boolean): string[] => (on ? [...list, id] : list.filter((x) => x !== id));

/** The job request of a draft; empty optional fields are left out. */
function requestOf(d: Draft, fileId: string | null): FileJobRequest {
  return {
    targets: { agentIds: d.agentIds, groupIds: d.groupIds }, action: d.action, path: d.path.trim(), runAs: d.runAs.trim(), dryRun: d.dryRun,
    ...(d.action === 'move' ? { to: d.to.trim() } : {}),
    ...((d.action === 'push' || d.action === 'mkdir') && d.mode.trim() ? { mode: d.mode.trim() } : {}),
    ...((d.action === 'push' || d.action === 'mkdir') && d.group.trim() ? { group: d.group.trim() } : {}),
    ...(d.action === 'rmdir' && d.recursive ? { recursive: true } : {}),
    ...(fileId !== null ? { fileId } : {}),
  };
}

export function FilesView({ agents }: { agents: readonly AgentRow[] }) {
  const { t, fmt, stream, user } = useUi();
  // S17: a user granted groups of servers (not an admin) chooses among those groups and their members
  const scope = user && !ROLE_PERMISSIONS[user.role].includes('files:deploy') ? new Set(user.deployGroupIds) : null;
  const jobs = useResource((signal) => requestJson<FileJobList>('/jobs', { signal }), []);
  const groups = useResource((signal) => listGroups(signal), []);
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [file, setFile] = useState<File | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [openJob, setOpenJob] = useState<string | null>(null);

  // each server's state change: the job's row is patched at once, as the stream says it
  useEffect(() => stream.on('file-job', (ev) => {
    jobs.mutate((list) => ({
      jobs: list.jobs.map((j) => (j.id !== ev.jobId ? j : {
        ...j,
        targets: j.targets.map((x) => (x.agentId === ev.agentId ? { ...x, state: ev.state, reason: ev.reason, plan: ev.plan, updatedAt: ev.at } : x)),
      })),
    }));
  }), [stream, jobs.mutate]);

  const set = <K extends keyof Draft>(k: K, v: Draft[K]): void => setDraft((d) => ({ ...d, [k]: v }));
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    setMessage(null);
    if (draft.agentIds.length === 0 && draft.groupIds.length === 0) return setMessage({ ok: false, text: t('files.noTargets') });
    if (draft.action === 'push' && !file) return setMessage({ ok: false, text: t('files.noFile') });
    try {
      let fileId: string | null = null;
      if (draft.action === 'push' && file) {
        setBusy(t('files.uploading'));
        const params = new URLSearchParams({ name: file.name });
        fileId = (await requestJson<UploadedFile>('/files', { method: 'POST', params, bytes: file })).id;
      }
      const job = await requestJson<FileJobView>('/jobs', { method: 'POST', body: requestOf(draft, fileId) });
      setMessage({ ok: true, text: t('files.made', { id: job.id }) });
      setOpenJob(job.id);
      jobs.mutate((list) => ({ jobs: [job, ...list.jobs.filter((j) => j.id !== job.id)] }));
    } catch (err) {
      setMessage({ ok: false, text: errorReason(err) });
    } finally {
      setBusy(null);
    }
  };
  const rollback = async (id: string): Promise<void> => {
    try {
      const job = await requestJson<FileJobView>(`/jobs/${encodeURIComponent(id)}/rollback`, { method: 'POST', body: {} });
      setMessage({ ok: true, text: t('files.rolledBack', { id: job.id }) });
      setOpenJob(job.id);
      jobs.mutate((list) => ({ jobs: [job, ...list.jobs] }));
    } catch (err) {
      setMessage({ ok: false, text: errorReason(err) });
    }
  };
  const text = (k: 'path' | 'to' | 'mode' | 'group' | 'runAs', label: string) => (
    <label class="field-label">
      <span class="field-name">{label}</span>
      <input type="text" value={draft[k]} data-testid={`files-${k}`} onInput={(e) => set(k, e.currentTarget.value)} />
    </label>
  );
  return (
    <main class="page">
      <Card title={t('files.title')} testId="files">
        <p class="hint">{t('files.intro')}</p>
        <form onSubmit={(e) => void submit(e)} data-testid="files-form">
          <fieldset>
            <legend>{t('files.servers')}</legend>
            {scope && <p class="hint" data-testid="files-granted-only">{t('files.grantedOnly')}</p>}
            {agents.filter((a) => scope === null || (groups.data ?? []).some((g) => scope.has(g.id) && g.memberIds.includes(a.id))).map((a) => (
              <label key={a.id} class="check-label">
                <input type="checkbox" data-testid={`files-agent-${a.hostname}`} checked={draft.agentIds.includes(a.id)}
                  onChange={(e) => set('agentIds', toggle(draft.agentIds, a.id, e.currentTarget.checked))} />
                {a.displayName ?? a.hostname}
              </label>
            ))}
          </fieldset>
          {(groups.data ?? []).length > 0 && (
            <fieldset>
              <legend>{t('files.groups')}</legend>
              {(groups.data ?? []).filter((g) => scope === null || scope.has(g.id)).map((g: GroupView) => (
                <label key={g.id} class="check-label">
                  <input type="checkbox" data-testid={`files-group-${g.name}`} checked={draft.groupIds.includes(g.id)}
                    onChange={(e) => set('groupIds', toggle(draft.groupIds, g.id, e.currentTarget.checked))} />
                  {g.name}
                </label>
              ))}
            </fieldset>
          )}
          <label class="field-label">
            <span class="field-name">{t('files.action')}</span>
            <select value={draft.action} data-testid="files-action" onChange={(e) => set('action', e.currentTarget.value as FileAction)}>
              {FILE_ACTIONS.map((a) => <option key={a} value={a}>{t(`files.action.${a}`)}</option>)}
            </select>
          </label>
          {text('path', t('files.path'))}
          {draft.action === 'move' && text('to', t('files.to'))}
          {(draft.action === 'push' || draft.action === 'mkdir') && text('mode', t('files.mode'))}
          {(draft.action === 'push' || draft.action === 'mkdir') && text('group', t('files.group'))}
          {text('runAs', t('files.runAs'))}
          {draft.action === 'rmdir' && (
            <label class="check-label">
              <input type="checkbox" checked={draft.recursive} data-testid="files-recursive" onChange={(e) => set('recursive', e.currentTarget.checked)} />
              {t('files.recursive')}
            </label>
          )}
          {draft.action === 'push' && (
            <label class="field-label">
              <span class="field-name">{t('files.file')}</span>
              <input type="file" data-testid="files-file" onChange={(e) => setFile(e.currentTarget.files?.[0] ?? null)} />
            </label>
          )}
          <label class="check-label">
            <input type="checkbox" checked={draft.dryRun} data-testid="files-dryRun" onChange={(e) => set('dryRun', e.currentTarget.checked)} />
            {t('files.dryRun')}
          </label>
          <div class="form-actions">
            <button type="submit" class="button" data-testid="files-submit" disabled={busy !== null}>{busy ?? t('files.submit')}</button>
          </div>
          {message && <p class={message.ok ? 'alert alert-ok' : 'alert alert-error'} role="status" data-testid="files-message">{message.text}</p>}
        </form>
      </Card>
      <Card title={t('files.jobs')} testId="files-jobs">
        <ResourceState resource={jobs} />
        {jobs.data && jobs.data.jobs.length === 0 && <p class="hint">{t('files.none')}</p>}
        {jobs.data && jobs.data.jobs.length > 0 && (
          <div class="table-wrap">
            <table class="data-table">
              <thead>
                <tr><th scope="col">{t('files.when')}</th><th scope="col">{t('files.by')}</th><th scope="col">{t('files.what')}</th><th scope="col">{t('files.state')}</th><th scope="col"><span class="sr-only">{t('files.rollback')}</span></th></tr>
              </thead>
              <tbody>
                {jobs.data.jobs.map((j) => (
                  <Fragment key={j.id}>
                    <tr data-testid={`files-job-${j.id}`} onClick={() => setOpenJob(openJob === j.id ? null : j.id)}>
                      <td class="nowrap">{fmt.dateTime(j.createdAt)}</td>
                      <td>{j.createdBy}</td>
                      <td class="mono">
                        {t(`files.action.${j.action}`)} {j.path}{j.to ? ` → ${j.to}` : ''} ({j.runAs}){j.dryRun ? ` · ${t('files.dry')}` : ''}{j.rollbackOf ? ` · ${t('files.rollbackOf')}` : ''}
                      </td>
                      <td data-testid="files-job-summary">
                        {(['queued', 'running', 'done', 'failed', 'skipped'] as const).filter((s) => j.targets.some((x) => x.state === s))
                          .map((s) => `${t(`files.state.${s}`)} ${j.targets.filter((x) => x.state === s).length}`).join(' · ')}
                      </td>
                      <td class="actions">
                        {j.action === 'push' && !j.dryRun && j.rollbackOf === null && j.targets.some((x) => x.state === 'done') && (
                          <button type="button" class="button button-quiet" data-testid={`files-rollback-${j.id}`} onClick={(e) => { e.stopPropagation(); void rollback(j.id); }}>
                            {t('files.rollback')}
                          </button>
                        )}
                      </td>
                    </tr>
                    {openJob === j.id && j.targets.map((x) => (
                      <tr key={`${j.id}-${x.agentId}`} class="detail-row" data-testid={`files-target-${x.hostname}`} data-state={x.state}>
                        <td />
                        <td>{x.hostname}</td>
                        <td class="mono">{x.reason ?? x.plan.join('; ')}</td>
                        <td class={`state-${x.state}`}>{t(`files.state.${x.state}`)}</td>
                        <td />
                      </tr>
                    ))}
                  </Fragment>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>
    </main>
  );
}
