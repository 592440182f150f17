// An agent's status as a coloured badge, with the word as well as the colour: operators with
// colour-blindness and monochrome screenshots must still read it.
import type { AgentStatus } from '../../../contract/agent-status.js';
import { useUi } from '../ui-context.js';

export function StatusBadge({ status }: { status: AgentStatus }) {
  const { t } = useUi();
  return (
    <span class={`badge badge-${status}`} data-testid="status-badge" data-status={status}>
      <span class="badge-dot" aria-hidden="true" />
      {t(`status.${status}` as const)}
    </span>
  );
}
