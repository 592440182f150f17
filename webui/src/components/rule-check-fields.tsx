// The rule form's fields for a rule on service checks (S5, S6, S16): which check (one of the checks
// on the servers or group the rule applies to, from GET /checks, narrowed by type; or every check
// it applies to), then for a check_state rule the grade of each non-OK state, for a check_perf
// rule the perfdata label (offered from the check's last runs). The appliance's problems about
// them show under each field.
import type { GroupView, Severity } from '../../../contract/alerts-api.js';
import { EVERY_KEY } from '../../../contract/alerting.js';
import type { CheckListResponse, CheckType, CheckView } from '../../../contract/checks-api.js';
import type { AgentRow } from '../agents-store.js';
import { CHECK_ALERT_STATES, type CheckAlertState, type RuleDraft } from '../alerting-model.js';
import { durationText } from '../alerting-text.js';
import { listChecks } from '../checks-client.js';
import { useResource } from '../use-resource.js';
import { useUi } from '../ui-context.js';
import { Field, FieldError, SeverityOptions } from './alerting-parts.js';
import { CheckTypeOptions, placementText } from './check-parts.js';

/** The checks a rule with this scope can watch: the API's own filters (a server's checks include the probes about it). */
function checksInScope(draft: Pick<RuleDraft, 'scope' | 'agentId' | 'groupId'>, signal: AbortSignal): Promise<CheckListResponse> {
  const params = new URLSearchParams();
  if (draft.scope === 'agent' && draft.agentId) params.set('agentId', draft.agentId);
  if (draft.scope === 'group' && draft.groupId) params.set('groupId', draft.groupId);
  return listChecks(params, signal);
}

/** The labels a check's runs have reported, for the label field's suggestions. */
function perfLabels(checks: readonly CheckView[]): string[] {
  const labels = new Set<string>();
  for (const c of checks) for (const run of [c, ...c.instances]) for (const p of run.perfdata) labels.add(p.label);
  return [...labels].sort();
}

export interface CheckRuleFieldsProps {
  draft: RuleDraft;
  byField: Record<string, string[]>;
  agents: readonly AgentRow[];
  groups: readonly GroupView[];
  checkType: CheckType | '';
  onCheckType: (type: CheckType | '') => void;
  set: <K extends keyof RuleDraft>(k: K, v: RuleDraft[K]) => void;
}

export function CheckRuleFields({ draft, byField, agents, groups, checkType, onCheckType, set }: CheckRuleFieldsProps) {
  const { t } = useUi();
  const checks = useResource((signal) => checksInScope(draft, signal), [draft.scope, draft.agentId, draft.groupId]);
  const all = checks.data?.checks ?? [];
  const shown = all.filter((c) => checkType === '' || c.type === checkType);
  const chosen = all.find((c) => c.id === draft.checkId);
  // an edited rule's check may be outside the list (another scope, deleted): it stays selectable
  const unlisted = draft.checkId !== EVERY_KEY && !shown.some((c) => c.id === draft.checkId);
  const forS = Number(draft.forS);
  const interval = chosen?.definition.interval;
  const labels = perfLabels(chosen ? [chosen] : draft.checkId === EVERY_KEY ? shown : []);

  return (
    <>
      <Field label={t('rule.checkType')} field="checkType" errors={{}}>
        <select value={checkType} data-testid="rule-check-type" onChange={(e) => onCheckType(e.currentTarget.value as CheckType | '')}>
          <option value="">{t('rule.allTypes')}</option>
          <CheckTypeOptions />
        </select>
      </Field>
      <Field
        label={t('rule.check')}
        field="metric.checkId"
        errors={byField}
        hint={
          checks.phase === 'error'
            ? t('rule.checksFailed', { error: checks.error ?? '' })
            : interval !== undefined && Number.isFinite(forS)
              ? t('rule.checkEvery', { d: durationText(interval, t), n: Math.floor(Math.max(0, forS) / interval) + 1 })
              : t('rule.checkHint')
        }
      >
        <select value={draft.checkId} data-testid="rule-check" data-loaded={checks.phase === 'ready' ? 'true' : 'false'} onChange={(e) => set('checkId', e.currentTarget.value)}>
          <option value={EVERY_KEY}>{t('rule.everyCheck')}</option>
          {unlisted && <option value={draft.checkId}>{draft.checkId}</option>}
          {shown.map((c) => (
            <option key={c.id} value={c.id}>
              {c.definition.name} · {t(`ctype.${c.type}` as const)} · {placementText(c.definition, agents, groups, t)}
            </option>
          ))}
        </select>
      </Field>

      {draft.metric === 'check_state' && (
        <fieldset class="field-wide levels" data-field="metric.severities">
          <legend>{t('rule.checkStates')}</legend>
          <p class="field-hint">{t('rule.checkStatesHint')}</p>
          <div class="level-inputs">
            {CHECK_ALERT_STATES.map((state: CheckAlertState) => (
              <label key={state} class="level-input">
                <span>{t(`cstate.${state}` as const)}</span>
                <select
                  value={draft.checkSeverities[state]}
                  data-testid={`rule-check-sev-${state}`}
                  onChange={(e) => set('checkSeverities', { ...draft.checkSeverities, [state]: e.currentTarget.value as Severity | '' })}
                >
                  <option value="">{t('rule.noAlert')}</option>
                  <SeverityOptions />
                </select>
              </label>
            ))}
          </div>
          <FieldError field="metric.severities" messages={byField['metric.severities']} />
        </fieldset>
      )}

      {draft.metric === 'check_perf' && (
        <Field label={t('rule.perfLabel')} field="metric.label" errors={byField} hint={t('rule.perfLabelHint')}>
          <input type="text" value={draft.checkLabel} list="rule-perf-labels" data-testid="rule-check-label" onInput={(e) => set('checkLabel', e.currentTarget.value)} />
          <datalist id="rule-perf-labels">
            {labels.map((l) => (
              <option key={l} value={l} />
            ))}
          </datalist>
        </Field>
      )}
    </>
  );
}
