// The rule editor (S4, S7): metric (derived metrics, agent silence or any raw field, with a key
// for mount points and interfaces, a web log source picked from a list, S11), comparison, thresholds per grade, recovery (hysteresis),
// "for at least N s", scope (every server, a group, one server) and the on/off switch. The
// appliance validates; its "path: message" problems show under the fields they name. Beside the
// form, the SMS the rule would send, in Korean and English, with their segment counts.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { GroupView, Language, Rule, RuleInput, RulePreviewResponse, Severity } from '../../../contract/alerts-api.js';
import { FAMILIES, FAMILY_NAMES, type Family } from '../../../contract/families.js';
import type { AgentRow } from '../agents-store.js';
import { previewRule, saveRule } from '../alerting-api.js';
import {
  COMPARISONS,
  DERIVED_METRIC_NAMES,
  RULE_DRAFT_PATHS,
  RULE_FIELDS,
  SEVERITIES,
  draftFromRule,
  dropProblems,
  emptyRuleDraft,
  isDerivedMetricName,
  metricIsKeyed,
  metricUnit,
  problemsByField,
  ruleInputFromDraft,
  withAutoRecovery,
  withMetric,
  type MetricChoice,
  type RuleDraft,
} from '../alerting-model.js';
import { durationText, letGoText, recoveryIssueText, segmentLabel, unreachableLevelText } from '../alerting-text.js';
import type { CheckType } from '../../../contract/checks-api.js';
import { recoveryIssues, recoveryThreshold, unreachableLevels } from '../../../contract/rule-recovery.js';
import { ApiRequestError, errorReason } from '../api-client.js';
import { useUi } from '../ui-context.js';
import { AgentOptions, Field, FieldError, FormError, GroupOptions, SaveCancel } from './alerting-parts.js';
import { CheckRuleFields } from './rule-check-fields.js';
import { WeblogKeyPicker } from './rule-weblog-key.js';
import { ruleDisplayName } from '../builtin-rule-names.js';
import { BASELINE_CHOICES, isBaselineChoice } from '../rule-draft-defaults.js';

const PREVIEW_DEBOUNCE_MS = 400;
const PREVIEW_LANGS: readonly Language[] = ['ko', 'en'];

type PreviewState = { phase: 'idle' | 'loading' } | { phase: 'ready'; byLang: Partial<Record<Language, RulePreviewResponse>> } | { phase: 'invalid'; problems: string[] } | { phase: 'error'; error: string };

