// S12 "nothing is lost when the appliance restarts": the appliance is SIGKILLed while the modem
// holds the +CMGS result of a send (a simulator fault); after the restart the message is sent
// again: at least once, at most one duplicate. A long message resumes at the part that was in
// flight (RES). What the simulated modem received is read from
// <data-dir>/modem-sim.log, written by both processes.
import t from 'tap';
import type { OutboxEntry, SimLogLine } from '../../../../contract/alerts-api.js';
import { startAppliance, waitFor } from '../../../helpers/appliance-harness.js';
import { simLogFile, waitForModemReady } from '../../../helpers/alerting-helpers.js';
import { tempDir } from '../../../helpers/temp-dir.js';

const TO = '+821077778888';

const TEXT = 'rackwatch: this SMS survives a SIGKILL mid-send';

void t.test('a message being sent when the appliance is SIGKILLed is sent again after the restart, at most once more', async (t) => {
  const dataDir = tempDir(t, 'rw-crash-');
  const first = await startAppliance(t, { dataDir, args: ['--modem', 'sim'] });
  await waitForModemReady(first);
  await first.api('/api/v1/modem/sim-fault', { kind: 'slowSend', ms: 60_000 });
  const entry = await first.api<OutboxEntry>('/api/v1/sms/test', { to: '010-7777-8888', text: TEXT });
  const bootOf = (): number | undefined => simLogFile(dataDir).find((l) => l.type === 'command' && l.line.startsWith('AT+CMGS='))?.boot;
  const firstBoot = await waitFor('AT+CMGS at the simulator', bootOf);
  await waitFor('the outbox entry to be sending', async () => (await first.api<OutboxEntry[]>('/api/v1/sms/outbox')).find((e) => e.id === entry.id)?.state === 'sending');
  await first.kill();
  t.equal((await first.exited).signal, 'SIGKILL');
  t.same(simLogFile(dataDir).filter((l) => l.type === 'submit'), [], 'the first process never got the +CMGS result');

  const second = await startAppliance(t, { dataDir, args: ['--modem', 'sim'] });
  const submits = await waitFor('the message at the simulator after the restart', () => {
    const found = simLogFile(dataDir).filter((l) => l.type === 'submit' && l.to === TO);
    return found.length > 0 ? found : undefined;
  }, { timeoutMs: 30_000 });
  t.ok(submits.every((s) => s.boot !== firstBoot), 'sent by the restarted process');
  t.equal(submits.map((s) => s.type === 'submit' ? s.text : '').join(''), TEXT);
  t.match(second.output(), /resending an SMS that was being sent when the process stopped/);
  const after = await waitFor('the entry to be sent', async () => {
    const e = (await second.api<OutboxEntry[]>('/api/v1/sms/outbox')).find((x) => x.id === entry.id);
    return e && (e.state === 'sent' || e.state === 'delivered') ? e : undefined;
  });
  t.equal(after.attempts, 2);
  t.equal((await second.api<OutboxEntry[]>('/api/v1/sms/outbox')).length, 1, 'one outbox entry');
  // give a stray duplicate time to show up, then count what the handset got in total
  await new Promise((r) => setTimeout(r, 2_000));
  const total = simLogFile(dataDir).filter((l) => l.type === 'submit' && l.to === TO).length;
  t.ok(total >= 1 && total <= 2, `received ${total} time(s): never lost, at most one duplicate`);
});

const KOREAN_5_PARTS = '서버 경보: web-01의 디스크 사용률이 95%를 넘었습니다. 즉시 확인하세요. '.repeat(9).slice(0, 330);

void t.test('a 5-part message interrupted by a SIGKILL at part 3 resumes there after the restart, with the same reference (RES)', async (t) => {
  const dataDir = tempDir(t, 'rw-crash-resume-');
  const first = await startAppliance(t, { dataDir, args: ['--modem', 'sim'] });
  await waitForModemReady(first);
  // parts 1 and 2 go through; the modem holds the answer to part 3
  await first.api('/api/v1/modem/sim-fault', { kind: 'slowSend', ms: 60_000, nth: 3 });
  const entry = await first.api<OutboxEntry>('/api/v1/sms/test', { to: '010-7777-8888', text: KOREAN_5_PARTS });
  const submits = (): Extract<SimLogLine, { type: 'submit' }>[] => simLogFile(dataDir).flatMap((l) => (l.type === 'submit' && l.to === TO ? [l] : []));
  await waitFor('parts 1–2 accepted and part 3 written', () => submits().length === 2 && simLogFile(dataDir).filter((l) => l.type === 'command' && l.line.startsWith('AT+CMGS=')).length === 3);
  await waitFor('part 2 committed', async () => (await first.api<OutboxEntry[]>('/api/v1/sms/outbox')).find((e) => e.id === entry.id)?.parts.length === 2);
  await first.kill();

  const second = await startAppliance(t, { dataDir, args: ['--modem', 'sim'] });
  const after = await waitFor('the entry to be sent', async () => {
    const e = (await second.api<OutboxEntry[]>('/api/v1/sms/outbox')).find((x) => x.id === entry.id);
    return e && (e.state === 'sent' || e.state === 'delivered') ? e : undefined;
  }, { timeoutMs: 30_000 });
  t.equal(after.attempts, 2);
  t.equal(after.parts.length, 5);
  // the simulator writes its log every 50 ms, so the last part's line can follow the outbox's
  // "sent"; parts go out in order, so once part 5 is there every part before it is too
  const all = await waitFor('part 5 in the simulator\'s log', () => (submits().some((s) => s.concat?.seq === 5) ? submits() : undefined));
  t.same(all.map((s) => s.concat?.seq), [1, 2, 3, 4, 5], 'each part reached the network once: the restart resumed at part 3');
  t.same(new Set(all.map((s) => s.concat?.ref)), new Set([entry.concatRef]), 'one reference across both processes');
  t.equal(all.map((s) => s.text).join(''), KOREAN_5_PARTS, 'the handset joins them into the exact text');
});
