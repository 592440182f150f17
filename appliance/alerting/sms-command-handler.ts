// Incoming SMS commands (S12): a registered contact texts `ACK <id>`, `STATUS` or
// `MUTE <server> <minutes>` (parsed by policy/sms-commands.ts) and gets a one-SMS answer in their
// language, queued to the SMS outbox. Anything else gets the help text at most once an hour per
// contact, so an auto-responder never ping-pongs with the appliance; an SMS from a number no
// contact has is logged and ignored. Acknowledgements go to the AlertEngine, mutes to AlertAdmin.
import type { AgentSummary } from '../../contract/api.js';
import type { Contact } from '../../contract/alerting.js';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import type { AlertAdmin } from './alert-admin.js';
import type { AgentDirectory, AlertEngine } from './alert-engine.js';
import { formatHhMm } from './policy/local-time.js';
import { commandReplyText, parseSmsCommand, type CommandReply } from './policy/sms-commands.js';
import { shortHostName, statusSummaryMessage } from './policy/sms-templates.js';
import { sameNumber, type SmsOutbox } from './outbox/sms-outbox.js';

export interface SmsCommandHandlerDeps {
  engine: AlertEngine;
  admin: AlertAdmin;
  agents: AgentDirectory;
  outbox: SmsOutbox;
  clock: Clock;
  logger: Logger;
}

export interface IncomingSmsMessage {
  from: string;
  text: string;
  receivedAt: number;
}

const HELP_REPLY_INTERVAL_MS = 3_600_000;

export class SmsCommandHandler {
  private readonly lastHelpReply = new Map<string, number>();
  private replySeq = 0;

  constructor(private readonly deps: SmsCommandHandlerDeps) {}

  /** An SMS from the modem: commands from registered contacts; anything else is logged and ignored. */
  handleIncomingSms(sms: IncomingSmsMessage): void {
    const { engine, admin, clock, logger } = this.deps;
    const contact = engine.contacts().find((c) => sameNumber(c.phone, sms.from));
    if (!contact) {
      logger.warn('ignored an SMS from an unknown number', { from: sms.from, text: sms.text.slice(0, 40) });
      return;
    }
    const command = parseSmsCommand(sms.text);
    const now = clock.now();
    logger.info('SMS command', { from: contact.id, text: sms.text.slice(0, 40), command: command?.kind ?? null });
    if (!command) {
      const last = this.lastHelpReply.get(contact.id);
      if (last !== undefined && now - last < HELP_REPLY_INTERVAL_MS) return; // never ping-pong with an auto-responder
      this.lastHelpReply.set(contact.id, now);
      this.reply(contact, { kind: 'help' }, []);
      return;
    }
    switch (command.kind) {
      case 'ack': {
        // recorded under the contact's name, as a web user's acknowledgement is under theirs
        const result = engine.acknowledge(command.alertId, contact.name);
        const ackedBy = !result.ok && result.reason === 'already-acknowledged' ? engine.openAlerts().find((a) => a.id === command.alertId)?.ackedBy : undefined;
        this.reply(contact, result.ok ? { kind: 'acked', alertId: command.alertId }
          : { kind: 'ack-failed', alertId: command.alertId, reason: result.reason, ...(ackedBy !== undefined ? { by: ackedBy } : {}) }, [command.alertId]);
        break;
      }
      case 'status':
        this.sendReply(contact, statusSummaryMessage(engine.statusSummary(), { language: contact.language, timeZone: engine.timeZone }, now), [], 'status');
        break;
      case 'mute': {
        const agent = this.findServer(command.server);
        if (!agent) {
          this.reply(contact, { kind: 'unknown-server', server: command.server }, []);
          break;
        }
        const mute = admin.mute(agent.id, command.minutes, contact.name);
        this.reply(contact, { kind: 'muted', server: shortHostName(agent.hostname), minutes: command.minutes, untilHhMm: formatHhMm(mute.untilMs, engine.timeZone) }, []);
        break;
      }
    }
  }

  /** By id, then host name, then short host name (`web-01` for web-01.example.com); names ignore case. */
  private findServer(name: string): AgentSummary | undefined {
    const wanted = name.toLowerCase();
    const agents = this.deps.agents.list();
    return (
      agents.find((a) => a.id === name) ??
      agents.find((a) => a.hostname.toLowerCase() === wanted) ??
      agents.find((a) => shortHostName(a.hostname).toLowerCase() === wanted)
    );
  }

  private reply(contact: Contact, reply: CommandReply, alertIds: number[]): void {
    this.sendReply(contact, commandReplyText(reply, contact.language), alertIds, reply.kind);
  }

  private sendReply(contact: Contact, text: string, alertIds: number[], what: string): void {
    if (!this.deps.outbox.enabled) return;
    try {
      this.deps.outbox.enqueue({
        to: contact.phone, text, kind: 'reply', contactId: contact.id, alertIds,
        dedupeKey: `reply:${contact.id}:${what}:${this.deps.clock.now()}:${++this.replySeq}`,
      });
    } catch (e) {
      this.deps.logger.error('could not queue an SMS reply', { err: e, to: contact.id });
    }
  }
}
