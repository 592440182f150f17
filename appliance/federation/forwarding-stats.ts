// What the forwarding beyond the box has done since start (S19): /metrics exposes it, and
// GET /api/v1/federation shows it next to the settings (the contract's FederationStatus).
import type { FederationStatus } from '../../contract/federation-api.js';

export type ForwardingStats = Omit<FederationStatus, 'lastError' | 'oldestQueuedAt'>;

export function emptyForwardingStats(): ForwardingStats {
  return { samplesSent: 0, samplesDropped: 0, requestsFailed: 0, bytesSent: 0, queuedSamples: 0, queuedBytes: 0, alertsPosted: 0, alertPostsFailed: 0 };
}
