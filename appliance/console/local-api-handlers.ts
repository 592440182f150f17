// What each operation of the console's local API does (D5), on the services the appliance already
// has: health, the agent registry, the alert engine (acknowledge, as the SMS ACK does), the SMS
// outbox (a test message, as POST /sms/test does), the modem, the accounts service (password reset,
// as `rackwatch password reset` does), the setup code and the standby pair (its status, and promotion
// through the same PairService as POST /api/v1/pair/promote, S13, B4). Every change is written to the audit log
// with the actor "console" (SEC); reads are not, as GETs over HTTP are not.
import { randomBytes } from 'node:crypto';
import type { Alert } from '../../contract/alerting.js';
import type { ModemResponse } from '../../contract/alerts-api.js';
import type { AgentSummary, HealthResponse } from '../../contract/api.js';
import { MAX_CONSOLE_SMS_CHARS, type ConsoleOp, type ConsoleOps } from '../../contract/console-api.js';
import { RwError } from '../../contract/errors.js';
import type { Clock } from '../../core/clock.js';
import type { AccountRepository } from '../accounts/account-repository.js';
import type { AccountsService } from '../accounts/accounts-service.js';
import type { AuditEntryInput } from '../accounts/audit-log.js';
import { randomPassword } from '../accounts/cli.js';
import { readSetupCode } from '../accounts/setup-code.js';
import type { AlertEngine } from '../alerting/alert-engine.js';
import type { SmsOutbox } from '../alerting/outbox/sms-outbox.js';
import type { PairService } from '../pair/pair-service.js';
import { normalizePhone } from '../alerting/policy/notification-policy.js';
import type { ConsoleHandler } from './local-api-server.js';

export const CONSOLE_ACTOR = 'console';
const AUDIT_ADDRESS = 'local socket';
/** a login name as the console sends it: letters, digits and . _ - (RES) */
const USER_NAME = /^[A-Za-z0-9._-]{1,32}$/;

export interface LocalApiDeps {
  dataDir: string;
  clock: Clock;
  health: () => HealthResponse;
  agents: () => AgentSummary[];
  engine: Pick<AlertEngine, 'acknowledge' | 'openAlerts'>;
  outbox: Pick<SmsOutbox, 'enqueue' | 'list'>;
  modem: () => ModemResponse;
  accounts: { repo: Pick<AccountRepository, 'userByName'>; service: Pick<AccountsService, 'resetPassword'> };
  audit: (entry: AuditEntryInput) => void;
  pair: Pick<PairService, 'status' | 'promote'>;
}

function newestFirst(alerts: Alert[]): Alert[] {
  return [...alerts].sort((a, b) => b.startedAt - a.startedAt || b.id - a.id);
}

function stringArg(args: Record<string, unknown>, name: string): string {
  const v = args[name];
  if (typeof v !== 'string' || v.trim() === '') throw new RwError('RW_ERR_VALIDATION', `${name}: must be a non-empty string`);
  return v;
}

type Handlers = { [K in ConsoleOp]: (args: Record<string, unknown>) => ConsoleOps[K]['result'] | Promise<ConsoleOps[K]['result']> };

export function localApiHandlers(deps: LocalApiDeps): Record<ConsoleOp, ConsoleHandler> {
  const audit = (action: string, target: string | null, after: unknown, before?: unknown): void => {
    deps.audit({ actor: CONSOLE_ACTOR, address: AUDIT_ADDRESS, action, target, after, ...(before === undefined ? {} : { before }) });
  };
  const consoleUser = (args: Record<string, unknown>): string => {
    const user = stringArg(args, 'user');
    if (!USER_NAME.test(user)) throw new RwError('RW_ERR_VALIDATION', 'user: letters, digits, ".", "_" or "-", at most 32');
    return user;
  };
  const handlers: Handlers = {
    status: () => ({ health: deps.health(), agents: deps.agents(), alerts: newestFirst(deps.engine.openAlerts()), nowMs: deps.clock.now(), pair: deps.pair.status() }),
    alerts: () => newestFirst(deps.engine.openAlerts()),
    ack: (args) => {
      const alertId = args.alertId;
      if (typeof alertId !== 'number' || !Number.isSafeInteger(alertId) || alertId <= 0) throw new RwError('RW_ERR_VALIDATION', 'alertId: must be a positive integer');
      const user = consoleUser(args);
      // recorded under the console's login, as an SMS ACK is under the contact's name
      const result = deps.engine.acknowledge(alertId, `${user}@console`);
      if (!result.ok) {
        const why = result.reason === 'not-open' ? 'it is resolved or does not exist' : result.reason === 'not-firing' ? 'it is pending (not firing yet)' : 'it is already acknowledged';
        throw new RwError('RW_ERR_CONFLICT', `alert ${alertId} cannot be acknowledged: ${why}`);
      }
      audit('alert.acknowledged', String(alertId), { by: `${user}@console`, state: result.alert.state });
      return result.alert;
    },
    modem: () => ({ modem: deps.modem(), queue: deps.outbox.list({ states: ['queued', 'sending'], limit: 20 }) }),
    'sms-test': (args) => {
      const raw = stringArg(args, 'to');
      const to = normalizePhone(raw);
      if (!to) throw new RwError('RW_ERR_VALIDATION', `to: ${raw} is not a phone number (write +82 10 1234 5678 or 010-1234-5678)`);
      const text = stringArg(args, 'text');
      if ([...text].length > MAX_CONSOLE_SMS_CHARS) throw new RwError('RW_ERR_VALIDATION', `text: at most ${MAX_CONSOLE_SMS_CHARS} characters`);
      const { entry } = deps.outbox.enqueue({ to, text, kind: 'test', dedupeKey: `test:${deps.clock.now()}:${randomBytes(4).toString('hex')}` });
      audit('sms.test', to, { id: entry.id, text });
      return entry;
    },
    'password-reset': async (args) => {
      const username = stringArg(args, 'username');
      const user = deps.accounts.repo.userByName(username);
      if (!user) throw new RwError('RW_ERR_NOT_FOUND', `no user named "${username}"`);
      const password = randomPassword();
      // the service writes its own entry (user.password_reset); this one says it came from the console
      await deps.accounts.service.resetPassword({ user: null, address: CONSOLE_ACTOR }, user.id, password);
      audit('console.password_reset', user.username, null);
      return { username: user.username, password };
    },
    'setup-code': () => {
      const code = readSetupCode(deps.dataDir);
      // reading a secret is audited too: who saw the first admin's code
      audit('console.setup_code_shown', null, { exists: code !== null });
      return { code };
    },
    'pair-promote': (args) => {
      const by = `${consoleUser(args)}@console`;
      const before = deps.pair.status();
      // the console offers it to a standby only; a primary or a lone appliance has nothing to promote
      if (before.role !== 'standby') throw new RwError('RW_ERR_CONFLICT', before.role === null ? 'this appliance is in no pair' : 'this appliance is already the primary');
      const after = deps.pair.promote(by);
      // the same action as the API's, under the console's login as an ACK from the console is
      audit('pair.promoted', null, { ...after, by }, before);
      return after;
    },
  };
  return handlers;
}
