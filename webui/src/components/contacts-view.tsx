// The Contacts view (S12): who gets the SMS. Each contact has a name, a phone number (E.164; the
// appliance turns a Korean local number such as 010-1234-5678 into +821012345678), the language of
// their messages, the grades they are told about, a weekly schedule (empty = always) and an
// escalation level (0 is told first; level 1 when level 0 has not acknowledged in time; …).
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Contact, Severity } from '../../../contract/alerts-api.js';
import { deleteContact, listContacts, saveContact } from '../alerting-api.js';
import {
  CONTACT_FIELDS,
  SEVERITIES,
  contactInputFromDraft,
  defaultWindow,
  draftFromContact,
  dropProblems,
  emptyContactDraft,
  escalationTiers,
  problemsByField,
  type ContactDraft,
  type WindowDraft,
} from '../alerting-model.js';
import { dayName, scheduleText } from '../alerting-text.js';
import { ApiRequestError, errorReason } from '../api-client.js';
import { useResource } from '../use-resource.js';
import { useUi } from '../ui-context.js';
import { Card, ErrorBox, Field, FieldError, FormError, ResourceState, RowActions, SeverityBadge } from './alerting-parts.js';
import { DataTable } from './data-table.js';

/** Monday first, as the operators' calendars are. */
const WEEK = [1, 2, 3, 4, 5, 6, 0];

function ScheduleEditor({ windows, onChange, errors }: { windows: WindowDraft[]; onChange: (w: WindowDraft[]) => void; errors: Record<string, string[]> }) {
  const { t } = useUi();
  const put = (i: number, w: WindowDraft): void => onChange(windows.map((x, j) => (j === i ? w : x)));
  const windowErrors = (i: number): string[] => errors.schedule?.filter((m) => m.startsWith(`${i}.`) || m.startsWith(`${i}:`)).map((m) => m.replace(/^\d+\.?/, '').replace(/^:\s*/, '')) ?? [];
  return (
    <fieldset class="field-wide schedule" data-field="schedule" data-testid="schedule-editor">
      <legend>{t('contact.schedule')}</legend>
      <p class="field-hint">{windows.length === 0 ? t('contact.alwaysHint') : t('contact.scheduleHint')}</p>
      {windows.map((w, i) => (
        <div key={i} class="window-row" data-testid="schedule-window">
          <div class="day-toggles" role="group" aria-label={t('contact.days')}>
            {WEEK.map((d) => (
              <button
                key={d}
                type="button"
                class="day-toggle"
                aria-pressed={w.days.includes(d)}
                data-day={d}
                onClick={() => put(i, { ...w, days: w.days.includes(d) ? w.days.filter((x) => x !== d) : [...w.days, d] })}
              >
                {dayName(d, t)}
              </button>
            ))}
          </div>
          <label class="time-input">
            <span class="sr-only">{t('contact.from')}</span>
            <input type="text" inputMode="numeric" placeholder="09:00" value={w.start} size={5} data-testid="window-start" onInput={(e) => put(i, { ...w, start: e.currentTarget.value })} />
          </label>
          <span aria-hidden="true">–</span>
          <label class="time-input">
            <span class="sr-only">{t('contact.to')}</span>
            <input type="text" inputMode="numeric" placeholder="18:00" value={w.end} size={5} data-testid="window-end" onInput={(e) => put(i, { ...w, end: e.currentTarget.value })} />
          </label>
          <button type="button" class="icon-button" aria-label={t('contact.removeWindow')} title={t('contact.removeWindow')} onClick={() => onChange(windows.filter((_, j) => j !== i))}>
            ×
          </button>
          <FieldError field={`schedule.${i}`} messages={windowErrors(i)} />
        </div>
      ))}
      <FieldError field="schedule" messages={errors.schedule?.filter((m) => !/^\d/.test(m))} />
      <div class="form-actions">
        <button type="button" class="button button-quiet" data-testid="window-add" onClick={() => onChange([...windows, defaultWindow()])}>
          {t('contact.addWindow')}
        </button>
        {windows.length > 0 && (
          <button type="button" class="button button-quiet" onClick={() => onChange([])}>
            {t('contact.makeAlways')}
          </button>
        )}
      </div>
    </fieldset>
  );
}

