// The console's screens (D5): status, network, modem, alarms, accounts, clock, log, factory reset,
// each reached by one key from the menu, in Korean or English; on the standby of a pair, its
// promotion to primary (S13, B4). The appliance is asked over its
// local socket; when it does not answer, the header says so and the menu keeps only what works
// without it (network, log, clock, factory reset).
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { hostname, networkInterfaces, userInfo } from 'node:os';
import path from 'node:path';
import type { Alert } from '../../contract/alerting.js';
import type { PairStatus } from '../../contract/pair.js';
import type { ConsoleOp, ConsoleOps } from '../../contract/console-api.js';
import { isRwError } from '../../contract/errors.js';
import type { BoardRequests } from './board-requests.js';
import { renderResetRequest, type RequestStatus } from './console-requests.js';
import type { LocalApiClient } from './local-api-client.js';
import { checkStatic, describeSettings } from './network-settings.js';
import type { NetworkStore, PendingChange } from './network-store.js';
import { text, type Lang, type TextKey } from './console-text.js';
import { bodyRows, type ConsoleUi, type MenuOption } from './console-ui.js';
import type { ClockHealth } from '../../contract/api.js';
import { readClockSync, type ClockSyncReading } from '../health/clock-sync.js';
import { isBehind } from '../health/clock-status.js';
import { readLastKnownTime } from '../health/last-known-time.js';

type MenuKey = 's' | 'n' | 'm' | 'a' | 'p' | 'o' | 'c' | 'l' | 'r' | 'k' | 'q';
/** the screens that need the appliance */
const NEEDS_APPLIANCE: ReadonlySet<MenuKey> = new Set(['m', 'a', 'p', 'o']);
/** RES: the log screen reads at most this much of the end of a log file */
const MAX_LOG_BYTES = 64 * 1024;

export interface ConsoleAppDeps {
  ui: ConsoleUi;
  api: Pick<LocalApiClient, 'request'>;
  network: NetworkStore;
  dataDir: string;
  iface: string;
  lang: Lang;
  logFile?: string;
  /** argv of the log command (the board's: journalctl) */
  logCommand: string[];
  resetCommand?: string;
  /** on the board: network changes and factory resets are requests to root (board-requests.ts) */
  requests?: BoardRequests;
  /** the terminal's rows */
  rows: () => number;
  now: () => number;
  /** whether the system clock is synchronised, asked when the appliance is down (chronyc or timedatectl by default) */
  readClockSync?: () => Promise<ClockSyncReading>;
}

type Outcome<T> = { ok: true; value: T } | { ok: false; down: boolean; message: string };

function run(file: string, args: string[]): Promise<{ ok: boolean; out: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: 10_000, maxBuffer: MAX_LOG_BYTES * 4 }, (error, stdout, stderr) => {
      resolve({ ok: !error, out: error ? (stderr || error.message) : stdout });
    });
  });
}

function clockText(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 19) + ' UTC';
}

export class ConsoleApp {
  private lang: Lang;
  private applianceUp = false;
  /** the pair's role in the last status (promotion is offered to a standby only) */
  private pairRole: PairStatus['role'] = null;

  constructor(private readonly deps: ConsoleAppDeps) {
    this.lang = deps.lang;
  }

  private t(key: TextKey): string {
    return text(this.lang, key);
  }

  private async ask<K extends ConsoleOp>(op: K, args: ConsoleOps[K]['args']): Promise<Outcome<ConsoleOps[K]['result']>> {
    try {
      const value = await this.deps.api.request(op, args);
      this.applianceUp = true;
      return { ok: true, value };
    } catch (e) {
      const down = isRwError(e, 'RW_ERR_APPLIANCE_DOWN');
      if (down) this.applianceUp = false;
      return { ok: false, down, message: isRwError(e) ? `${e.message} (${e.code})` : (e as Error).message };
    }
  }

