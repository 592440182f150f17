// B11: a server's maintenance openings over the range its charts show, for their shaded bands.
// Asked for the range widened to whole hours, so a live range that slides with every sample
// asks again once an hour, and every few minutes for windows created or changed meanwhile (no
// stream event carries them). Only when the appliance holds any window at all (one request for
// the whole page, maintenance-client.ts): the usual dashboard asks no panel's bands (S9, S14).
import type { MaintenanceSpan } from '../../contract/maintenance-api.js';
import { anyMaintenanceWindows, serverMaintenance } from './maintenance-client.js';
import { useUi } from './ui-context.js';
import { useResource } from './use-resource.js';

const HOUR_S = 3600;
const REFRESH_MS = 5 * 60_000;
const NONE: readonly MaintenanceSpan[] = [];

/** The openings over `agentId` around `xRange` (unix s); none for a role that may not read windows. */
export function useMaintenanceBands(agentId: string, xRange: readonly [number, number]): readonly MaintenanceSpan[] {
  const { can } = useUi();
  const allowed = can('mutes:read');
  const fromH = Math.floor(xRange[0] / HOUR_S);
  const toH = Math.ceil(xRange[1] / HOUR_S) + 1;
  const spans = useResource(
    async (signal) => {
      if (!allowed || toH <= fromH || !(await anyMaintenanceWindows())) return NONE;
      return (await serverMaintenance(agentId, fromH * HOUR_S * 1000, toH * HOUR_S * 1000, signal)).server?.spans ?? NONE;
    },
    [agentId, allowed, fromH, toH],
    { refreshMs: REFRESH_MS },
  );
  return spans.data ?? NONE;
}
