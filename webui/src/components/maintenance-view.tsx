// The Maintenance screen (B11): every window with what it covers (a server, a group, everything),
// when it opens (one-off, weekly hours, a cron rule), its next opening on the appliance's wall
// clock (the zone named, whatever the browser's), its reason and author, and whether it is open
// now. Operators and admins (mutes:write, as the routes declare) create, change and delete;
// a viewer reads. The appliance's problems show under the fields they name.
import { useState } from 'preact/hooks';
import type { Group } from '../../../contract/alerts-api.js';
import type { MaintenanceSchedule, MaintenanceScope, MaintenanceSpan, MaintenanceWindow } from '../../../contract/maintenance-api.js';
import { MAINTENANCE_LIMITS } from '../../../contract/maintenance-api.js';
import type { AgentRow } from '../agents-store.js';
import { listGroups } from '../alerting-api.js';
import { dropProblems, problemsByField } from '../alerting-model.js';
import { dayName } from '../alerting-text.js';
import { ApiRequestError, errorReason } from '../api-client.js';
import { deleteMaintenance, listMaintenance, saveMaintenance } from '../maintenance-client.js';
import { EMPTY_DRAFT, MAINTENANCE_FIELDS, draftFromWindow, formatInZone, inputFromDraft, localInputValue, type MaintenanceDraft } from '../maintenance-model.js';
import { LOCALE_OF } from '../i18n.js';
import { serverLabel } from '../server-label.js';
import { useResource } from '../use-resource.js';
import { useUi } from '../ui-context.js';
import { AgentOptions, Card, ErrorBox, Field, FieldError, FormError, GroupOptions, ResourceState, RowActions, SaveCancel } from './alerting-parts.js';
import { DataTable } from './data-table.js';

/** Monday first, as the operators' calendars are. */
const WEEK = [1, 2, 3, 4, 5, 6, 0];

function ScopeText({ scope, agents, groups }: { scope: MaintenanceScope; agents: readonly AgentRow[]; groups: readonly Group[] }) {
  const { t } = useUi();
  if (scope.kind === 'all') return <>{t('maint.scope.all')}</>;
  if (scope.kind === 'group') return <>{t('maint.scope.groupOf', { name: groups.find((g) => g.id === scope.groupId)?.name ?? scope.groupId })}</>;
  const a = agents.find((x) => x.id === scope.agentId);
  return <>{a ? serverLabel(a) : scope.agentId}</>;
}

function ScheduleText({ schedule, zone }: { schedule: MaintenanceSchedule; zone: string }) {
  const { t, lang } = useUi();
  const locale = LOCALE_OF[lang];
  if (schedule.kind === 'weekly') {
    const days = WEEK.filter((d) => schedule.days.includes(d)).map((d) => dayName(d, t)).join(' ');
    return <>{t('maint.weeklyText', { days, start: schedule.start, end: schedule.end })}</>;
  }
  if (schedule.kind === 'cron') return <>{t('maint.cronText', { cron: schedule.cron, minutes: schedule.durationMinutes })}</>;
  return <>{t('maint.onceText', { start: formatInZone(schedule.startsAt, zone, locale), end: formatInZone(schedule.endsAt, zone, locale) })}</>;
}

function SpanText({ span, zone }: { span: MaintenanceSpan | null; zone: string }) {
  const { lang } = useUi();
  if (!span) return <>–</>;
  const locale = LOCALE_OF[lang];
  return <>{formatInZone(span.startsAt, zone, locale)} – {formatInZone(span.endsAt, zone, locale)}</>;
}