  private header(screen: TextKey): string {
    const state = this.applianceUp ? this.t('applianceUp') : this.t('applianceDown');
    return `${this.t('title')} · ${this.t(screen)} · ${hostname()} · ${state}`;
  }

  private show(screen: TextKey, body: readonly string[], menuSize: number, wrap = false): void {
    this.deps.ui.reserve?.(menuSize);
    this.deps.ui.screen(this.header(screen), body, { wrap });
  }

  /** Shows a message and waits for a key (so it can be read before the next screen). */
  private async tell(screen: TextKey, body: readonly string[]): Promise<void> {
    const options: MenuOption<'b'>[] = [{ key: 'b', label: this.t('pressKey') }];
    this.show(screen, body, options.length, true);
    await this.deps.ui.choose(this.t('menu'), options);
  }

  /** The main loop: the status screen with the menu; returns when the technician quits. */
  async run(): Promise<void> {
    for (;;) {
      const body = await this.statusBody();
      const all: MenuOption<MenuKey>[] = [
        { key: 's', label: this.t('refresh') }, { key: 'n', label: this.t('network') }, { key: 'm', label: this.t('modem') },
        { key: 'a', label: this.t('alarms') }, { key: 'p', label: this.t('accounts') },
        ...(this.pairRole === 'standby' ? [{ key: 'o' as const, label: this.t('promote') }] : []), { key: 'c', label: this.t('clock') },
        { key: 'l', label: this.t('logs') }, { key: 'r', label: this.t('factoryReset') }, { key: 'k', label: this.t('language') },
        { key: 'q', label: this.t('quit') },
      ];
      const options = all.filter((o) => this.applianceUp || !NEEDS_APPLIANCE.has(o.key));
      this.show('status', body, options.length, !this.applianceUp);
      const key = await this.deps.ui.choose(this.t('menu'), options);
      if (key === null || key === 'q') break;
      await this.open(key);
    }
    await this.deps.network.stop();
    this.deps.ui.close();
  }

  private async open(key: Exclude<MenuKey, 'q'>): Promise<void> {
    switch (key) {
      case 's': return;
      case 'n': return this.networkScreen();
      case 'm': return this.modemScreen();
      case 'a': return this.alarmsScreen();
      case 'p': return this.accountsScreen();
      case 'o': return this.promoteScreen();
      case 'c': return this.clockScreen();
      case 'l': return this.logScreen();
      case 'r': return this.resetScreen();
      case 'k':
        this.lang = this.lang === 'ko' ? 'en' : 'ko';
        return;
    }
  }

  private async statusBody(): Promise<string[]> {
    const r = await this.ask('status', {});
    this.pairRole = r.ok ? r.value.pair.role : null;
    if (!r.ok) return [this.t('downExplain'), r.message];
    const { health, agents, alerts, pair } = r.value;
    const online = agents.filter((a) => a.status === 'online').length;
    const offline = agents.filter((a) => a.status === 'offline');
    const firing = alerts.filter((a) => a.state === 'firing');
    const acked = alerts.filter((a) => a.state === 'acknowledged');
    const parts = (['broker', 'rrdcached', 'database'] as const).map((k) => `${k} ${health[k].ok ? 'ok' : 'FAIL'}`);
    const signal = health.modem.signal?.dbm;
    return [
      `${this.t('health')}: ${health.status === 'ok' ? this.t('healthOk') : this.t('healthDegraded')} (${parts.join(', ')})`,
      `${this.t('agents')}: ${online} ${this.t('online')}, ${offline.length} ${this.t('offline')}${offline.length > 0 ? ` (${offline.slice(0, 4).map((a) => a.hostname).join(', ')})` : ''}`,
      `${this.t('alarms')}: ${firing.length} ${this.t('firing')}, ${acked.length} ${this.t('acknowledged')}`,
      ...firing.slice(0, 3).map((a) => `  ${this.alertLine(a)}`),
      `${this.t('modem')}: ${health.modem.state}${signal != null ? `, ${signal} dBm` : ''}${health.modem.registration ? `, ${health.modem.registration}` : ''}`,
      ...(health.clock.synchronised === false ? [`${this.t('clock')}: ${this.t('clockUnsynced')}`] : []),
      ...this.pairLines(pair),
    ];
  }