function usePreview(input: RuleInput): PreviewState {
  const [state, setState] = useState<PreviewState>({ phase: 'idle' });
  const key = JSON.stringify(input);
  useEffect(() => {
    const controller = new AbortController();
    setState((s) => (s.phase === 'ready' ? s : { phase: 'loading' }));
    const timer = setTimeout(() => {
      Promise.all(PREVIEW_LANGS.map((l) => previewRule(JSON.parse(key) as RuleInput, l, controller.signal)))
        .then((answers) => {
          const byLang: Partial<Record<Language, RulePreviewResponse>> = {};
          answers.forEach((a, i) => {
            const l = PREVIEW_LANGS[i];
            if (l) byLang[l] = a;
          });
          setState({ phase: 'ready', byLang });
        })
        .catch((e: unknown) => {
          if (controller.signal.aborted) return;
          if (e instanceof ApiRequestError && e.status === 400) setState({ phase: 'invalid', problems: [...e.problems] });
          else setState({ phase: 'error', error: errorReason(e) });
        });
    }, PREVIEW_DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [key]);
  return state;
}

function SmsPreview({ input }: { input: RuleInput }) {
  const { t, fmt } = useUi();
  const state = usePreview(input);
  return (
    <aside class="sms-preview" data-testid="sms-preview" aria-live="polite">
      <h4>{t('rule.preview')}</h4>
      {state.phase === 'loading' || state.phase === 'idle' ? <p class="hint">{t('common.loading')}</p> : null}
      {state.phase === 'invalid' && <p class="hint" data-testid="preview-invalid">{t('rule.previewInvalid')}</p>}
      {state.phase === 'error' && <p class="field-error">{state.error}</p>}
      {state.phase === 'ready' &&
        PREVIEW_LANGS.map((l) => {
          const p = state.byLang[l];
          if (!p) return null;
          return (
            <div key={l} class="preview-lang" data-testid={`preview-${l}`} data-max-parts={p.maxParts}>
              <div class="preview-lang-head">
                <strong>{t(`lang.${l}` as const)}</strong>
                <span class="muted small">{t('rule.previewHost', { host: p.agentName })}</span>
              </div>
              {p.messages.map((m) => (
                <div key={m.kind} class="preview-msg" data-kind={m.kind}>
                  <div class="preview-msg-head">
                    <span class="muted">{t(`msgkind.${m.kind}` as const)}</span>
                    <span class={`segments${m.segments.parts > 1 ? ' segments-multi' : ''}`} data-testid="segment-count" data-parts={m.segments.parts} data-encoding={m.segments.encoding}>
                      {segmentLabel(m.segments, fmt, t)}
                    </span>
                  </div>
                  <div class="sms-text" lang={l}>
                    {m.text}
                  </div>
                </div>
              ))}
            </div>
          );
        })}
    </aside>
  );
}

export interface RuleFormProps {
  rule: Rule | null;
  groups: readonly GroupView[];
  agents: readonly AgentRow[];
  onSaved: (rule: Rule) => void;
  onCancel: () => void;
}

/** What the metric select's value means (an unknown value falls back to CPU busy). */
function metricChoice(v: string): MetricChoice {
  return v === 'agent_silent' || v === 'field' || v === 'check_state' || v === 'check_perf' || isBaselineChoice(v) ? v : isDerivedMetricName(v) ? v : 'cpu_busy_pct';
}

export function RuleForm({ rule, groups, agents, onSaved, onCancel }: RuleFormProps) {
  const { t, fmt, lang } = useUi();
  const [draft, setDraft] = useState<RuleDraft>(() => (rule ? draftFromRule(rule) : emptyRuleDraft()));
  const [problems, setProblems] = useState<string[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  // narrows the check list only: a rule names a check or every check, not a type
  const [checkType, setCheckType] = useState<CheckType | ''>('');
  const formRef = useRef<HTMLFormElement>(null);
  // "Edit" far down the list: bring the form into view
  useEffect(() => formRef.current?.scrollIntoView({ block: 'nearest' }), []);
  // an edited field's old messages go: they described what was there before
  const stale = (...keys: (keyof RuleDraft)[]): void => setProblems((p) => dropProblems(p, keys.flatMap((k) => RULE_DRAFT_PATHS[k])));
  const set = <K extends keyof RuleDraft>(k: K, v: RuleDraft[K]): void => {
    // a margin the operator types is theirs: the form stops moving it with the thresholds
    setDraft((d) => withAutoRecovery({ ...d, [k]: v, ...(k === 'recoveryDelta' ? { recoveryAuto: false } : {}) }));
    stale(k);
  };
  const setLevel = (which: 'levels' | 'recoveryLevels', s: Severity, v: string): void => {
    setDraft((d) => withAutoRecovery({ ...d, [which]: { ...d[which], [s]: v } }));
    stale(which);
  };

  const input = useMemo(() => ruleInputFromDraft(draft, rule?.id), [draft, rule?.id]);
  const unit = metricUnit(input.metric);
  const keyed = metricIsKeyed(input.metric);
  const onCheck = draft.metric === 'check_state' || draft.metric === 'check_perf';
  // S4, S7: a recovery the metric never reaches is said beside its field before anything is sent
  const localProblems = useMemo(() => [
    ...unreachableLevels(input).map((u) => `${u.path}: ${unreachableLevelText(u, unit, fmt, t)}`),
    ...recoveryIssues(input).map((i) => `${i.path}: ${recoveryIssueText(i, unit, fmt, t)}`),
  ], [input, unit, fmt, t]);
  const { byField, other } = problemsByField([...problems, ...localProblems], RULE_FIELDS);
  const forS = Number(draft.forS);

  const save = (e: Event): void => {
    e.preventDefault();
    if (localProblems.length > 0) return;
    setSaving(true);
    setError(null);
    setProblems([]);
    saveRule(input, rule?.id ?? null)
      .then(onSaved)
      .catch((err: unknown) => {
        if (err instanceof ApiRequestError && err.problems.length > 0) setProblems([...err.problems]);
        else setError(errorReason(err));
      })
      .finally(() => setSaving(false));
  };

  const chooseMetric = (v: string): void => {
    stale('metric', 'levels', 'comparison');
    setDraft((d) => withMetric(d, metricChoice(v)));
  };

  return (
    <form ref={formRef} class="rule-form card" data-testid="rule-form" onSubmit={save} noValidate>
      <div class="card-head">
        <h3>{rule ? t('rule.edit', { name: ruleDisplayName(rule.id, rule.name, lang) }) : t('rule.new')}</h3>
        {rule?.builtin && <span class="tag">{t('rule.builtin')}</span>}
      </div>
      <div class="form-split">
        <div class="form-grid">
          <FormError problems={other} error={error} />
          <Field label={t('rule.name')} field="name" errors={byField} wide>
            <input type="text" value={draft.name} data-testid="rule-name" onInput={(e) => set('name', e.currentTarget.value)} />
          </Field>
          <FieldError field="id" messages={byField.id} />

          <Field label={t('rule.metric')} field="metric" errors={byField}>
            <select value={draft.metric} data-testid="rule-metric" onChange={(e) => chooseMetric(e.currentTarget.value)}>
              <optgroup label={t('rule.metricDerived')}>
                {DERIVED_METRIC_NAMES.map((n) => (
                  <option key={n} value={n}>
                    {t(`metric.${n}` as const)}
                  </option>
                ))}
              </optgroup>
              <optgroup label={t('rule.metricBaseline')}>
                {BASELINE_CHOICES.map((c) => (
                  <option key={c} value={c}>
                    {t(`metric.${c}` as const)}
                  </option>
                ))}
              </optgroup>
              <optgroup label={t('rule.metricOther')}>
                <option value="agent_silent">{t('metric.agent_silent')}</option>
                <option value="field">{t('rule.metricField')}</option>
              </optgroup>
              <optgroup label={t('rule.metricChecks')}>
                <option value="check_state">{t('metric.check_state')}</option>
                <option value="check_perf">{t('metric.check_perf')}</option>
              </optgroup>
            </select>
          </Field>
          <FieldError field="metric.name" messages={byField['metric.name']} />

          {draft.metric === 'field' && (
            <>
              <Field label={t('rule.family')} field="metric.family" errors={byField}>
                <select
                  value={draft.family}
                  data-testid="rule-family"
                  onChange={(e) => {
                    const family = e.currentTarget.value as Family;
                    stale('family');
                    setDraft((d) => ({ ...d, family, field: Object.keys(FAMILIES[family].fields)[0] ?? '' }));
                  }}
                >
                  {FAMILY_NAMES.map((f) => (
                    <option key={f} value={f}>
                      {f}
                    </option>
                  ))}
                </select>
              </Field>
              <Field label={t('rule.field')} field="metric.field" errors={byField}>
                <select value={draft.field} data-testid="rule-field" onChange={(e) => set('field', e.currentTarget.value)}>
                  {Object.keys(FAMILIES[draft.family].fields).map((f) => (
                    <option key={f} value={f}>
                      {f}
                    </option>
                  ))}
                </select>
              </Field>
            </>
          )}
          {keyed && draft.metric === 'field' && draft.family === 'weblog' && (
            <Field label={t('rule.weblogKey')} field="metric.key" errors={byField} hint={t('rule.weblogKeyHint')}>
              <WeblogKeyPicker value={draft.key} agents={agents} onChange={(k) => set('key', k)} />
            </Field>
          )}
          {keyed && !(draft.metric === 'field' && draft.family === 'weblog') && (
            <Field label={t('rule.key')} field="metric.key" errors={byField} hint={t('rule.keyHint')}>
              <input type="text" value={draft.key} placeholder="*" data-testid="rule-key" onInput={(e) => set('key', e.currentTarget.value)} />
            </Field>
          )}
          {onCheck && <CheckRuleFields draft={draft} byField={byField} agents={agents} groups={groups} checkType={checkType} onCheckType={setCheckType} set={set} />}
          {isBaselineChoice(draft.metric) && <p class="hint" data-testid="rule-baseline-hint">{t('rule.baselineHint')}</p>}
          {draft.metric === 'agent_silent' && (
            <Field label={t('rule.missed')} field="metric.missedIntervals" errors={byField} hint={t('rule.missedHint')}>
              <input type="number" min={1} step={1} value={draft.missedIntervals} data-testid="rule-missed" onInput={(e) => set('missedIntervals', e.currentTarget.value)} />
            </Field>
          )}

          {draft.metric !== 'check_state' && (
            <>
          <Field label={t('rule.comparison')} field="comparison" errors={byField}>
            <select value={draft.comparison} data-testid="rule-comparison" onChange={(e) => set('comparison', e.currentTarget.value as RuleDraft['comparison'])}>
              {COMPARISONS.map((c) => (
                <option key={c} value={c}>
                  {c} {t(`cmp.${c}` as const)}
                </option>
              ))}
            </select>
          </Field>

          <fieldset class="field-wide levels" data-field="levels">
            <legend>
              {t('rule.levels')} {unit && <span class="muted">({unit})</span>}
            </legend>
            <p class="field-hint">{t('rule.levelsHint')}</p>
            <div class="level-inputs">
              {SEVERITIES.map((s) => (
                <label key={s} class={`level-input sevlabel-${s}`}>
                  <span>{t(`sev.${s}` as const)}</span>
                  <input type="number" step="any" value={draft.levels[s]} data-testid={`rule-level-${s}`} onInput={(e) => setLevel('levels', s, e.currentTarget.value)} />
                  <FieldError field={`levels.${s}`} messages={byField[`levels.${s}`]} />
                </label>
              ))}
            </div>
            <FieldError field="levels" messages={byField.levels} />
          </fieldset>

          <fieldset class="field-wide levels" data-field="recovery">
            <legend>
              {t('rule.recovery')} {unit && <span class="muted">({unit})</span>}
            </legend>
            <p class="field-hint">{t('rule.recoveryHint')}</p>
            <div class="level-inputs">
              <label class="level-input">
                <span>{t('rule.recoveryDelta')}</span>
                <input type="number" min={0} step="any" value={draft.recoveryDelta} data-testid="rule-recovery-delta" onInput={(e) => set('recoveryDelta', e.currentTarget.value)} />
                <FieldError field="recovery.delta" messages={byField['recovery.delta']} />
              </label>
              {SEVERITIES.filter((s) => draft.levels[s].trim() !== '' || draft.recoveryLevels[s].trim() !== '').map((s) => (
                <label key={s} class={`level-input sevlabel-${s}`}>
                  <span>{t('rule.recoverAt', { sev: t(`sev.${s}` as const) })}</span>
                  <input type="number" step="any" value={draft.recoveryLevels[s]} placeholder={t('rule.auto')} data-testid={`rule-recovery-${s}`} onInput={(e) => setLevel('recoveryLevels', s, e.currentTarget.value)} />
                  <FieldError field={`recovery.levels.${s}`} messages={byField[`recovery.levels.${s}`]} />
                </label>
              ))}
            </div>
            <p class="field-hint" data-testid="rule-recovery-at">
              {draft.metric !== 'agent_silent' && SEVERITIES.filter((s) => Number.isFinite(input.levels[s]) && Number.isFinite(recoveryThreshold(input, s)))
                .map((s) => t('rule.letsGoAt', { sev: t(`sev.${s}` as const), at: letGoText(input.comparison, recoveryThreshold(input, s), unit, fmt) }))
                .join(' · ')}
            </p>
            <FieldError field="recovery" messages={byField.recovery} />
          </fieldset>

            </>
          )}

          <Field label={t('rule.for')} field="forS" errors={byField} hint={Number.isFinite(forS) && draft.forS.trim() !== '' ? t(draft.metric === 'agent_silent' && forS > 0 ? 'rule.silentForHint' : 'rule.forHint', { d: durationText(forS, t) }) : undefined}>
            <input type="number" min={0} step={1} value={draft.forS} data-testid="rule-for" onInput={(e) => set('forS', e.currentTarget.value)} />
          </Field>

          <Field label={t('rule.scope')} field="scope" errors={byField}>
            <select value={draft.scope} data-testid="rule-scope" onChange={(e) => set('scope', e.currentTarget.value as RuleDraft['scope'])}>
              <option value="all">{t('scope.all')}</option>
              <option value="group">{t('scope.group')}</option>
              <option value="agent">{t('scope.agent')}</option>
            </select>
          </Field>
          {draft.scope === 'group' && (
            <Field label={t('scope.group')} field="scope.groupId" errors={byField}>
              <select value={draft.groupId} data-testid="rule-group" onChange={(e) => set('groupId', e.currentTarget.value)}>
                <option value="">{t('common.choose')}</option>
                <GroupOptions groups={groups} />
              </select>
            </Field>
          )}
          {draft.scope === 'agent' && (
            <Field label={t('scope.agent')} field="scope.agentId" errors={byField}>
              <select value={draft.agentId} data-testid="rule-agent" onChange={(e) => set('agentId', e.currentTarget.value)}>
                <option value="">{t('common.choose')}</option>
                <AgentOptions agents={agents} />
              </select>
            </Field>
          )}

          <label class="check field-wide">
            <input type="checkbox" checked={draft.enabled} data-testid="rule-enabled" onChange={(e) => set('enabled', e.currentTarget.checked)} />
            {t('rule.enabled')}
          </label>

          <SaveCancel testId="rule" saving={saving} onCancel={onCancel} />
        </div>
        {/* the messages do not show the rule's name: preview before one is typed */}
        <SmsPreview input={input.name ? input : { ...input, name: t('rule.new') }} />
      </div>
    </form>
  );
}
