// Pieces the Checks view and a server panel's Checks tab share (S5): the state badge (the word as
// well as the colour; the colours are the alert grades': green OK, amber warning, red critical),
// where a check runs, and its perfdata as a table.
import type { GroupView } from '../../../contract/alerts-api.js';
import type { CheckStatusState } from '../../../contract/checks-api.js';
import type { Perfdatum } from '../../../contract/checks.js';
import type { AgentRow } from '../agents-store.js';
import { CHECK_TYPE_LIST, perfdataValue, placementOf, stateClasses, type CheckDefinition } from '../checks-model.js';
import type { Translate } from '../i18n.js';
import { useUi } from '../ui-context.js';
import { DataTable } from './data-table.js';

export function CheckStateBadge({ state }: { state: CheckStatusState }) {
  const { t } = useUi();
  return (
    <span class={stateClasses(state).badge} data-testid="check-state" data-state={state}>
      {t(`cstate.${state}` as const)}
    </span>
  );
}

/** The check types as a select's options, in the page's language. */
export function CheckTypeOptions() {
  const { t } = useUi();
  return (
    <>
      {CHECK_TYPE_LIST.map((type) => (
        <option key={type} value={type}>
          {t(`ctype.${type}` as const)}
        </option>
      ))}
    </>
  );
}

/** "web-01", "group web", "appliance", "appliance → web-01". */
export function placementText(def: CheckDefinition, agents: readonly Pick<AgentRow, 'id' | 'hostname'>[], groups: readonly Pick<GroupView, 'id' | 'name'>[], t: Translate): string {
  const p = placementOf(def);
  const host = (id: string): string => agents.find((a) => a.id === id)?.hostname ?? id;
  switch (p.kind) {
    case 'agent':
      return t('checks.onServer', { name: host(p.agentId) });
    case 'group':
      return t('checks.onGroup', { name: groups.find((g) => g.id === p.groupId)?.name ?? p.groupId });
    case 'appliance':
      return p.agentId ? t('checks.applianceAbout', { name: host(p.agentId) }) : t('checks.appliance');
  }
}

/** Every perfdata item of a run: a quota check's accounts (S16) read as a table of their usage. */
export function PerfdataTable({ perfdata }: { perfdata: readonly Perfdatum[] }) {
  const { t, fmt } = useUi();
  const bound = (v: number | null, unit: string): string => (v === null ? '' : perfdataValue(v, unit, fmt));
  return (
    <DataTable
      class="table perfdata-table"
      testId="perfdata-table"
      rows={perfdata}
      rowKey={(p) => p.label}
      rowAttrs={(p) => ({ 'data-testid': 'perfdata-row', 'data-label': p.label })}
      empty={t('pcheck.noPerfdata')}
      emptyClass="hint"
      columns={[
        { header: t('pcheck.label'), class: 'mono', cell: (p) => p.label },
        { header: t('pcheck.value'), num: true, cell: (p) => perfdataValue(p.value, p.unit, fmt) },
        { header: t('pcheck.warn'), class: 'mono', cell: (p) => p.warn ?? '' },
        { header: t('pcheck.crit'), class: 'mono', cell: (p) => p.crit ?? '' },
        { header: t('pcheck.min'), num: true, cell: (p) => bound(p.min, p.unit) },
        { header: t('pcheck.max'), num: true, cell: (p) => bound(p.max, p.unit) },
      ]}
    />
  );
}
