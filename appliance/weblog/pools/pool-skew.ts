// The pool's skew rule (B6), as a pure function of its members' traffic over a window: a member's
// share of the pool's requests against its expected share (its weight over the members' sum;
// equal weights by default), and its 5xx rate against the pool's median. A member is flagged
// when its share departs from the expected one by more than `shareTolerancePct` points, or its
// error rate is at least `errorRatioFactor` times the median of the members' error rates (and at
// least ERROR_RATE_FLOOR: a pool whose median is 0 would otherwise flag a single 5xx). The
// monitor (pool-skew-monitor.ts) adds the duration: the flag must hold `skewMinutes` to alert.
import type { WeblogPoolDefinition, WeblogPoolMember } from '../../../contract/weblog-api.js';
import type { MemberTraffic } from './pool-traffic.js';
import type { PoolMemberRow } from './pool-repository.js';

/** an error rate below 1 % is never a skew, whatever the median */
export const ERROR_RATE_FLOOR = 0.01;

export type SkewRule = Pick<WeblogPoolDefinition, 'shareTolerancePct' | 'errorRatioFactor'>;

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

const pct = (x: number): string => `${Math.round(x * 100)} %`;

/** Each member with its shares and, when flagged, why. `traffic` is in the order of `members`. */
export function poolMembers(members: readonly PoolMemberRow[], traffic: readonly MemberTraffic[], rule: SkewRule): WeblogPoolMember[] {
  const weights = members.reduce((sum, m) => sum + m.weight, 0);
  // a member that sends nothing while the others do takes no share: that is a skew too
  const total = traffic.reduce((sum, tr) => sum + (tr.requestsPerS ?? 0), 0);
  const errorMedian = median(traffic.flatMap((tr) => (tr.errorRate === null ? [] : [tr.errorRate])));
  return members.map((m, i) => {
    const tr = traffic[i] ?? { requestsPerS: null, errorRate: null, p95Ms: null };
    const expectedShare = weights > 0 ? m.weight / weights : 0;
    const share = total > 0 ? (tr.requestsPerS ?? 0) / total : null;
    return {
      sourceId: m.sourceId, agentId: m.agentId, host: m.host, weight: m.weight, expectedShare, share,
      requestsPerS: tr.requestsPerS, errorRate: tr.errorRate, p95Ms: tr.p95Ms,
      skew: skewReason(share, expectedShare, tr.errorRate, errorMedian, rule),
    };
  });
}

function skewReason(share: number | null, expected: number, errorRate: number | null, errorMedian: number | null, rule: SkewRule): string | null {
  if (share !== null && Math.abs(share - expected) * 100 > rule.shareTolerancePct) return `share ${pct(share)} against ${pct(expected)} expected`;
  if (errorRate === null || errorMedian === null || errorRate < ERROR_RATE_FLOOR) return null;
  if (errorMedian === 0) return `error rate ${pct(errorRate)} where the pool's median is 0 %`;
  const ratio = errorRate / errorMedian;
  return ratio >= rule.errorRatioFactor ? `error rate ${ratio.toFixed(1)}× the pool's median` : null;
}
