// The create/edit dialog of a service check (S4, S5, S6, S16): its type (fixed once saved), name,
// where it runs (a server, or every member of a group; a probe runs on the appliance and may name
// the server it is about), interval and timeout, and the type's own fields (TYPE_FIELDS in
// checks-model.ts). The appliance validates against the contract's schema; its "path: message"
// problems show beside the fields they name, the rest above the form.
import { useMemo, useState } from 'preact/hooks';
import type { GroupView } from '../../../contract/alerts-api.js';
import type { CheckType, CheckView } from '../../../contract/checks-api.js';
import type { AgentRow } from '../agents-store.js';
import { dropProblems, problemsByField } from '../alerting-model.js';
import { ApiRequestError, errorReason } from '../api-client.js';
import { saveCheck } from '../checks-client.js';
import {
  CHECK_TYPE_LIST,
  LOG_SEVERITIES,
  TYPE_FIELDS,
  checkInputFromDraft,
  definitionOf,
  draftFromCheck,
  emptyCheckDraft,
  formFields,
  isProbeType,
  type CheckDraft,
  type FieldSpec,
  type LogSeverity,
} from '../checks-model.js';
import type { MessageKey } from '../i18n.js';
import { useUi } from '../ui-context.js';
import { AgentOptions, Field, FieldError, FormError, GroupOptions, SaveCancel } from './alerting-parts.js';
import { FleetDialog } from './fleet-dialog.js';

/** Hints under the fields that need one to be filled in right. */
const FIELD_HINT: Partial<Record<string, MessageKey>> = {
  expectStatus: 'chint.expectStatus',
  command: 'chint.command',
  process: 'chint.process',
};

function hintOf(type: CheckType, key: string): MessageKey | undefined {
  if (key === 'warn' || key === 'crit') return type === 'probe-ping' ? 'chint.rtt' : 'chint.time';
  return FIELD_HINT[key];
}

function TypeField({ spec, draft, onChange, errors }: { spec: FieldSpec; draft: CheckDraft; onChange: (key: string, v: string | boolean) => void; errors: Record<string, string[]> }) {
  const { t } = useUi();
  const label = t(`cfield.${spec.key}` as MessageKey);
  const v = draft.values[spec.key];
  const testId = `check-${spec.key}`;
  if (spec.kind === 'bool') {
    return (
      <div class="field field-wide" data-field={spec.key}>
        <label class="check">
          <input type="checkbox" checked={v === true} data-testid={testId} onChange={(e) => onChange(spec.key, e.currentTarget.checked)} />
          {label}
        </label>
        <FieldError field={spec.key} messages={errors[spec.key]} />
      </div>
    );
  }
  const text = typeof v === 'string' ? v : '';
  const hint = hintOf(draft.type, spec.key);
  return (
    <Field label={label} field={spec.key} errors={errors} hint={hint ? t(hint) : undefined} wide={spec.kind === 'lines' || spec.key === 'url' || spec.key === 'commandLine' || spec.key === 'send'}>
      {spec.kind === 'lines' ? (
        <textarea rows={3} value={text} spellcheck={false} data-testid={testId} onInput={(e) => onChange(spec.key, e.currentTarget.value)} />
      ) : (
        <input
          type={spec.kind === 'int' || spec.kind === 'mib' ? 'number' : 'text'}
          step={spec.kind === 'mib' ? 'any' : spec.kind === 'int' ? 1 : undefined}
          value={text}
          required={spec.required}
          spellcheck={false}
          autocomplete="off"
          data-testid={testId}
          onInput={(e) => onChange(spec.key, e.currentTarget.value)}
        />
      )}
    </Field>
  );
}