  /** The pair as GET /api/v1/pair says it: role and peer; on a standby when it last heard the primary, its copy's version and who sends the SMS. */
  private pairLines(pair: PairStatus): string[] {
    if (pair.role === null) return [];
    const role = pair.role === 'standby' ? this.t('roleStandby') : this.t('rolePrimary');
    const version = `${this.t('configHere')} ${pair.configVersion}`;
    if (pair.role === 'primary') return [`${this.t('pair')}: ${role}, ${this.t('peer')} ${pair.peer ?? '-'}`, `  ${version}`];
    const heard = pair.lastHeardAt === null ? this.t('never') : clockText(pair.lastHeardAt);
    const copied = pair.copiedVersion === null ? '' : ` (${this.t('configPrimary')} ${pair.copiedVersion})`;
    return [
      `${this.t('pair')}: ${role}, ${this.t('peer')} ${pair.peer ?? '-'}`,
      `  ${this.t('lastHeard')} ${heard}`,
      `  ${version}${copied} · ${pair.holdingSms ? this.t('smsHeld') : this.t('smsSending')}`,
    ];
  }

  private alertLine(a: Alert): string {
    const value = a.value === null ? '' : ` ${Math.round(a.value * 10) / 10}${a.unit}`;
    return `#${a.id} ${a.severity} ${a.state} ${a.agentName} ${a.ruleName}${value}${a.ackedBy ? ` (${a.ackedBy})` : ''}`;
  }

  // --- network ---

  private liveAddresses(): string {
    const list = networkInterfaces()[this.deps.iface] ?? [];
    return list.length === 0 ? '-' : list.map((a) => a.cidr ?? a.address).join(' ');
  }

  private async networkScreen(): Promise<void> {
    for (;;) {
      const settings = this.deps.network.current();
      const options: MenuOption<'d' | 't' | 'b'>[] = [{ key: 'd', label: this.t('dhcp') }, { key: 't', label: this.t('staticAddr') }, { key: 'b', label: this.t('back') }];
      const last = this.deps.requests?.lastStatus('network');
      this.show('network', [
        `${this.deps.iface} ${this.t('current')}: ${describeSettings(settings)}`,
        `${this.deps.iface} ${this.t('live')}: ${this.liveAddresses()}`,
        this.deps.network.file,
        ...(last ? [`${this.t('lastChange')} (${clockText(last.atMs)}): ${this.resultText(last)}`] : []),
      ], options.length, true);
      const key = await this.deps.ui.choose(this.t('menu'), options);
      if (key === null || key === 'b') return;
      if (key === 'd') await this.applyNetwork({ mode: 'dhcp' });
      else {
        const address = await this.deps.ui.ask(this.t('address'), { placeholder: '192.168.1.20/24' });
        if (address === null) continue;
        const gateway = await this.deps.ui.ask(this.t('gateway'), { placeholder: '192.168.1.1' });
        if (gateway === null) continue;
        const dns = await this.deps.ui.ask(this.t('dns'), { placeholder: '1.1.1.1 8.8.8.8' });
        if (dns === null) continue;
        const checked = checkStatic({ address, gateway, dns });
        if (!checked.ok) await this.tell('network', [this.t('problems'), ...checked.problems]);
        else await this.applyNetwork(checked.settings);
      }
    }
  }

  /** Root's answer as the technician reads it: applied, or refused / failed with the reason. */
  private resultText(status: RequestStatus): string {
    const word = { applied: this.t('resultApplied'), accepted: this.t('resultAccepted'), refused: this.t('resultRefused'), failed: this.t('failed') }[status.result];
    return status.message ? `${word}: ${status.message}` : word;
  }

