// Two appliances made a standby pair for a test (S13, B4; docs/standby.md "Setting a pair up"):
// PUT /api/v1/redundancy with a `pair` naming the other one, the same secret on both.
import type { RunningAppliance } from './appliance-harness.js';
import { send } from './alerting-helpers.js';

export const TEST_PAIR_SECRET = 'pair-secret-for-the-tests-0123456789';

export async function pairUp(app: RunningAppliance, role: 'primary' | 'standby', peer: RunningAppliance, graceS: number): Promise<void> {
  const r = await send(app, 'PUT', '/api/v1/redundancy', { sentinels: [], pair: { role, peer: peer.url, secret: TEST_PAIR_SECRET, graceS } });
  if (r.status !== 200) throw new Error(`PUT /redundancy on the ${role}: ${r.status} ${JSON.stringify(r.json)}`);
}
