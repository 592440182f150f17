// What the forwarding beyond the box has done since start (S19): /metrics exposes it, and
// GET /api/v1/federation shows it next to the settings.
export interface ForwardingStats {
  /** samples the remote-write endpoint accepted */
  samplesSent: number;
  /** samples dropped: the queue's bound reached (oldest first) or refused with a 4xx other than 429 */
  samplesDropped: number;
  /** requests that failed (network, 429, 5xx: retried; other 4xx: dropped) */
  requestsFailed: number;
  /** bytes of request bodies sent (snappy-compressed protobuf) */
  bytesSent: number;
  queuedSamples: number;
  queuedBytes: number;
  /** alert changes Alertmanager accepted, and posts that failed */
  alertsPosted: number;
  alertPostsFailed: number;
}

export function emptyForwardingStats(): ForwardingStats {
  return { samplesSent: 0, samplesDropped: 0, requestsFailed: 0, bytesSent: 0, queuedSamples: 0, queuedBytes: 0, alertsPosted: 0, alertPostsFailed: 0 };
}