  private async applyNetwork(settings: Parameters<NetworkStore['change']>[0]): Promise<void> {
    let pending: PendingChange;
    const reverted = new AbortController();
    try {
      pending = await this.deps.network.change(settings);
    } catch (e) {
      // refused by the board's root helper: nothing changed; anything else: the previous settings are back
      await this.tell('network', [isRwError(e, 'RW_ERR_VALIDATION') ? this.t('problems') : this.t('failed'), (e as Error).message]);
      return;
    }
    // the window's end takes the change back even while the menu waits for a key
    const watch = setInterval(() => {
      if (!this.deps.network.hasPendingChange) reverted.abort();
    }, 200);
    try {
      const seconds = Math.max(0, Math.round((pending.deadlineMs - this.deps.now()) / 1000));
      const options: MenuOption<'y' | 'n'>[] = [{ key: 'y', label: this.t('keep') }, { key: 'n', label: this.t('revert') }];
      this.show('network', [describeSettings(settings), `${this.t('applied')} ${seconds} ${this.t('seconds')}`], options.length);
      const key = await this.deps.ui.choose(this.t('menu'), options, reverted.signal);
      // stop watching before the next prompt: once confirmed, the watch would abort the signal of a
      // prompt that has finished, and @clack/prompts' leftover abort handler then takes the
      // terminal out of raw mode under the next prompt (its first key was echoed and lost)
      clearInterval(watch);
      if (key === 'y' && this.deps.network.hasPendingChange) {
        pending.confirm();
        await this.tell('network', [this.t('kept'), describeSettings(settings)]);
        return;
      }
      await pending.revert();
      await this.tell('network', [this.t('reverted'), describeSettings(this.deps.network.current())]);
    } catch (e) {
      await this.tell('network', [this.t('failed'), (e as Error).message]);
    } finally {
      clearInterval(watch);
    }
  }

  // --- modem ---

  private async modemScreen(): Promise<void> {
    for (;;) {
      const r = await this.ask('modem', {});
      if (!r.ok) return this.tell('modem', [r.message]);
      const { modem, queue } = r.value;
      const s = modem.status;
      const options: MenuOption<'t' | 's' | 'b'>[] = [{ key: 't', label: this.t('testSms') }, { key: 's', label: this.t('refresh') }, { key: 'b', label: this.t('back') }];
      this.show('modem', [
        `mode ${modem.mode}, ${s ? s.state : '-'}`,
        `${this.t('signal')}: ${s?.signal?.dbm != null ? `${s.signal.dbm} dBm (CSQ ${s.signal.csq})` : this.t('unknown')}`,
        `${this.t('registration')}: ${s?.registration ?? this.t('unknown')}   ${this.t('operator')}: ${s?.operator ?? '-'}`,
        `${this.t('queue')}: ${queue.length}   ${this.t('sentTotal')}: ${modem.sms.sent}`,
        ...queue.slice(0, 5).map((q) => `  #${q.id} ${q.state} ${q.to} ${q.kind}`),
        ...(modem.alarm ? [`! ${modem.alarm.code}: ${modem.alarm.message}`] : []),
      ], options.length);
      const key = await this.deps.ui.choose(this.t('menu'), options);
      if (key === null || key === 'b') return;
      if (key === 't') {
        const to = await this.deps.ui.ask(this.t('smsTo'), { placeholder: '010-1234-5678' });
        if (to === null || to.trim() === '') continue;
        const sent = await this.ask('sms-test', { to, text: `rackwatch ${hostname()} test SMS` });
        await this.tell('modem', [sent.ok ? `${this.t('smsQueued')}${sent.value.id} → ${sent.value.to}` : `${this.t('failed')}: ${sent.message}`]);
      }
    }
  }

  // --- alarms ---