function LogPatterns({ draft, setPatterns, errors }: { draft: CheckDraft; setPatterns: (p: CheckDraft['patterns']) => void; errors: Record<string, string[]> }) {
  const { t } = useUi();
  const put = (i: number, change: Partial<CheckDraft['patterns'][number]>): void => setPatterns(draft.patterns.map((p, n) => (n === i ? { ...p, ...change } : p)));
  return (
    <fieldset class="field-wide check-patterns" data-field="patterns">
      <legend>{t('cform.patterns')}</legend>
      <p class="field-hint">{t('cform.patternsHint')}</p>
      {draft.patterns.map((p, i) => (
        <div key={i} class="pattern-row" data-testid="check-pattern-row">
          <input type="text" value={p.pattern} spellcheck={false} aria-label={t('cform.pattern')} placeholder={t('cform.pattern')} data-testid="check-pattern" onInput={(e) => put(i, { pattern: e.currentTarget.value })} />
          <select value={p.severity} aria-label={t('cform.severity')} data-testid="check-pattern-severity" onChange={(e) => put(i, { severity: e.currentTarget.value as LogSeverity })}>
            {LOG_SEVERITIES.map((s) => (
              <option key={s} value={s}>
                {t(`cstate.${s}` as const)}
              </option>
            ))}
          </select>
          {draft.patterns.length > 1 && (
            <button type="button" class="button button-quiet" onClick={() => setPatterns(draft.patterns.filter((_, n) => n !== i))}>
              {t('cform.removePattern')}
            </button>
          )}
          <FieldError field={`patterns.${i}`} messages={errors[`patterns.${i}`]} />
        </div>
      ))}
      <button type="button" class="button button-quiet" data-testid="check-add-pattern" onClick={() => setPatterns([...draft.patterns, { pattern: '', severity: 'critical' }])}>
        {t('cform.addPattern')}
      </button>
      <FieldError field="patterns" messages={errors.patterns} />
    </fieldset>
  );
}

export interface CheckFormProps {
  /** null: a new check */
  check: CheckView | null;
  agents: readonly AgentRow[];
  groups: readonly GroupView[];
  /** a new check opened from a server panel starts on that server */
  agentId?: string;
  onSaved: (c: CheckView) => void;
  onClose: () => void;
}

