// An interval as the `weblog` family's sample (S11; contract/families.ts): rates per second over
// the agent's interval, latency percentiles in ms (left out when the format has none: a gap, not
// 0), distinct visitors. The sample's time is the interval's end: an RRD GAUGE value covers the
// step that ends at its timestamp. Pure.
import type { Sample } from '../../contract/metrics.js';
import type { WeblogInterval } from '../../contract/weblog.js';

export function weblogSample(interval: WeblogInterval): Sample {
  const per = (n: number): number => n / interval.i;
  // classes: index 0 = 1xx … 4 = 5xx; 1xx has no field (informational, never a load)
  const [, c2, c3, c4, c5] = interval.classes;
  const v: Record<string, number> = {
    requests: per(interval.requests), bytes: per(interval.bytes),
    s2xx: per(c2), s3xx: per(c3), s4xx: per(c4), s5xx: per(c5),
    visitors: interval.visitors, malformed: per(interval.malformed),
  };
  if (interval.latency) {
    v.p50_ms = interval.latency.p50;
    v.p95_ms = interval.latency.p95;
    v.p99_ms = interval.latency.p99;
  }
  return { t: interval.t + interval.i, f: 'weblog', k: interval.source, v };
}

/**
 * What the alert rules see for a source whose intervals stopped arriving: no requests. Only that
 * field, so that a "requests/s drop to zero" rule fires while the other rules (a 5xx rate, p95
 * latency) neither recover nor fire on values nobody measured. Never written to RRD.
 */
export function silentWeblogSample(sourceId: string, tS: number): Sample {
  return { t: tS, f: 'weblog', k: sourceId, v: { requests: 0 } };
}