  private async alarmsScreen(): Promise<void> {
    for (;;) {
      const r = await this.ask('alerts', {});
      if (!r.ok) return this.tell('alarms', [r.message]);
      const options: MenuOption<'a' | 's' | 'b'>[] = [{ key: 'a', label: this.t('ack') }, { key: 's', label: this.t('refresh') }, { key: 'b', label: this.t('back') }];
      this.show('alarms', r.value.length === 0 ? [this.t('noAlarms')] : r.value.map((a) => this.alertLine(a)), options.length);
      const key = await this.deps.ui.choose(this.t('menu'), options);
      if (key === null || key === 'b') return;
      if (key === 'a') {
        const which = await this.deps.ui.ask(this.t('ackWhich'), { placeholder: String(r.value.find((a) => a.state === 'firing')?.id ?? '') });
        if (which === null || which.trim() === '') continue;
        const acked = await this.ask('ack', { alertId: Number(which.trim().replace(/^#/, '')), user: userInfo().username });
        await this.tell('alarms', [acked.ok ? `${this.t('ackDone')} ${this.alertLine(acked.value)}` : `${this.t('failed')}: ${acked.message}`]);
      }
    }
  }

  // --- accounts ---

  private async accountsScreen(): Promise<void> {
    const options: MenuOption<'r' | 'c' | 'b'>[] = [{ key: 'r', label: this.t('resetPassword') }, { key: 'c', label: this.t('showSetupCode') }, { key: 'b', label: this.t('back') }];
    this.show('accounts', [], options.length);
    const key = await this.deps.ui.choose(this.t('menu'), options);
    if (key === 'r') {
      const username = await this.deps.ui.ask(this.t('userName'), { placeholder: 'admin' });
      if (username === null || username.trim() === '') return;
      const r = await this.ask('password-reset', { username: username.trim() });
      await this.tell('accounts', r.ok ? [`${this.t('userName')}: ${r.value.username}`, `${this.t('newPassword')}: ${r.value.password}`] : [`${this.t('failed')}: ${r.message}`]);
    } else if (key === 'c') {
      const r = await this.ask('setup-code', {});
      await this.tell('accounts', r.ok ? [r.value.code ? `${this.t('setupCode')}: ${r.value.code}` : this.t('noSetupCode')] : [`${this.t('failed')}: ${r.message}`]);
    }
  }

  // --- the standby pair (S13, B4) ---

  /** What promotion does, said before it is done; then the same service as POST /api/v1/pair/promote. */
  private async promoteScreen(): Promise<void> {
    const before = await this.ask('status', {});
    if (!before.ok) return this.tell('promote', [before.message]);
    const options: MenuOption<'y' | 'b'>[] = [{ key: 'y', label: this.t('promoteYes') }, { key: 'b', label: this.t('cancel') }];
    this.show('promote', [this.t('promoteExplain'), `${this.t('oldPrimary')}: ${before.value.pair.peer ?? '-'}`], options.length, true);
    const key = await this.deps.ui.choose(this.t('menu'), options);
    if (key !== 'y') return this.tell('promote', [this.t('notPromoted')]);
    const r = await this.ask('pair-promote', { user: userInfo().username });
    await this.tell('promote', r.ok ? [this.t('promoted'), ...this.pairLines(r.value)] : [`${this.t('failed')}: ${r.message}`]);
  }

  // --- clock, log ---

  private async clockScreen(): Promise<void> {
    const status = await this.ask('status', {});
    // the appliance's view when it answers; else the time service and the last known time directly
    const clock: ClockHealth = status.ok ? status.value.health.clock : await this.localClock();
    const synced = clock.synchronised === null ? this.t('unknown') : clock.synchronised ? this.t('yes') : `${this.t('no')} · ${this.t('clockUnsynced')}`;
    await this.tell('clock', [
      `${this.t('systemTime')}: ${clockText(this.deps.now())}`,
      `${this.t('applianceTime')}: ${status.ok ? clockText(status.value.nowMs) : this.t('applianceDown')}`,
      `${this.t('synced')}: ${synced}${clock.source === 'none' ? '' : ` (${this.t('syncSource')} ${clock.source})`}`,
      `${this.t('lastKnownTime')}: ${clock.lastKnownMs === null ? this.t('none') : clockText(clock.lastKnownMs)}`,
      ...(clock.behindAtStart ? [this.t('behindAtStart')] : []),
    ]);
  }

  /** The clock as the appliance would report it, read without it (D1): its last known time and the time service. */
  private async localClock(): Promise<ClockHealth> {
    const lastKnownMs = readLastKnownTime(this.deps.dataDir);
    const behind = isBehind(this.deps.now(), lastKnownMs);
    const sync = await (this.deps.readClockSync ?? readClockSync)();
    return {
      synchronised: sync.synchronised ?? (behind ? false : null),
      source: sync.synchronised !== null ? sync.source : behind ? 'last-known-time' : 'none',
      lastKnownMs, behindAtStart: behind, nowMs: this.deps.now(),
    };
  }

  private async logLines(): Promise<string[]> {
    if (this.deps.logFile) {
      if (!existsSync(this.deps.logFile)) return [this.t('noLog'), this.deps.logFile];
      const size = statSync(this.deps.logFile).size;
      const text = readFileSync(this.deps.logFile).subarray(Math.max(0, size - MAX_LOG_BYTES)).toString('utf8');
      return text.split('\n').filter((l) => l !== '');
    }
    const [file, ...args] = this.deps.logCommand;
    if (!file) return [this.t('noLog')];
    const r = await run(file, args);
    const lines = r.out.split('\n').filter((l) => l !== '');
    return lines.length > 0 ? lines : [this.t('noLog')];
  }

  private async logScreen(): Promise<void> {
    for (;;) {
      const lines = await this.logLines();
      const options: MenuOption<'s' | 'b'>[] = [{ key: 's', label: this.t('refresh') }, { key: 'b', label: this.t('back') }];
      // the tail: as many of the last lines as the screen holds
      this.show('logs', lines.slice(-bodyRows(this.deps.rows(), options.length)), options.length);
      const key = await this.deps.ui.choose(this.t('menu'), options);
      if (key === null || key === 'b') return;
    }
  }

  // --- factory reset ---

  private async resetScreen(): Promise<void> {
    this.show('factoryReset', [this.t('resetWarn')], 1, true);
    const typed = await this.deps.ui.ask(this.t('resetType'));
    if (typed?.trim() !== 'RESET') return this.tell('factoryReset', [this.t('resetCancelled')]);
    if (this.deps.resetCommand) {
      const r = await run(this.deps.resetCommand, [this.deps.dataDir]);
      return this.tell('factoryReset', [r.ok ? this.t('resetDone') : `${this.t('failed')}: ${r.out.trim()}`]);
    }
    if (this.deps.requests) return this.requestReset(this.deps.requests);
    // without a reset command the data dir is erased here, only while no appliance holds it open
    await this.ask('status', {});
    if (this.applianceUp) return this.tell('factoryReset', [this.t('resetRunning')]);
    for (const entry of readdirSync(this.deps.dataDir)) rmSync(path.join(this.deps.dataDir, entry), { recursive: true, force: true });
    return this.tell('factoryReset', [this.t('resetDone'), this.deps.dataDir]);
  }

  /** On the board: root erases /data at the next boot and reboots now, given this boot's token. */
  private async requestReset(requests: BoardRequests): Promise<void> {
    let status: RequestStatus | null;
    try {
      const token = requests.readResetToken();
      status = await requests.submit('reset', (id) => renderResetRequest(id, token));
    } catch (e) {
      return this.tell('factoryReset', [`${this.t('failed')}: ${(e as Error).message}`]);
    }
    if (status === null) return this.tell('factoryReset', [`${this.t('failed')}: ${this.t('noAnswer')}`]);
    return this.tell('factoryReset', [status.result === 'accepted' ? this.t('resetAccepted') : this.resultText(status)]);
  }
}
