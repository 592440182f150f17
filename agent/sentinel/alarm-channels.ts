// Sends a sentinel's alarm or recovery through one of its channels (S13, B4): a webhook (an HTTP
// SMS gateway, a chat hook: URL, method, headers, body template) or e-mail through an SMTP relay.
// Rejects with what went wrong; the watch retries.
import type { SentinelChannel, WebhookChannel } from '../../contract/sentinel.js';
import type { AlarmMessage } from './alarm-message.js';
import { sendMail } from './smtp-client.js';

const TIMEOUT_MS = 15_000;
const FIELDS = ['appliance', 'event', 'since', 'seen', 'message', 'sentinel', 'subject'] as const;

export async function sendThrough(channel: SentinelChannel, alarm: AlarmMessage): Promise<void> {
  if (channel.type === 'smtp') {
    await sendMail({ host: channel.host, port: channel.port ?? 25, from: channel.from, to: channel.to, subject: alarm.subject, text: alarm.message, timeoutMs: TIMEOUT_MS });
    return;
  }
  await sendWebhook(channel, alarm);
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
