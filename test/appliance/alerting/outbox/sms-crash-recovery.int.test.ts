// S12 "nothing is lost when the appliance restarts": the appliance is SIGKILLed while the modem
// holds the +CMGS result of a send (a simulator fault); after the restart the message is sent
// again: at least once, at most one duplicate. What the simulated modem received is read from
// <data-dir>/modem-sim.log, written by both processes.
import { readdirSync, readFileSync } from 'node:fs';
import t from 'tap';
import type { OutboxEntry } from '../../../../contract/alerts-api.js';
import { startAppliance, waitFor } from '../../../helpers/appliance-harness.js';
import { simLogFile, waitForModemReady } from '../../../helpers/alerting-helpers.js';
import { tempDir } from '../../../helpers/temp-dir.js';

const TO = '+821077778888';

/**
 * The SIGKILLed appliance could not stop the simulator's socat (its child), which keeps running
 * under init. Ends that one process, found by the pty link the appliance logged.
 */
function killOrphanedSocat(applianceOutput: string): void {
  const link = /modem simulator started \(--modem sim\) \{"path":"([^"]+)"\}/.exec(applianceOutput)?.[1];
  if (!link) return;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (cmdline.startsWith('socat\0') && cmdline.includes(`link=${link}\0`)) process.kill(Number(pid), 'SIGTERM');
  }
}
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
  killOrphanedSocat(first.output());
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
