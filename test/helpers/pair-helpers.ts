// The standby pair's test steps (S13, B4; docs/standby.md), shared by the pair's loopback and
// network-namespace tests: pairing two appliances, their modems ready, the pair's status and the
// SMS outbox as the API shows them.
import type { ModemResponse, OutboxEntry } from '../../contract/alerts-api.js';
import type { PairStatus } from '../../contract/pair.js';
import { send } from './alerting-helpers.js';
import { waitFor, type RunningAppliance } from './appliance-harness.js';

export const PAIR_SECRET = 'pair-secret-for-the-test-0123456789';

/** PUT /redundancy with the pair: `app` takes `role`, `peer` is the other (by its URL) */
export async function pairUp(app: RunningAppliance, role: 'primary' | 'standby', peer: RunningAppliance, graceS: number): Promise<void> {
  const r = await send(app, 'PUT', '/api/v1/redundancy', { sentinels: [], pair: { role, peer: peer.url, secret: PAIR_SECRET, graceS } });
  if (r.status !== 200) throw new Error(`PUT /redundancy on the ${role}: ${r.status} ${JSON.stringify(r.json)}`);
}

/** waitForModemReady with more room: four appliance starts with the simulator, some took over 20 s under load */
export const modemReady = (app: RunningAppliance): Promise<boolean> => waitFor('the simulated modem to be ready', async () => (await app.api<ModemResponse>('/api/v1/modem')).status?.state === 'ready', { timeoutMs: 60_000 });

export const pairStatus = (app: RunningAppliance): Promise<PairStatus> => app.api<PairStatus>('/api/v1/pair');
export const outbox = (app: RunningAppliance): Promise<OutboxEntry[]> => app.api<OutboxEntry[]>('/api/v1/sms/outbox?limit=200');