export function CheckForm({ check, agents, groups, agentId, onSaved, onClose }: CheckFormProps) {
  const { t } = useUi();
  const [draft, setDraft] = useState<CheckDraft>(() => (check ? draftFromCheck(definitionOf(check)) : emptyCheckDraft('port', agentId ?? '')));
  const [problems, setProblems] = useState<string[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const probe = isProbeType(draft.type);
  // the patterns' rows take their own messages: "patterns.0.pattern" under row 0
  const fields = useMemo(() => [...formFields(draft.type), ...draft.patterns.map((_, i) => `patterns.${i}`)], [draft.type, draft.patterns.length]);
  const { byField, other } = problemsByField(problems, fields);

  const edit = (change: Partial<CheckDraft>, paths: string[]): void => {
    setDraft((d) => ({ ...d, ...change }));
    setProblems((p) => dropProblems(p, paths));
  };
  const setValue = (key: string, v: string | boolean): void => {
    setDraft((d) => ({ ...d, values: { ...d.values, [key]: v } }));
    setProblems((p) => dropProblems(p, [key]));
  };

  const save = (e: Event): void => {
    e.preventDefault();
    setSaving(true);
    setError(null);
    setProblems([]);
    saveCheck(checkInputFromDraft(draft), check?.id ?? null)
      .then(onSaved)
      .catch((err: unknown) => {
        if (err instanceof ApiRequestError && err.problems.length > 0) setProblems([...err.problems]);
        // an unknown server or group (404) belongs beside the placement
        else if (err instanceof ApiRequestError && err.status === 404 && check === null) setProblems([`${draft.placement === 'group' && !probe ? 'groupId' : 'agentId'}: ${err.message}`]);
        else setError(errorReason(err));
      })
      .finally(() => setSaving(false));
  };

  return (
    <FleetDialog title={check ? t('cform.edit', { name: check.definition.name }) : t('cform.new')} testId="check-dialog" wide onClose={onClose}>
      <form class="check-form" data-testid="check-form" onSubmit={save} noValidate>
        <div class="form-grid">
          <FormError problems={other} error={error} />
          <Field label={t('cform.type')} field="type" errors={byField} hint={check ? t('cform.typeFixed') : undefined}>
            <select value={draft.type} disabled={check !== null} data-testid="check-type" onChange={(e) => edit({ type: e.currentTarget.value as CheckType }, ['type'])}>
              {CHECK_TYPE_LIST.map((ty) => (
                <option key={ty} value={ty}>
                  {t(`ctype.${ty}` as const)}
                </option>
              ))}
            </select>
          </Field>
          <Field label={t('cform.name')} field="name" errors={byField}>
            <input type="text" value={draft.name} required data-testid="check-name" onInput={(e) => edit({ name: e.currentTarget.value }, ['name'])} />
          </Field>

          {probe ? (
            <Field label={t('cform.probeServer')} field="agentId" errors={byField} hint={t('cform.probeServerHint')}>
              <select value={draft.agentId} data-testid="check-agent" onChange={(e) => edit({ agentId: e.currentTarget.value }, ['agentId'])}>
                <option value="">{t('cform.noServer')}</option>
                <AgentOptions agents={agents} />
              </select>
            </Field>
          ) : (
            <>
              <Field label={t('cform.placement')} field="placement" errors={byField}>
                <select value={draft.placement} data-testid="check-placement" onChange={(e) => edit({ placement: e.currentTarget.value as CheckDraft['placement'] }, ['agentId', 'groupId'])}>
                  <option value="agent">{t('cform.onServer')}</option>
                  <option value="group">{t('cform.onGroup')}</option>
                </select>
              </Field>
              {draft.placement === 'agent' ? (
                <Field label={t('cform.server')} field="agentId" errors={byField}>
                  <select value={draft.agentId} data-testid="check-agent" onChange={(e) => edit({ agentId: e.currentTarget.value }, ['agentId', '(body)'])}>
                    <option value="">{t('common.choose')}</option>
                    <AgentOptions agents={agents} />
                  </select>
                </Field>
              ) : (
                <Field label={t('cform.group')} field="groupId" errors={byField} hint={t('cform.groupHint')}>
                  <select value={draft.groupId} data-testid="check-group" onChange={(e) => edit({ groupId: e.currentTarget.value }, ['groupId', '(body)'])}>
                    <option value="">{t('common.choose')}</option>
                    <GroupOptions groups={groups} />
                  </select>
                </Field>
              )}
            </>
          )}

          <Field label={t('cform.interval')} field="interval" errors={byField}>
            <input type="number" min={1} step={1} value={draft.interval} data-testid="check-interval" onInput={(e) => edit({ interval: e.currentTarget.value }, ['interval'])} />
          </Field>
          <Field label={t('cform.timeout')} field="timeout" errors={byField} hint={t('cform.timeoutHint')}>
            <input type="number" min={1} step={1} value={draft.timeout} data-testid="check-timeout" onInput={(e) => edit({ timeout: e.currentTarget.value }, ['timeout'])} />
          </Field>

          {TYPE_FIELDS[draft.type].map((spec) => (
            <TypeField key={`${draft.type}-${spec.key}`} spec={spec} draft={draft} onChange={setValue} errors={byField} />
          ))}
          {draft.type === 'log' && <LogPatterns draft={draft} setPatterns={(patterns) => edit({ patterns }, ['patterns'])} errors={byField} />}

          <label class="check field-wide">
            <input type="checkbox" checked={draft.enabled} data-testid="check-enabled" onChange={(e) => edit({ enabled: e.currentTarget.checked }, ['enabled'])} />
            {t('cform.enabled')}
          </label>

          <SaveCancel testId="check" saving={saving} onCancel={onClose} />
        </div>
      </form>
    </FleetDialog>
  );
}
