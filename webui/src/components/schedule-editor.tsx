// Collector schedules (S2): an on/off switch and an interval for every collector, and the bounds
// of the agent's disk queue, either as the defaults of all servers or for one server (where only
// what differs from the defaults is saved, so a later change of the defaults still reaches the
// rest). One server's form starts from what its agent reports it runs (fleet-model.ts
// runningSchedule), not from the defaults. The agent picks a saved schedule up within seconds.
import { useEffect, useState } from 'preact/hooks';
import { COLLECTOR_NAMES } from '../../../contract/families.js';
import type { AgentConfigResponse, ConfigDefaultsResponse } from '../../../contract/fleet-api.js';
import { ApiRequestError, errorReason } from '../api-client.js';
import { getAgentConfig, getConfigDefaults, saveAgentConfig, saveConfigDefaults } from '../fleet-api.js';
import { defaultsBody, draftFrom, overriddenCollectors, overridesBody, runningSchedule, type ScheduleDraft } from '../fleet-model.js';
import { useUi } from '../ui-context.js';
import { useResource } from '../use-resource.js';
import { DataTable } from './data-table.js';
import { ProblemList } from './fleet-dialog.js';

interface Loaded {
  defaults: ConfigDefaultsResponse;
  agent: AgentConfigResponse | null;
}

export function ScheduleEditor({ agentId }: { agentId?: string }) {
  const { t, can } = useUi();
  // a role without checks:write reads the schedule but is offered nothing to change (SEC)
  const canEdit = can('checks:write');
  const loaded = useResource<Loaded>(
    async (signal) => ({ defaults: await getConfigDefaults(signal), agent: agentId ? await getAgentConfig(agentId, signal) : null }),
    [agentId],
  );
  const [draft, setDraft] = useState<ScheduleDraft | null>(null);
  const [saving, setSaving] = useState(false);
  const [problems, setProblems] = useState<{ list: string[]; message: string | null }>({ list: [], message: null });
  const [savedRevision, setSavedRevision] = useState<number | null>(null);

  const data = loaded.data;
  useEffect(() => {
    if (data) setDraft(draftFrom(data.agent ? runningSchedule(data.agent) : data.defaults));
  }, [data]);

  if (loaded.phase === 'loading' || !data || !draft) {
    return loaded.error ? <p class="alert alert-error" role="alert">{loaded.error}</p> : <p class="hint">{t('fleet.loading')}</p>;
  }
  const overridden = agentId ? overriddenCollectors(draft, data.defaults) : new Set();

  const save = async (clear = false): Promise<void> => {
    setSaving(true);
    setProblems({ list: [], message: null });
    setSavedRevision(null);
    try {
      if (agentId) {
        const r = await saveAgentConfig(agentId, clear ? {} : overridesBody(draft, data.defaults));
        setSavedRevision(r.effective.revision);
        // what the agent reported predates this save: the saved schedule is what it runs next
        loaded.mutate((l) => ({ ...l, agent: { ...r, running: null } }));
      } else {
        const r = await saveConfigDefaults(defaultsBody(draft));
        setSavedRevision(r.revision);
        loaded.mutate((l) => ({ ...l, defaults: r }));
      }
    } catch (e) {
      setProblems(e instanceof ApiRequestError && e.problems.length > 0 ? { list: [...e.problems], message: null } : { list: [], message: errorReason(e) });
    } finally {
      setSaving(false);
    }
  };
  const setCollector = (name: (typeof COLLECTOR_NAMES)[number], change: Partial<ScheduleDraft['collectors'][typeof name]>): void =>
    setDraft({ ...draft, collectors: { ...draft.collectors, [name]: { ...draft.collectors[name], ...change } } });

  return (
    <form
      class="fleet-schedule"
      data-testid="schedule-form"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <fieldset class="plain-fieldset" disabled={!canEdit}>
        {!agentId && !data.defaults.configured && (
        <p class="hint" data-testid="schedule-not-configured">
          {t('schedule.notConfigured')}
        </p>
      )}
        <DataTable
          class="fleet-table"
          wrap={false}
          rows={COLLECTOR_NAMES}
          rowKey={(name) => name}
          rowAttrs={(name) => ({ 'data-testid': 'schedule-row', 'data-collector': name })}
          columns={[
          { header: t('schedule.collector'), rowHeader: true, cell: (name) => t(`collector.${name}` as const) },
          {
            header: t('schedule.enabled'),
            cell: (name) => (
              <label class="fleet-switch">
                <input
                  type="checkbox"
                  role="switch"
                  checked={draft.collectors[name].enabled}
                  aria-label={`${t(`collector.${name}` as const)} ${t('schedule.enabled')}`}
                  data-testid={`enabled-${name}`}
                  onChange={(e) => setCollector(name, { enabled: e.currentTarget.checked })}
                />
                <span aria-hidden="true" />
              </label>
            ),
          },
          {
            header: t('schedule.interval'),
            cell: (name) => (
              <input
                class="fleet-number"
                type="number"
                min={1}
                max={3600}
                step={1}
                inputMode="numeric"
                value={draft.collectors[name].intervalS}
                disabled={!draft.collectors[name].enabled}
                aria-label={`${t(`collector.${name}` as const)} ${t('schedule.interval')}`}
                data-testid={`interval-${name}`}
                onInput={(e) => setCollector(name, { intervalS: e.currentTarget.value })}
              />
            ),
          },
          // one server's schedule says, per collector, whether it is its own or the defaults'
          agentId
            ? {
                header: null,
                cellAttrs: (name) => ({ class: overridden.has(name) ? 'fleet-tag fleet-tag-own' : 'fleet-tag' }),
                cell: (name) => t(overridden.has(name) ? 'schedule.overridden' : 'schedule.fromDefaults'),
              }
            : null,
        ]}
        />
        <fieldset class="fleet-queue">
          <legend>{t('schedule.queue')}</legend>
          <label class="fleet-field">
            <span>{t('schedule.queueMb')}</span>
            <input class="fleet-number" type="number" min={1} step="any" value={draft.queueMiB} data-testid="queue-mib" onInput={(e) => setDraft({ ...draft, queueMiB: e.currentTarget.value })} />
          </label>
          <label class="fleet-field">
            <span>{t('schedule.queueHours')}</span>
            <input class="fleet-number" type="number" min={1} step="any" value={draft.queueHours} data-testid="queue-hours" onInput={(e) => setDraft({ ...draft, queueHours: e.currentTarget.value })} />
          </label>
        </fieldset>
        <ProblemList problems={problems.list} message={problems.message} />
        {savedRevision !== null && (
        <p class="fleet-saved" role="status" data-testid="schedule-saved">
          {t('schedule.saved', { rev: savedRevision })}
        </p>
      )}
      </fieldset>
      {canEdit && (
      <div class="fleet-actions">
        <button type="submit" class="button" disabled={saving} data-testid="schedule-save">
          {saving ? t('fleet.saving') : t('fleet.save')}
        </button>
        {agentId && (
          <button type="button" class="button button-quiet" disabled={saving} data-testid="schedule-reset" onClick={() => void save(true)}>
            {t('schedule.reset')}
          </button>
        )}
      </div>
      )}
    </form>
  );
}