function MaintenanceForm({ window: w, zone, agents, groups, onSaved, onCancel }: {
  window: MaintenanceWindow | null;
  zone: string;
  agents: readonly AgentRow[];
  groups: readonly Group[];
  onSaved: () => void;
  onCancel: () => void;
}) {
  const { t } = useUi();
  const [draft, setDraft] = useState<MaintenanceDraft>(() => {
    if (w) return draftFromWindow(w, zone);
    const now = Date.now();
    return { ...EMPTY_DRAFT, agentId: agents[0]?.id ?? '', groupId: groups[0]?.id ?? '', startsAt: localInputValue(now, zone), endsAt: localInputValue(now + 2 * 3_600_000, zone) };
  });
  const [problems, setProblems] = useState<string[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const set = <K extends keyof MaintenanceDraft>(k: K, v: MaintenanceDraft[K], paths: string[]): void => {
    setDraft((d) => ({ ...d, [k]: v }));
    setProblems((p) => dropProblems(p, paths));
  };
  const { byField, other } = problemsByField(problems, MAINTENANCE_FIELDS);
  const save = (e: Event): void => {
    e.preventDefault();
    setSaving(true);
    setProblems([]);
    setError(null);
    saveMaintenance(inputFromDraft(draft, zone), w?.id ?? null)
      .then(onSaved)
      .catch((err: unknown) => {
        if (err instanceof ApiRequestError && err.problems.length > 0) setProblems([...err.problems]);
        else setError(errorReason(err));
      })
      .finally(() => setSaving(false));
  };
  return (
    <form class="card maint-form" data-testid="maint-form" onSubmit={save} noValidate>
      <div class="card-head">
        <h3>{w ? t('maint.edit') : t('maint.new')}</h3>
      </div>
      <div class="form-grid">
        <FormError problems={other} error={error} />
        <Field label={t('maint.scope')} field="scope" errors={byField}>
          <select value={draft.scopeKind} data-testid="maint-scope" onChange={(e) => set('scopeKind', e.currentTarget.value as MaintenanceDraft['scopeKind'], ['scope'])}>
            <option value="agent">{t('maint.scope.agent')}</option>
            <option value="group">{t('maint.scope.group')}</option>
            <option value="all">{t('maint.scope.all')}</option>
          </select>
        </Field>
        {draft.scopeKind === 'agent' && (
          <Field label={t('maint.server')} field="scope.agentId" errors={byField}>
            <select value={draft.agentId} data-testid="maint-agent" onChange={(e) => set('agentId', e.currentTarget.value, ['scope'])}>
              <AgentOptions agents={agents} />
            </select>
          </Field>
        )}
        {draft.scopeKind === 'group' && (
          <Field label={t('maint.group')} field="scope.groupId" errors={byField}>
            <select value={draft.groupId} data-testid="maint-group" onChange={(e) => set('groupId', e.currentTarget.value, ['scope'])}>
              <GroupOptions groups={groups} />
            </select>
          </Field>
        )}
        <Field label={t('maint.kind')} field="schedule" errors={byField} hint={t('maint.zoneHint', { zone })}>
          <select value={draft.scheduleKind} data-testid="maint-kind" onChange={(e) => set('scheduleKind', e.currentTarget.value as MaintenanceDraft['scheduleKind'], ['schedule'])}>
            <option value="weekly">{t('maint.kind.weekly')}</option>
            <option value="once">{t('maint.kind.once')}</option>
            <option value="cron">{t('maint.kind.cron')}</option>
          </select>
        </Field>
        {draft.scheduleKind === 'weekly' && (
          <fieldset class="field field-wide" data-field="schedule.days">
            <legend>{t('maint.days')}</legend>
            <div class="day-toggles" role="group" aria-label={t('maint.days')}>
              {WEEK.map((d) => (
                <button key={d} type="button" class="day-toggle" aria-pressed={draft.days.includes(d)} data-day={d} data-testid={`maint-day-${d}`}
                  onClick={() => set('days', draft.days.includes(d) ? draft.days.filter((x) => x !== d) : [...draft.days, d], ['schedule.days'])}>
                  {dayName(d, t)}
                </button>
              ))}
            </div>
            <FieldError field="schedule.days" messages={byField['schedule.days']} />
          </fieldset>
        )}
        {draft.scheduleKind === 'weekly' && (
          <>
            <Field label={t('maint.from')} field="schedule.start" errors={byField}>
              <input type="text" inputMode="numeric" placeholder="01:00" size={5} value={draft.start} data-testid="maint-start" onInput={(e) => set('start', e.currentTarget.value, ['schedule.start'])} />
            </Field>
            <Field label={t('maint.to')} field="schedule.end" errors={byField} hint={t('maint.endHint')}>
              <input type="text" inputMode="numeric" placeholder="05:00" size={5} value={draft.end} data-testid="maint-end" onInput={(e) => set('end', e.currentTarget.value, ['schedule.end'])} />
            </Field>
          </>
        )}
        {draft.scheduleKind === 'once' && (
          <>
            <Field label={t('maint.from')} field="schedule.startsAt" errors={byField}>
              <input type="datetime-local" value={draft.startsAt} data-testid="maint-starts-at" onInput={(e) => set('startsAt', e.currentTarget.value, ['schedule.startsAt'])} />
            </Field>
            <Field label={t('maint.to')} field="schedule.endsAt" errors={byField}>
              <input type="datetime-local" value={draft.endsAt} data-testid="maint-ends-at" onInput={(e) => set('endsAt', e.currentTarget.value, ['schedule.endsAt'])} />
            </Field>
          </>
        )}
        {draft.scheduleKind === 'cron' && (
          <>
            <Field label={t('maint.cron')} field="schedule.cron" errors={byField} hint={t('maint.cronHint')}>
              <input type="text" class="mono" maxLength={MAINTENANCE_LIMITS.cronChars} value={draft.cron} data-testid="maint-cron" onInput={(e) => set('cron', e.currentTarget.value, ['schedule.cron'])} />
            </Field>
            <Field label={t('maint.duration')} field="schedule.durationMinutes" errors={byField}>
              <input type="number" min={1} max={MAINTENANCE_LIMITS.maxDurationMinutes} value={draft.durationMinutes} data-testid="maint-duration" onInput={(e) => set('durationMinutes', e.currentTarget.value, ['schedule.durationMinutes'])} />
            </Field>
          </>
        )}
        <Field label={t('maint.reason')} field="reason" errors={byField} wide>
          <input type="text" maxLength={MAINTENANCE_LIMITS.reasonChars} value={draft.reason} data-testid="maint-reason" onInput={(e) => set('reason', e.currentTarget.value, ['reason'])} />
        </Field>
        <SaveCancel testId="maint" saving={saving} onCancel={onCancel} />
      </div>
    </form>
  );
}

export function MaintenanceView({ agents }: { agents: readonly AgentRow[] }) {
  const { t, can } = useUi();
  const canEdit = can('mutes:write');
  const mayReadGroups = can('groups:read');
  const listing = useResource((signal) => listMaintenance(signal), []);
  const groups = useResource<Group[]>((signal) => (mayReadGroups ? listGroups(signal) : Promise.resolve([])), [mayReadGroups]);
  const [editing, setEditing] = useState<MaintenanceWindow | 'new' | null>(null);
  const [rowError, setRowError] = useState<string | null>(null);
  const zone = listing.data?.timeZone ?? 'UTC';
  const groupList = groups.data ?? [];
  const remove = (w: MaintenanceWindow): void => {
    if (!window.confirm(t('maint.confirmDelete', { reason: w.reason }))) return;
    setRowError(null);
    deleteMaintenance(w.id).then(() => listing.reload(), (e: unknown) => setRowError(errorReason(e)));
  };
  return (
    <main class="page">
      <div class="view" data-testid="view-maintenance">
        <div class="view-head">
          <h2>{t('nav.maintenance')}</h2>
          {editing === null && canEdit && listing.data && (
            <button type="button" class="button button-primary" data-testid="maint-new" onClick={() => setEditing('new')}>{t('maint.new')}</button>
          )}
        </div>
        <p class="hint">{t('maint.intro')}</p>
        {editing !== null && listing.data && (
          <MaintenanceForm key={editing === 'new' ? 'new' : editing.id} window={editing === 'new' ? null : editing} zone={zone} agents={agents} groups={groupList}
            onSaved={() => { setEditing(null); listing.reload(); }} onCancel={() => setEditing(null)} />
        )}
        <Card title={t('maint.list')} testId="maint-list">
          {rowError && <ErrorBox message={rowError} />}
          <ResourceState resource={listing} />
          {listing.data && (
            <>
              <p class="hint" data-testid="maint-zone">{t('maint.zone', { zone })}</p>
              <DataTable
                rows={listing.data.windows}
                rowKey={(w) => w.id}
                rowAttrs={(w) => ({ 'data-testid': 'maint-row', 'data-window-id': w.id, 'data-active': String(w.current !== null) })}
                empty={t('maint.none')}
                columns={[
                  { header: t('maint.scope'), cell: (w) => <ScopeText scope={w.scope} agents={agents} groups={groupList} /> },
                  { header: t('maint.when'), cell: (w) => <ScheduleText schedule={w.schedule} zone={zone} /> },
                  {
                    header: t('maint.nextOrNow'),
                    cellAttrs: () => ({ 'data-testid': 'maint-next' }),
                    cell: (w) => (w.current
                      ? <><span class="tag tag-active" data-testid="maint-active">{t('maint.activeNow')}</span> <SpanText span={w.current} zone={zone} /></>
                      : <SpanText span={w.next} zone={zone} />),
                  },
                  { header: t('maint.reason'), cellAttrs: () => ({ 'data-testid': 'maint-reason-cell' }), cell: (w) => w.reason },
                  { header: t('maint.author'), cell: (w) => w.author },
                  canEdit && { header: t('col.actions'), headerHidden: true, class: 'actions', cell: (w) => <RowActions testId="maint" onEdit={() => setEditing(w)} onDelete={() => remove(w)} /> },
                ]}
              />
            </>
          )}
        </Card>
      </div>
    </main>
  );
}
