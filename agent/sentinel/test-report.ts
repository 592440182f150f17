// A sentinel's results of "send a test alarm through every channel" (S13, B4; the Redundancy
// screen): POSTed to the appliance's /api/v1/sentinel/test-result, signed with the key of the
// signed heartbeat (appliance/sentinel/heartbeat.ts), so nothing but this sentinel can report for it.
import { API_PREFIX } from '../../contract/api.js';
import { testReportText, type ChannelTestResult, type TestReportBody } from '../../contract/sentinel.js';
import type { FetchLike } from '../pinned-fetch.js';

export interface TestReportDeps {
  applianceUrl: URL;
  agentId: string;
  fetch: FetchLike;
  /** the heartbeat probe's signer: null until a signed heartbeat gave the key */
  sign: (text: string) => Promise<string | null>;
}

/** Rejects when the appliance did not take the report (no key yet, unreachable, refused). */
export async function reportTestResults(deps: TestReportDeps, testId: string, channels: ChannelTestResult[]): Promise<void> {
  const unsigned = { agentId: deps.agentId, testId, channels };
  const mac = await deps.sign(testReportText(unsigned));
  if (!mac) throw new Error('no signed heartbeat yet: the key is not known');
  const body: TestReportBody = { ...unsigned, mac };
  const res = await deps.fetch(new URL(`${API_PREFIX}/sentinel/test-result`, deps.applianceUrl).href, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(10_000),
  });
  if (!res.ok) throw new Error(`the appliance answered HTTP ${res.status}: ${(await res.text()).slice(0, 200)}`);
  await res.arrayBuffer().catch(() => undefined);
}
