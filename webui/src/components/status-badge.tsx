// An agent's status as a coloured badge, with the word as well as the colour: operators with
// colour-blindness and monochrome screenshots must still read it.
import type { AgentStatus } from '../../../contract/agent-status.js';
import type { HealthLevel } from '../../../contract/alerts-api.js';
import { useUi } from '../ui-context.js';
import { SeverityBadge } from './alerting-parts.js';

export function StatusBadge({ status }: { status: AgentStatus }) {
  const { t } = useUi();
  return (
    <span class={`badge badge-${status}`} data-testid="status-badge" data-status={status}>
      <span class="badge-dot" aria-hidden="true" />
      {t(`status.${status}` as const)}
    </span>
  );
}

/** Online · CRITICAL: the connection and the worst open alert (S8), each with its word. */
export function ServerStatus({ row }: { row: { status: AgentStatus; level: HealthLevel } }) {
  return (
    <span class="ov-status" data-testid="server-status" data-level={row.level}>
      <StatusBadge status={row.status} />
      {row.level !== 'ok' && <SeverityBadge level={row.level} />}
    </span>
  );
}
