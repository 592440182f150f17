// The Rules view (S4, S7): every threshold rule (the shipped defaults marked "built-in") with its
// metric, grades, hysteresis, duration, scope, on/off switch and the SMS parts its worst message
// takes; "New rule" and "Edit" open the rule editor above the list.
import { useEffect, useState } from 'preact/hooks';
import type { GroupView, Rule } from '../../../contract/alerts-api.js';
import type { AgentRow } from '../agents-store.js';
import { deleteRule, getRulePreview, listGroups, listRules, saveRule } from '../alerting-api.js';
import { SEVERITIES, formatMetricValue, metricUnit } from '../alerting-model.js';
import { CHECK_SEVERITIES_MAPPED, EVERY_KEY, isCheckMetric } from '../../../contract/alerting.js';
import { durationText, metricText } from '../alerting-text.js';
import { errorReason } from '../api-client.js';
import { listChecks } from '../checks-client.js';
import { useResource } from '../use-resource.js';
import { useUi } from '../ui-context.js';
import { Card, ErrorBox, ResourceState, RowActions } from './alerting-parts.js';
import { DataTable } from './data-table.js';
import { RuleForm } from './rule-form.js';
import { ruleDisplayName } from '../builtin-rule-names.js';

/** The SMS parts of a saved rule's longest message, in the page's language. */
function RuleParts({ rule }: { rule: Rule }) {
  const { lang, t } = useUi();
  const [parts, setParts] = useState<number | null>(null);
  const version = JSON.stringify(rule);
  useEffect(() => {
    const controller = new AbortController();
    getRulePreview(rule.id, lang, controller.signal)
      .then((p) => setParts(p.maxParts))
      .catch(() => setParts(null));
    return () => controller.abort();
    // the rule's content, not its object identity
  }, [version, lang, rule.id]);
  if (parts === null) return <span class="muted">–</span>;
  return (
    <span class={`segments${parts > 1 ? ' segments-multi' : ''}`} title={t('rule.partsTitle')}>
      {t('rule.parts', { n: parts })}
    </span>
  );
}

function Levels({ rule }: { rule: Rule }) {
  const { fmt, t } = useUi();
  const unit = metricUnit(rule.metric);
  // a check's state gives the grade (S5): the states that raise an alert, each with its grade
  if (rule.metric.kind === 'check_state') {
    const severities = rule.metric.severities ?? CHECK_SEVERITIES_MAPPED;
    return (
      <span class="level-chips">
        {(['warning', 'critical', 'unknown'] as const).flatMap((state) => {
          const s = severities[state];
          return s === undefined ? [] : [<span key={state} class={`level-chip sevlabel-${s}`}>{state.toUpperCase()} → {t(`sev.${s}` as const)}</span>];
        })}
      </span>
    );
  }
  // agent silence is 1 while silent: the threshold says nothing to a reader, the grade does
  if (rule.metric.kind === 'agent_silent') {
    return (
      <span class="level-chips">
        {SEVERITIES.filter((s) => rule.levels[s] !== undefined).map((s) => (
          <span key={s} class={`level-chip sevlabel-${s}`}>
            {t(`sev.${s}` as const)}
          </span>
        ))}
      </span>
    );
  }
  return (
    <span class="level-chips">
      {SEVERITIES.filter((s) => rule.levels[s] !== undefined).map((s) => (
        <span key={s} class={`level-chip sevlabel-${s}`} title={t(`sev.${s}` as const)}>
          {t(`sev.${s}` as const)} {rule.comparison} {formatMetricValue(rule.levels[s], unit, fmt)}
        </span>
      ))}
    </span>
  );
}

function scopeText(rule: Rule, groups: readonly GroupView[], agents: readonly AgentRow[], t: ReturnType<typeof useUi>['t']): string {
  switch (rule.scope.kind) {
    case 'all':
      return t('scope.all');
    case 'group': {
      const id = rule.scope.groupId;
      return t('scope.groupNamed', { name: groups.find((g) => g.id === id)?.name ?? id });
    }
    case 'agent': {
      const id = rule.scope.agentId;
      return t('scope.agentNamed', { name: agents.find((a) => a.id === id)?.hostname ?? id });
    }
  }
}

