// A sentinel's peer channel (S13, B4): the alarm POSTed to a peer appliance's
// POST /api/v1/sentinel/alarm with one of the peer's API tokens. The peer texts its own contacts
// through its own outbox and answers whether this sentinel was the first to report the outage;
// that answer is how several sentinels agree on one alarm per contact (sentinel-watch.ts).
// With a `pin`, the peer's HTTPS is trusted by that key alone (its certificate is self-signed),
// compared before the token is written (pinned-fetch.ts): a wrong key gets no token.
import { API_PREFIX } from '../../contract/api.js';
import type { PeerAlarm, PeerAlarmResponse, PeerChannel } from '../../contract/sentinel.js';
import { pinnedFetch, type FetchLike } from '../pinned-fetch.js';
import type { AlarmMessage } from './alarm-message.js';

const plainFetch: FetchLike = (url, init) => fetch(url, init);

/** The peer's answer; rejects when it did not take the report (unreachable, 401, 5xx). */
export async function reportToPeer(channel: PeerChannel, alarm: AlarmMessage, timeoutMs: number): Promise<PeerAlarmResponse> {
  const body: PeerAlarm = { event: alarm.event, appliance: alarm.appliance, sentinel: alarm.sentinel, since: alarm.since, seen: alarm.seen.slice(0, 1024) };
  const fetchLike = channel.pin ? pinnedFetch(channel.pin) : plainFetch;
  const res = await fetchLike(new URL(`${API_PREFIX}/sentinel/alarm`, channel.url).href, {
    method: 'POST',
    headers: { authorization: `Bearer ${channel.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  }).catch((error: unknown) => {
    // fetch says only "fetch failed": the reason (a certificate no CA signed, a refused connection) is its cause
    const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
    throw new Error(`peer ${channel.url}: ${error instanceof Error ? error.message : String(error)}${cause}`, { cause: error });
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`peer ${channel.url} answered HTTP ${res.status}: ${text.slice(0, 200)}`);
  const answer = JSON.parse(text) as Partial<PeerAlarmResponse>;
  return { first: answer.first === true, firstBy: typeof answer.firstBy === 'string' ? answer.firstBy : null };
}
