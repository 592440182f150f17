// What a sentinel's alarm and recovery say (S13, B4), in Korean and English: which appliance,
// since when, and what the sentinel saw. One text for every channel: the webhook's template
// fields, the mail's subject and body.
export interface AlarmMessage {
  event: 'alarm' | 'recovery' | 'test';
  appliance: string;
  /** the sentinel's host name */
  sentinel: string;
  /** when the appliance was last seen alive (ISO 8601) */
  since: string;
  /** what the sentinel saw */
  seen: string;
  subject: string;
  message: string;
}

function local(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}

export function alarmMessage(o: { appliance: string; sentinel: string; sinceMs: number; seen: string }): AlarmMessage {
  const subject = `[rackwatch] 관제 장비 ${o.appliance} 응답 없음 / appliance not answering`;
  const message = `관제 장비 ${o.appliance} 가 ${local(o.sinceMs)} 부터 응답하지 않습니다 (감시 서버 ${o.sentinel}). `
    + `Appliance ${o.appliance} has not answered since ${local(o.sinceMs)}, seen from sentinel ${o.sentinel}: ${o.seen}`;
  return { event: 'alarm', appliance: o.appliance, sentinel: o.sentinel, since: new Date(o.sinceMs).toISOString(), seen: o.seen, subject, message };
}

export function recoveryMessage(o: { appliance: string; sentinel: string; sinceMs: number; nowMs: number }): AlarmMessage {
  const minutes = Math.max(1, Math.round((o.nowMs - o.sinceMs) / 60_000));
  const seen = `signed heartbeat answered at ${local(o.nowMs)}`;
  const subject = `[rackwatch] 관제 장비 ${o.appliance} 복구 / appliance answers again`;
  const message = `관제 장비 ${o.appliance} 가 다시 응답합니다 (${local(o.sinceMs)} 부터 약 ${minutes}분 중단, 감시 서버 ${o.sentinel}). `
    + `Appliance ${o.appliance} answers again at ${local(o.nowMs)}, after about ${minutes} min without answer since ${local(o.sinceMs)} (sentinel ${o.sentinel}).`;
  return { event: 'recovery', appliance: o.appliance, sentinel: o.sentinel, since: new Date(o.sinceMs).toISOString(), seen, subject, message };
}

/** "Send a test alarm through every channel" (the Redundancy screen): says plainly that it is a test. */
export function testMessage(o: { appliance: string; sentinel: string; nowMs: number }): AlarmMessage {
  const subject = `[rackwatch] 시험 경보 / test alarm: ${o.appliance}`;
  const message = `시험 경보입니다: 감시 서버 ${o.sentinel} 가 관제 장비 ${o.appliance} 의 경보 채널을 시험합니다 (${local(o.nowMs)}). `
    + `This is a test: sentinel ${o.sentinel} tests its alarm channels for appliance ${o.appliance} (${local(o.nowMs)}).`;
  return { event: 'test', appliance: o.appliance, sentinel: o.sentinel, since: new Date(o.nowMs).toISOString(), seen: 'test requested on the Redundancy screen', subject, message };
}