export function RulesView({ agents }: { agents: readonly AgentRow[] }) {
  const { t, fmt, can, lang } = useUi();
  const canEdit = can('rules:write');
  const rules = useResource(listRules, []);
  const groups = useResource(listGroups, []);
  // S5: a rule on a check is listed by the check's name (its id when the checks cannot be read)
  // (read only when some rule names one check: the list may hold thousands)
  const namesCheck = rules.data?.some((r) => isCheckMetric(r.metric) && r.metric.checkId !== EVERY_KEY) ?? false;
  const checks = useResource((signal) => (namesCheck ? listChecks(new URLSearchParams(), signal) : Promise.resolve(null)), [namesCheck]);
  const checkName = (r: Rule): string | undefined => {
    const m = r.metric;
    if (m.kind !== 'check_state' && m.kind !== 'check_perf') return undefined;
    return checks.data?.checks.find((c) => c.id === m.checkId)?.definition.name;
  };
  const [editing, setEditing] = useState<Rule | 'new' | null>(null);
  const [rowError, setRowError] = useState<string | null>(null);

  const onSaved = (r: Rule): void => {
    setEditing(null);
    rules.mutate((list) => (list.some((x) => x.id === r.id) ? list.map((x) => (x.id === r.id ? r : x)) : [...list, r]));
    rules.reload();
  };
  const toggle = (r: Rule): void => {
    setRowError(null);
    const { id, builtin: _builtin, ...rest } = r;
    saveRule({ ...rest, enabled: !r.enabled }, id)
      .then(onSaved)
      .catch((e: unknown) => setRowError(errorReason(e)));
  };
  const remove = (r: Rule): void => {
    if (!window.confirm(t('rule.confirmDelete', { name: r.name }))) return;
    setRowError(null);
    deleteRule(r.id)
      .then(() => {
        rules.mutate((list) => list.filter((x) => x.id !== r.id));
        rules.reload();
      })
      .catch((e: unknown) => setRowError(errorReason(e)));
  };

  return (
    <div class="view" data-testid="view-rules">
      <div class="view-head">
        <h2>{t('nav.rules')}</h2>
        {editing === null && canEdit && (
          <button type="button" class="button button-primary" data-testid="rule-new" onClick={() => setEditing('new')}>
            {t('rule.new')}
          </button>
        )}
      </div>
      {editing !== null && (
        <RuleForm
          key={editing === 'new' ? 'new' : editing.id}
          rule={editing === 'new' ? null : editing}
          groups={groups.data ?? []}
          agents={agents}
          onSaved={onSaved}
          onCancel={() => setEditing(null)}
        />
      )}
      <Card title={t('rule.list')} testId="rule-list">
        {rowError && <ErrorBox message={rowError} />}
        <ResourceState resource={rules} />
        {rules.data && (
          <DataTable
            rows={rules.data}
            rowKey={(r) => r.id}
            rowAttrs={(r) => ({ 'data-testid': 'rule-row', 'data-rule-id': r.id, class: r.enabled ? undefined : 'is-disabled' })}
            empty={t('rule.none')}
            columns={[
              {
                header: t('rule.name'),
                cell: (r) => (
                  <>
                    <strong data-testid="rule-name-cell">{ruleDisplayName(r.id, r.name, lang)}</strong> {r.builtin && <span class="tag" data-testid="builtin-tag">{t('rule.builtin')}</span>}
                  </>
                ),
              },
              { header: t('rule.metric'), cell: (r) => metricText(r.metric, checkName(r), t) },
              {
                header: t('rule.levels'),
                cell: (r) => (
                  <>
                    <Levels rule={r} />
                    {r.recovery?.delta !== undefined && r.recovery.delta > 0 && (
                      <div class="muted small">{t('rule.hysteresis', { d: formatMetricValue(r.recovery.delta, metricUnit(r.metric), fmt) })}</div>
                    )}
                  </>
                ),
              },
              { header: t('rule.for'), class: 'nowrap', cell: (r) => durationText(r.forS, t) },
              { header: t('rule.scope'), cell: (r) => scopeText(r, groups.data ?? [], agents, t) },
              { header: t('rule.sms'), class: 'nowrap', cell: (r) => <RuleParts rule={r} /> },
              {
                header: t('rule.enabled'),
                cell: (r) =>
                  canEdit ? (
                    <label class="switch">
                      <input type="checkbox" checked={r.enabled} data-testid="rule-toggle" aria-label={t('rule.enabled')} onChange={() => toggle(r)} />
                      <span>{r.enabled ? t('common.on') : t('common.off')}</span>
                    </label>
                  ) : (
                    <span>{r.enabled ? t('common.on') : t('common.off')}</span>
                  ),
              },
              canEdit && { header: t('col.actions'), headerHidden: true, class: 'actions', cell: (r) => <RowActions testId="rule" onEdit={() => setEditing(r)} onDelete={() => remove(r)} /> },
            ]}
          />
        )}
      </Card>
    </div>
  );
}
