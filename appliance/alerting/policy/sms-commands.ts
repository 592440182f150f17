// Two-way SMS (S12), pure: what a registered contact may text the appliance, and the short
// answers it texts back, in the contact's language. `ACK <id>` and `STATUS` are parsed by
// sms-templates.ts parseReply; this adds `MUTE <server> <minutes>` and the replies. Every reply
// fits one SMS.
import type { AckFailure } from '../rules/alert-lifecycle.js';
import { parseReply } from './sms-templates.js';
import type { Language } from '../../../contract/alerting.js';

export type SmsCommand =
  | { kind: 'ack'; alertId: number }
  | { kind: 'status' }
  | { kind: 'mute'; server: string; minutes: number };

/** Longest mute an SMS may ask for: one week. */
export const MAX_MUTE_MINUTES = 7 * 24 * 60;

/** `ACK 12`, `STATUS`, `MUTE web-01 30` (also `음소거 web-01 30`); null for anything else. */
export function parseSmsCommand(text: string): SmsCommand | null {
  const reply = parseReply(text);
  if (reply) return reply;
  const mute = /^(?:mute|음소거)\s+(\S+)\s+(\d{1,6})\s*(?:m|min|분)?$/iu.exec(text.normalize('NFC').trim());
  if (mute?.[1] && mute[2]) {
    const minutes = Number(mute[2]);
    if (minutes >= 1) return { kind: 'mute', server: mute[1], minutes: Math.min(minutes, MAX_MUTE_MINUTES) };
  }
  return null;
}

export type CommandReply =
  | { kind: 'acked'; alertId: number }
  | { kind: 'ack-failed'; alertId: number; reason: AckFailure; /** who acknowledged it first */ by?: string }
  | { kind: 'muted'; server: string; minutes: number; untilHhMm: string }
  | { kind: 'unknown-server'; server: string }
  | { kind: 'help' };

const TEXT: Record<Language, (r: CommandReply) => string> = {
  en: (r) => {
    switch (r.kind) {
      case 'acked':
        return `[rackwatch] #${r.alertId} acknowledged: escalation stopped`;
      case 'ack-failed':
        return `[rackwatch] #${r.alertId} not acknowledged: ${r.reason === 'not-open' ? 'no such open alert' : r.reason === 'not-firing' ? 'not firing yet' : `already acknowledged${r.by !== undefined ? ` by ${r.by}` : ''}`}`;
      case 'muted':
        return `[rackwatch] ${r.server} muted for ${r.minutes} min (until ${r.untilHhMm})`;
      case 'unknown-server':
        return `[rackwatch] no server named ${r.server}`;
      case 'help':
        return '[rackwatch] reply ACK <id>, STATUS or MUTE <server> <minutes>';
    }
  },
  ko: (r) => {
    switch (r.kind) {
      case 'acked':
        return `[rackwatch] #${r.alertId} 확인됨: 에스컬레이션 중지`;
      case 'ack-failed':
        return `[rackwatch] #${r.alertId} 확인 실패: ${r.reason === 'not-open' ? '열린 경보 없음' : r.reason === 'not-firing' ? '아직 발생 전' : `이미 확인됨${r.by !== undefined ? ` (${r.by})` : ''}`}`;
      case 'muted':
        return `[rackwatch] ${r.server} ${r.minutes}분 음소거 (${r.untilHhMm}까지)`;
      case 'unknown-server':
        return `[rackwatch] 서버 ${r.server} 없음`;
      case 'help':
        return '[rackwatch] ACK <번호>, STATUS 또는 MUTE <서버> <분> 회신';
    }
  },
};

export function commandReplyText(reply: CommandReply, language: Language): string {
  return TEXT[language](reply);
}
