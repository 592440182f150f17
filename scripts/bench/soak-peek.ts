// S7, S12: the alert SMS of a soak still running (its checkpoint had held the chaos loop for 25
// minutes), judged as soak.ts judges them at its end: `--port`, `--token` (an admin API token made
// with `rackwatch token create` in the soak's mount namespace), the soak's timeline as JSON.
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Alert } from '../../contract/alerting.js';
import type { AlertDetail, HeldSmsResponse, NoiseReport, OutboxEntry } from '../../contract/alerts-api.js';
import { briefAlert, contactEntries, formatJudged, judgeSms, type SmsRecord, type SoakTimeline } from './soak-sms.js';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { port: { type: 'string' }, token: { type: 'string' }, timeline: { type: 'string' }, 'sim-log': { type: 'string' }, out: { type: 'string' }, from: { type: 'string' } } });
  const base = `http://127.0.0.1:${values.port ?? ''}/api/v1`;
  const get = async <T>(p: string): Promise<T> => {
    const res = await fetch(`${base}${p}`, { headers: { authorization: `Bearer ${values.token ?? ''}` } });
    if (!res.ok) throw new Error(`${p}: ${res.status}`);
    return (await res.json()) as T;
  };
  const timeline = JSON.parse(readFileSync(values.timeline ?? '', 'utf8')) as SoakTimeline;
  const pages: OutboxEntry[][] = [];
  let before: number | null = null;
  for (let i = 0; i < 100; i++) {
    const page = await get<OutboxEntry[]>(`/sms/outbox?limit=500${before !== null ? `&before=${before}` : ''}`);
    pages.push(page);
    if (page.length < 500) break;
    before = Math.min(...page.map((e) => e.id));
  }
  const simTexts = readFileSync(values['sim-log'] ?? '', 'utf8').split('\n').flatMap((l) => {
    try {
      const j = JSON.parse(l.slice(Math.max(0, l.lastIndexOf('{"type":')))) as { type: string; to: string; text: string };
      return j.type === 'submit' ? [j.text] : [];
    } catch {
      return [];
    }
  });
  const details = new Map<number, Alert>();
  const detail = async (id: number): Promise<Alert | undefined> => {
    // an alert the API no longer has (404) is left out of its SMS's record
    if (!details.has(id)) {
      const d = await get<AlertDetail>(`/alerts/${id}`).catch(() => null);
      if (d) details.set(id, d.alert);
    }
    return details.get(id);
  };
  const records: SmsRecord[] = [];
  for (const e of contactEntries(pages)) {
    const alerts = [];
    // a digest of thousands: the first 50 alerts stand for it (their rules and servers are printed)
    for (const id of e.alertIds.slice(0, 50)) {
      const a = await detail(id);
      if (a) alerts.push(briefAlert(a));
    }
    const head = e.text.slice(0, 60);
    records.push({ outboxId: e.id, createdAt: e.createdAt, kind: e.kind, state: e.state, text: `${e.text}${e.alertIds.length > 50 ? ` [${e.alertIds.length} alerts; judged on the first 50]` : ''}`, reachedModem: simTexts.some((t) => t.startsWith(head) || head.startsWith(t)), alerts });
  }
  const held = (await get<HeldSmsResponse>('/sms/held')).messages;
  if (held.length > 0) {
    const alerts = [];
    for (const id of [...new Set(held.map((h) => h.alertId))].slice(0, 50)) {
      const a = await detail(id);
      if (a) alerts.push(briefAlert(a));
    }
    records.push({ outboxId: 0, createdAt: Math.min(...held.map((h) => h.digestAt)), kind: 'digest (held at the end)', state: 'held', text: `${held.length} held: ${[...new Set(held.map((h) => `${h.kind} ${h.ruleName}`))].join(', ')}`, reachedModem: false, alerts });
  }
  const judged = judgeSms(records, timeline);
  const from = Number(values.from ?? timeline.applianceStarts[0] ?? 0);
  const noise = await get<NoiseReport>(`/alerts/noise?from=${from}&to=${Date.now() + 1}`);
  if (values.out) writeFileSync(values.out, JSON.stringify({ timeline, sms: judged, noise }, null, 2));
  process.stdout.write([...formatJudged(judged, from), '', `noise report: ${JSON.stringify({ smsPerContactDay: noise.smsPerContactDay, alertsPerRule: noise.alertsPerRule, flappiestRules: noise.flappiestRules })}`].join('\n') + '\n');
}

main().catch((e: unknown) => {
  process.stderr.write(`${String(e)}\n`);
  process.exit(1);
});