function ContactForm({ contact, onSaved, onCancel }: { contact: Contact | null; onSaved: (c: Contact) => void; onCancel: () => void }) {
  const { t, lang } = useUi();
  const [draft, setDraft] = useState<ContactDraft>(() => (contact ? draftFromContact(contact) : emptyContactDraft(lang)));
  const [problems, setProblems] = useState<string[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  useEffect(() => formRef.current?.scrollIntoView({ block: 'nearest' }), []);
  const set = <K extends keyof ContactDraft>(k: K, v: ContactDraft[K]): void => {
    setDraft((d) => ({ ...d, [k]: v }));
    // an edited field's old messages go: they described what was there before
    setProblems((p) => dropProblems(p, k === 'name' ? ['name', 'id'] : [k]));
  };
  const { byField, other } = problemsByField(problems, CONTACT_FIELDS);
  const save = (e: Event): void => {
    e.preventDefault();
    setSaving(true);
    setProblems([]);
    setError(null);
    saveContact(contactInputFromDraft(draft), contact?.id ?? null)
      .then(onSaved)
      .catch((err: unknown) => {
        if (err instanceof ApiRequestError && err.problems.length > 0) setProblems([...err.problems]);
        else setError(errorReason(err));
      })
      .finally(() => setSaving(false));
  };
  const toggleSeverity = (s: Severity): void => set('severities', draft.severities.includes(s) ? draft.severities.filter((x) => x !== s) : [...draft.severities, s]);
  return (
    <form ref={formRef} class="card contact-form" data-testid="contact-form" onSubmit={save} noValidate>
      <div class="card-head">
        <h3>{contact ? t('contact.edit', { name: contact.name }) : t('contact.new')}</h3>
      </div>
      <div class="form-grid">
        <FormError problems={other} error={error} />
        <Field label={t('contact.name')} field="name" errors={byField}>
          <input type="text" value={draft.name} data-testid="contact-name" onInput={(e) => set('name', e.currentTarget.value)} />
        </Field>
        <Field label={t('contact.phone')} field="phone" errors={byField} hint={t('contact.phoneHint')}>
          <input type="tel" value={draft.phone} placeholder="010-1234-5678" data-testid="contact-phone" onInput={(e) => set('phone', e.currentTarget.value)} />
        </Field>
        <fieldset class="field" data-field="language">
          <legend>{t('contact.language')}</legend>
          <div class="radio-row">
            {(['ko', 'en'] as const).map((l) => (
              <label key={l} class="check">
                <input type="radio" name="contact-language" value={l} checked={draft.language === l} data-testid={`contact-lang-${l}`} onChange={() => set('language', l)} />
                {t(`lang.${l}` as const)}
              </label>
            ))}
          </div>
          <FieldError field="language" messages={byField.language} />
        </fieldset>
        <fieldset class="field" data-field="severities">
          <legend>{t('contact.severities')}</legend>
          <div class="radio-row">
            {SEVERITIES.map((s) => (
              <label key={s} class={`check sevlabel-${s}`}>
                <input type="checkbox" checked={draft.severities.includes(s)} data-testid={`contact-sev-${s}`} onChange={() => toggleSeverity(s)} />
                {t(`sev.${s}` as const)}
              </label>
            ))}
          </div>
          <FieldError field="severities" messages={byField.severities} />
        </fieldset>
        <ScheduleEditor windows={draft.schedule} onChange={(w) => set('schedule', w)} errors={byField} />
        <Field label={t('contact.escalation')} field="escalationLevel" errors={byField} hint={t('contact.escalationHint')}>
          <input type="number" min={0} step={1} value={draft.escalationLevel} data-testid="contact-escalation" onInput={(e) => set('escalationLevel', e.currentTarget.value)} />
        </Field>
        <label class="check">
          <input type="checkbox" checked={draft.enabled} data-testid="contact-enabled" onChange={(e) => set('enabled', e.currentTarget.checked)} />
          {t('contact.enabled')}
        </label>
        <div class="form-actions field-wide">
          <button type="submit" class="button button-primary" data-testid="contact-save" disabled={saving}>
            {saving ? t('common.saving') : t('common.save')}
          </button>
          <button type="button" class="button" onClick={onCancel}>
            {t('common.cancel')}
          </button>
        </div>
      </div>
    </form>
  );
}

function EscalationOrder({ contacts }: { contacts: readonly Contact[] }) {
  const { t } = useUi();
  const tiers = escalationTiers(contacts.filter((c) => c.enabled));
  if (tiers.length === 0) return null;
  return (
    <ol class="escalation" data-testid="escalation-order">
      {tiers.map((tier, i) => (
        <li key={tier.level}>
          <span class="tier-label">{i === 0 ? t('contact.tierFirst', { level: tier.level }) : t('contact.tierThen', { level: tier.level })}</span>{' '}
          {tier.contacts.map((c) => c.name).join(', ')}
        </li>
      ))}
    </ol>
  );
}

export function ContactsView() {
  const { t, can } = useUi();
  const canEdit = can('contacts:write');
  const contacts = useResource(listContacts, []);
  const [editing, setEditing] = useState<Contact | 'new' | null>(null);
  const [rowError, setRowError] = useState<string | null>(null);
  const onSaved = (c: Contact): void => {
    setEditing(null);
    contacts.mutate((list) => (list.some((x) => x.id === c.id) ? list.map((x) => (x.id === c.id ? c : x)) : [...list, c]));
    contacts.reload();
  };
  const remove = (c: Contact): void => {
    if (!window.confirm(t('contact.confirmDelete', { name: c.name }))) return;
    setRowError(null);
    deleteContact(c.id)
      .then(() => {
        contacts.mutate((list) => list.filter((x) => x.id !== c.id));
        contacts.reload();
      })
      .catch((e: unknown) => setRowError(errorReason(e)));
  };
  const list = [...(contacts.data ?? [])].sort((a, b) => a.escalationLevel - b.escalationLevel || a.name.localeCompare(b.name));
  return (
    <div class="view" data-testid="view-contacts">
      <div class="view-head">
        <h2>{t('nav.contacts')}</h2>
        {editing === null && canEdit && (
          <button type="button" class="button button-primary" data-testid="contact-new" onClick={() => setEditing('new')}>
            {t('contact.new')}
          </button>
        )}
      </div>
      {editing !== null && <ContactForm key={editing === 'new' ? 'new' : editing.id} contact={editing === 'new' ? null : editing} onSaved={onSaved} onCancel={() => setEditing(null)} />}
      <Card title={t('contact.list')} testId="contact-list">
        {rowError && <ErrorBox message={rowError} />}
        <ResourceState resource={contacts} />
        {contacts.data && (
          <>
            <EscalationOrder contacts={list} />
            <DataTable
              rows={list}
              rowKey={(c) => c.id}
              rowAttrs={(c) => ({ 'data-testid': 'contact-row', 'data-contact-id': c.id, class: c.enabled ? undefined : 'is-disabled' })}
              empty={t('contact.none')}
              columns={[
                {
                  header: t('contact.name'),
                  cell: (c) => (
                    <>
                      <strong>{c.name}</strong> {!c.enabled && <span class="tag">{t('common.off')}</span>}
                    </>
                  ),
                },
                { header: t('contact.phone'), class: 'mono', cellAttrs: () => ({ 'data-testid': 'contact-phone-cell' }), cell: (c) => c.phone },
                { header: t('contact.language'), cell: (c) => t(`lang.${c.language}` as const) },
                {
                  header: t('contact.severities'),
                  cell: (c) => (
                    <span class="level-chips">
                      {c.severities.map((s) => (
                        <SeverityBadge key={s} level={s} />
                      ))}
                    </span>
                  ),
                },
                { header: t('contact.schedule'), cell: (c) => scheduleText(c.schedule, t) },
                { header: t('contact.level'), num: true, cell: (c) => c.escalationLevel },
                canEdit && { header: t('col.actions'), headerHidden: true, class: 'actions', cell: (c) => <RowActions testId="contact" onEdit={() => setEditing(c)} onDelete={() => remove(c)} /> },
              ]}
            />
          </>
        )}
      </Card>
    </div>
  );
}
