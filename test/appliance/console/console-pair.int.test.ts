// The technician's console and the standby pair (D5; S13, B4; docs/standby.md "Promotion"): two real
// appliances on loopback paired, the console on each in a real pseudo-terminal (tmux). The
// standby's status screen shows its role, the primary it hears and when, its copy's version and
// that it holds the SMS, and offers promotion; the primary's offers none. Promotion says what it
// does first; cancelled it changes nothing; confirmed it makes the standby the primary (the API
// says so) and is audited as the API's action, "pair.promoted", under the console user.
import { userInfo } from 'node:os';
import path from 'node:path';
import t from 'tap';
import type { AuditEntry } from '../../../contract/accounts-api.js';
import { isRwError } from '../../../contract/errors.js';
import type { PairStatus } from '../../../contract/pair.js';
import { LocalApiClient } from '../../../appliance/console/local-api-client.js';
import { consoleSocketPath } from '../../../appliance/console/local-api-server.js';
import { ROOT, startAppliance, waitFor, type RunningAppliance } from '../../helpers/appliance-harness.js';
import { pairUp } from '../../helpers/pair-helpers.js';
import { startInTmux } from '../../helpers/tmux-terminal.js';

const CONSOLE_BIN = path.join(ROOT, 'dist', 'console.js');
const VT100 = { TERM: 'vt100', LANG: 'en_US.UTF-8' };

/** matches the screen as one line: a long line wraps at the terminal's width. Keys are pressed only once
 * the menu asks ("◆ Choose": clack marks the open question ◆); typed before it shows, they are lost under load */
const flat = (re: RegExp) => (rows: string[]): boolean => re.test(rows.join(' ').replace(/\s+/g, ' '));

void t.test('the console shows the pair and promotes the standby', async (t) => {
  const [primary, standby] = await Promise.all([startAppliance(t), startAppliance(t)]);
  await pairUp(primary, 'primary', standby, 10);
  await pairUp(standby, 'standby', primary, 10);
  const heard = await waitFor('the standby hearing the primary', async () => {
    const s = await standby.api<PairStatus>('/api/v1/pair');
    return s.lastHeardAt !== null && s.copiedVersion !== null ? s : null;
  }, { timeoutMs: 30_000 });
  const open = (app: RunningAppliance) => startInTmux(t, [process.execPath, CONSOLE_BIN, '--data-dir', app.dataDir], { env: VT100 });

  await t.test("the primary's console shows its role and offers no promotion", async (t) => {
    const term = await open(primary);
    const rows = await term.waitFor('the status screen with the pair', flat(new RegExp(`Standby pair: primary, peer ${standby.url}.*config version \\d+.*◆ Choose`)));
    t.notMatch(rows.join('\n'), /Promote/, 'no promotion on a primary');
    // the local API refuses it too, naming why
    const refused = await new LocalApiClient(consoleSocketPath(primary.dataDir)).request('pair-promote', { user: 'tech' }).catch((e: unknown) => e);
    t.ok(isRwError(refused, 'RW_ERR_CONFLICT'), 'refused on a primary');
    t.match((refused as Error).message, /already the primary/);
    await term.keys('q');
  });

  await t.test("the standby's console shows what it hears and promotes it after saying what that does", async (t) => {
    const term = await open(standby);
    const rows = await term.waitFor('the status screen with the pair', flat(new RegExp(
      `Standby pair: standby, peer ${primary.url} primary last heard \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC config version \\d+ \\(primary's ${heard.copiedVersion}\\) · SMS held \\(the primary sends\\) ◆ Choose.*Promote this standby to primary`,
    )));
    t.ok(rows.every((r) => r.length <= 80), 'no row is wider than 80 columns');

    // cancelled: nothing changes
    await term.keys('o');
    await term.waitFor('the explanation', flat(/This appliance becomes the primary: from now on it sends the SMS and takes the configuration edits\..*makes itself the standby.*Old primary: .*◆ Choose.*Promote now/));
    await term.keys('b');
    await term.waitFor('nothing changed', flat(/Nothing changed\..*◆ Choose/));
    t.equal((await standby.api<PairStatus>('/api/v1/pair')).role, 'standby', 'still the standby');
    await term.keys('b');
    await term.waitFor('the status screen again', flat(/◆ Choose.*Promote this standby to primary/));

    // confirmed: the standby is the primary
    await term.keys('o');
    await term.waitFor('the explanation', flat(/◆ Choose.*Promote now/));
    await term.keys('y');
    await term.waitFor('promoted', flat(/This appliance is now the primary\. The old primary makes itself the standby when it returns and hears this one\. Standby pair: primary/));
    const after = await standby.api<PairStatus>('/api/v1/pair');
    t.equal(after.role, 'primary', 'the API says it is the primary');
    t.equal(after.holdingSms, false, 'it holds no SMS');
    const audit = await standby.api<{ entries: AuditEntry[] }>('/api/v1/audit?action=pair.promoted');
    t.equal(audit.entries.length, 1, 'one audit entry');
    t.match(audit.entries[0], { actor: 'console', action: 'pair.promoted', before: { role: 'standby' }, after: { role: 'primary', by: `${userInfo().username}@console` } }, 'audited as the API action, under the console user');

    await term.keys('b');
    // the promotion's own screen also says "Standby pair: primary": wait until it has gone
    const status = await term.waitFor('the status screen as a primary', (rows) => flat(/Standby pair: primary.*◆ Choose/)(rows) && !rows.join(' ').includes('is now the primary'));
    t.notMatch(status.join('\n'), /Promote/, 'no promotion once primary');
  });
});
