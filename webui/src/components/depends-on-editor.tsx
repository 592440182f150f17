// The dependsOn editor (B10): the servers and checks a server (admin Servers screen) or every
// member of a group (Groups screen) depends on, chosen from lists and saved whole. The appliance
// checks the rest: a cycle, a server on itself or an unknown id comes back as a 400 naming
// `dependsOn`, shown in the dialog as it says it; nothing is changed then.
import { useState } from 'preact/hooks';
import type { CheckListResponse } from '../../../contract/checks-api.js';
import { DEPENDENCY_LIMITS } from '../../../contract/maintenance-api.js';
import type { AgentRow } from '../agents-store.js';
import { ApiRequestError, errorReason } from '../api-client.js';
import { listChecks } from '../checks-client.js';
import { serverLabel } from '../server-label.js';
import { useResource } from '../use-resource.js';
import { useUi } from '../ui-context.js';
import { FleetDialog, ProblemList } from './fleet-dialog.js';

const NO_CHECKS: CheckListResponse = { checks: [], byState: {} as CheckListResponse['byState'] };

/** Each parent id by the name an operator knows it by: a server's label, a check's name. */
export function parentNames(ids: readonly string[], agents: readonly AgentRow[], checks: readonly { id: string; definition: { name: string } }[]): string {
  return ids.map((id) => {
    const a = agents.find((x) => x.id === id);
    return a ? serverLabel(a) : (checks.find((c) => c.id === id)?.definition.name ?? id);
  }).join(', ');
}

/** The checks that can be parents, for their names (none for a role without checks:read). */
export function useParentChecks(): CheckListResponse['checks'] {
  const { can } = useUi();
  const mayReadChecks = can('checks:read');
  const checks = useResource((signal) => (mayReadChecks ? listChecks(new URLSearchParams(), signal) : Promise.resolve(NO_CHECKS)), [mayReadChecks]);
  return checks.data?.checks ?? [];
}

export function DependsOnDialog({ title, testId, initial, selfId, agents, onSave, onClose }: {
  title: string;
  testId: string;
  initial: readonly string[];
  /** the server being edited: not offered as its own parent */
  selfId: string | null;
  agents: readonly AgentRow[];
  onSave: (ids: string[]) => Promise<unknown>;
  onClose: (saved: boolean) => void;
}) {
  const { t } = useUi();
  const checks = useParentChecks();
  const [chosen, setChosen] = useState<string[]>([...initial]);
  const [busy, setBusy] = useState(false);
  const [problems, setProblems] = useState<{ list: string[]; message: string | null }>({ list: [], message: null });
  const toggle = (id: string, on: boolean): void => {
    setChosen((c) => (on ? [...c, id] : c.filter((x) => x !== id)));
    setProblems({ list: [], message: null });
  };
  const save = async (): Promise<void> => {
    setBusy(true);
    try {
      await onSave(chosen);
      onClose(true);
    } catch (e) {
      setProblems(e instanceof ApiRequestError && e.problems.length > 0 ? { list: [...e.problems], message: null } : { list: [], message: errorReason(e) });
      setBusy(false);
    }
  };
  const choice = (id: string, label: string) => (
    <label key={id} class="check-label">
      <input type="checkbox" checked={chosen.includes(id)} data-testid={`dep-choice-${id}`} onChange={(e) => toggle(id, e.currentTarget.checked)} />
      {label}
    </label>
  );
  return (
    <FleetDialog title={title} testId={testId} onClose={() => onClose(false)}>
      <form class="fleet-add" onSubmit={(e) => { e.preventDefault(); void save(); }}>
        <p class="hint">{t('dep.hint', { n: DEPENDENCY_LIMITS.parentsPerOwner })}</p>
        <fieldset class="dep-choices">
          <legend>{t('dep.servers')}</legend>
          {agents.filter((a) => a.id !== selfId).map((a) => choice(a.id, serverLabel(a)))}
        </fieldset>
        {checks.length > 0 && (
          <fieldset class="dep-choices">
            <legend>{t('dep.checks')}</legend>
            {checks.map((c) => choice(c.id, c.definition.name))}
          </fieldset>
        )}
        <ProblemList problems={problems.list} message={problems.message} />
        <div class="fleet-actions">
          <button type="submit" class="button" disabled={busy} data-testid="dep-save">{t('admin.save')}</button>
          <button type="button" class="button button-quiet" onClick={() => onClose(false)}>{t('admin.cancel')}</button>
        </div>
      </form>
    </FleetDialog>
  );
}
