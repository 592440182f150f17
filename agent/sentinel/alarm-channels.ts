// Sends a sentinel's alarm or recovery through one of its channels (S13, B4): a webhook (an HTTP
// SMS gateway, a chat hook: URL, method, headers, body template), e-mail through an SMTP relay,
// SMS through the sentinel's own modem, or a peer appliance's API. Rejects with what went wrong;
// the watch retries.
import type { PeerAlarmResponse, SentinelChannel, WebhookChannel } from '../../contract/sentinel.js';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import type { AlarmMessage } from './alarm-message.js';
import { sendSmsThroughModem } from './modem-channel.js';
import { reportToPeer } from './peer-channel.js';
import { sendMail } from './smtp-client.js';

const TIMEOUT_MS = 15_000;
/** a modem just plugged in needs its PIN, registration and PDU mode before the first SMS */
const MODEM_READY_MS = 60_000;
const FIELDS = ['appliance', 'event', 'since', 'seen', 'message', 'sentinel', 'subject'] as const;

export interface ChannelDeps {
  clock: Clock;
  log: Logger;
}

/** Sends through one channel; the peer channel answers whether this sentinel reported first, the others null. */
export async function sendThrough(channel: SentinelChannel, alarm: AlarmMessage, deps: ChannelDeps): Promise<PeerAlarmResponse | null> {
  switch (channel.type) {
    case 'smtp':
      await sendMail({ host: channel.host, port: channel.port ?? 25, from: channel.from, to: channel.to, subject: alarm.subject, text: alarm.message, timeoutMs: TIMEOUT_MS });
      return null;
    case 'webhook':
      await sendWebhook(channel, alarm);
      return null;
    case 'modem':
      await sendSmsThroughModem(channel, alarm.message, { clock: deps.clock, log: deps.log, readyTimeoutMs: MODEM_READY_MS });
      return null;
    case 'peer':
      return reportToPeer(channel, alarm, TIMEOUT_MS);
  }
}

/** The template with {{field}} replaced; JSON-escaped when the body is JSON. */
export function webhookBody(channel: WebhookChannel, alarm: AlarmMessage): { body: string; contentType: string } {
  const headerType = Object.entries(channel.headers ?? {}).find(([name]) => name.toLowerCase() === 'content-type')?.[1];
  if (channel.body === undefined) {
    const fields = Object.fromEntries(FIELDS.map((f) => [f, alarm[f]]));
    return { body: JSON.stringify(fields), contentType: headerType ?? 'application/json' };
  }
  const contentType = headerType ?? 'text/plain; charset=utf-8';
  const json = /json/i.test(contentType);
  const body = channel.body.replace(/\{\{(\w+)\}\}/g, (whole, name: string) => {
    if (!(FIELDS as readonly string[]).includes(name)) return whole;
    const value = alarm[name as (typeof FIELDS)[number]];
    return json ? JSON.stringify(value).slice(1, -1) : value;
  });
  return { body, contentType };
}

async function sendWebhook(channel: WebhookChannel, alarm: AlarmMessage): Promise<void> {
  const method = channel.method ?? 'POST';
  const headers = new Headers(channel.headers ?? {});
  let body: string | undefined;
  if (method !== 'GET') {
    const built = webhookBody(channel, alarm);
    body = built.body;
    headers.set('content-type', built.contentType);
  }
  const res = await fetch(channel.url, { method, headers, ...(body === undefined ? {} : { body }), signal: AbortSignal.timeout(TIMEOUT_MS) });
  await res.arrayBuffer().catch(() => undefined);
  if (!res.ok) throw new Error(`webhook ${channel.url} answered HTTP ${res.status}`);
}
