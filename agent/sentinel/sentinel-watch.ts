// The sentinel's watch of the appliance (S13, B4; docs/agent.md "Sentinel"). Every tick it notes
// whether its MQTT session is up and answered (a packet waiting the bound for the broker's answer
// counts as lost, long before mqtt.js's keepalive notices) and asks for a signed heartbeat; when
// the heartbeat fails it has the session send a PINGREQ, so an idle session is judged too. When
// both have failed for the grace period, no announced planned restart covers the time (the last signed heartbeat said
// so), and its own network check passes, it sends the alarm through every channel; when a signed
// heartbeat answers again, the recovery. A channel that fails is tried again each tick, a few
// times, so a relay that is briefly away still gets the message.
//
// Several sentinels (the rule; docs/agent.md "Sentinel"): each decides on its own, from its own
// view, whether the appliance is down. With a peer channel, the peer appliance is where they
// agree: an alarm goes to the peer first, the peer opens one alert per watched appliance and
// answers `first: true` to the sentinel whose report opened it and `first: false` to every later
// one; only the first sends through its other channels (webhook, SMTP, modem), and the others
// send nothing more for that outage (their recovery, too, goes only to the peer). One outage thus
// gives each contact one alarm. When the peer does not take the report (unreachable, refusing),
// the sentinel sends through its other channels at once and keeps trying the peer: duplicates
// (one per sentinel) are acceptable, silence is not. Without a peer channel, every sentinel
// alarms alone: at most one alarm per contact per sentinel, never none while any sentinel with
// a working network sees the outage.
import type { AgentSentinel, ChannelTestResult, PeerAlarmResponse, SentinelChannel } from '../../contract/sentinel.js';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import { ChannelNotUsable } from './channel-not-usable.js';
import { alarmMessage, recoveryMessage, testMessage, type AlarmMessage } from './alarm-message.js';
import type { HeartbeatResult } from './heartbeat-probe.js';
import type { NetworkCheck } from './own-network.js';

export interface SentinelWatchDeps {
  clock: Clock;
  log: Logger;
  sentinelName: string;
  /** the MQTT session is up and the broker answers (session.ts `answering`, S13, B4) */
  mqttConnected: () => boolean;
  /**
   * asks the session to prove itself (a PINGREQ when nothing waits for an answer): called when the
   * heartbeat fails, so a hung broker behind an idle session is seen lost within the bound, not
   * after 1.5 × keepalive
   */
  mqttProbe?: () => void;
  heartbeat: () => Promise<HeartbeatResult>;
  ownNetwork: (target: string | null) => Promise<NetworkCheck>;
  /** the peer channel answers whether this sentinel reported first; the others answer null */
  send: (channel: SentinelChannel, alarm: AlarmMessage) => Promise<PeerAlarmResponse | null | void>;
  /** reports a test's results to the appliance (POST /api/v1/sentinel/test-result); rejects when it did not take them */
  reportTest?: (testId: string, results: ChannelTestResult[]) => Promise<void>;
}

/** Attempts to hand a test's results to the appliance (the first may precede this sentinel's first signed heartbeat) */
const TEST_REPORT_ATTEMPTS = 5;

/** Attempts per channel and message: a relay away for a few ticks still gets it, a dead one is not tried forever. */
const MAX_ATTEMPTS = 10;

interface Pending { channel: SentinelChannel; alarm: AlarmMessage; attempts: number }

/** An alarm's own channels, held back while the peer decides whether this sentinel sends them. */
interface Held { alarm: AlarmMessage; channels: SentinelChannel[] }

export class SentinelWatch {
  private config: AgentSentinel | null = null;
  private timer: unknown = null;
  private ticking = false;
  private lastMqttAt: number;
  private lastHeartbeatAt: number;
  private mqttLostAt: number | null = null;
  /**
   * the first look that found both the session and the heartbeat failing: the grace period counts
   * from here, not from the last look that saw the appliance alive (up to a look earlier), so an
   * outage shorter than the grace period never alarms
   */
  private bothFailedAt: number | null = null;
  private lastHeartbeatProblem: string | null = null;
  private plannedUntilMs: number | null = null;
  /** `peerOnly`: another sentinel reported the outage to the peer first; its channels carry it */
  private alarmed: { sinceMs: number; peerOnly: boolean } | null = null;
  private pending: Pending[] = [];
  private held: Held | null = null;
  private quietReason: string | null = null;
  /** the test ids this sentinel has run (the config carries the last request until another) */
  private testsRun = new Set<string>();

  constructor(private readonly deps: SentinelWatchDeps) {
    this.lastMqttAt = deps.clock.now();
    this.lastHeartbeatAt = this.lastMqttAt;
  }

  /** A new config's sentinel part (null: this agent is no sentinel, or no longer). */
  apply(next: AgentSentinel | null): void {
    const was = this.config;
    this.config = next;
    if (next?.test && !this.testsRun.has(next.test.id)) void this.runTest(next, next.test.id);
    if (JSON.stringify(was) === JSON.stringify(next)) return;
    this.stopTimer();
    if (!next) {
      if (was) this.deps.log.info('no longer a sentinel');
      this.pending = [];
      this.held = null;
      return;
    }
    this.deps.log.info('watching the appliance as a sentinel', { appliance: next.appliance, graceS: next.graceS, channels: next.channels.length });
    const everyMs = Math.min(5000, Math.max(500, (next.graceS * 1000) / 4));
    const loop = (): void => {
      this.timer = this.deps.clock.setTimeout(() => { void this.tick().finally(() => { if (this.timer !== null) loop(); }); }, everyMs);
    };
    loop();
  }

  stop(): void {
    this.stopTimer();
  }

  /**
   * "Send a test alarm through every channel": one test message through each channel at once
   * (no agreement, no retries: the result is what the screen shows), then the results to the
   * appliance, tried again a few times while it is not taking them.
   */
  private async runTest(config: AgentSentinel, testId: string): Promise<void> {
    this.testsRun.add(testId);
    const { clock, log } = this.deps;
    const message = testMessage({ appliance: config.appliance, sentinel: this.deps.sentinelName, nowMs: clock.now() });
    log.info('sending a test alarm through every channel', { channels: config.channels.length });
    const results: ChannelTestResult[] = await Promise.all(config.channels.map(async (channel, index) => {
      try {
        await this.deps.send(channel, message);
        return { index, type: channel.type, ok: true, error: null };
      } catch (error) {
        return { index, type: channel.type, ok: false, error: (error as Error).message.slice(0, 300) };
      }
    }));
    log.info('test alarm sent', { failed: results.filter((r) => !r.ok).map((r) => `${r.index}:${r.type}`) });
    const report = this.deps.reportTest;
    if (!report) return;
    for (let attempt = 1; attempt <= TEST_REPORT_ATTEMPTS; attempt++) {
      try {
        await report(testId, results);
        return;
      } catch (error) {
        log.warn(`the test's results were not taken (attempt ${attempt}): ${(error as Error).message}`);
        await new Promise<void>((resolve) => clock.setTimeout(resolve, 2_000 * attempt));
      }
    }
  }

  private stopTimer(): void {
    if (this.timer !== null) this.deps.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  async tick(): Promise<void> {
    const config = this.config;
    if (!config || this.ticking) return;
    this.ticking = true;
    try {
      await this.observe(config);
      await this.deliver();
    } finally {
      this.ticking = false;
    }
  }

  private async observe(config: AgentSentinel): Promise<void> {
    const { clock, log } = this.deps;
    if (this.deps.mqttConnected()) {
      this.lastMqttAt = clock.now();
      this.mqttLostAt = null;
    } else {
      this.mqttLostAt ??= clock.now();
    }
    const hb = await this.deps.heartbeat();
    const now = clock.now();
    if (hb.ok) {
      this.lastHeartbeatAt = now;
      this.lastHeartbeatProblem = null;
      this.bothFailedAt = null;
      if (hb.plannedRestartUntilMs !== this.plannedUntilMs && hb.plannedRestartUntilMs !== null) {
        log.info(`the appliance announced a planned restart until ${new Date(hb.plannedRestartUntilMs).toISOString()}: no alarm within it`);
      }
      this.plannedUntilMs = hb.plannedRestartUntilMs;
      this.quietReason = null;
      if (this.alarmed) {
        const { sinceMs, peerOnly } = this.alarmed;
        this.alarmed = null;
        log.info('the appliance answers again: sending the recovery', { appliance: config.appliance, peerOnly });
        this.queue(config, recoveryMessage({ appliance: config.appliance, sentinel: this.deps.sentinelName, sinceMs, nowMs: now }), peerOnly);
      }
      return;
    }
    this.lastHeartbeatProblem = hb.problem;
    this.deps.mqttProbe?.();
    // the session looked at again after the heartbeat's wait: an appliance whose HTTP side is
    // slow but whose session is up is no outage (both must fail); one whose packets went
    // unanswered meanwhile is lost now, not a look (a heartbeat's wait and a tick) later (S13, B4)
    if (this.deps.mqttConnected()) {
      this.lastMqttAt = now;
      this.mqttLostAt = null;
    } else {
      this.mqttLostAt ??= now;
    }
    if (this.mqttLostAt === null) this.bothFailedAt = null;
    if (this.alarmed || this.mqttLostAt === null) return;
    const aliveAt = Math.max(this.lastMqttAt, this.lastHeartbeatAt);
    const failedAt = (this.bothFailedAt ??= now);
    // a planned restart: quiet until it ends, then the grace period again
    const quietFrom = Math.max(failedAt, this.plannedUntilMs !== null && this.plannedUntilMs > aliveAt ? this.plannedUntilMs : 0);
    if (now - quietFrom < config.graceS * 1000) {
      if (this.plannedUntilMs !== null && now < this.plannedUntilMs && now - failedAt >= config.graceS * 1000) {
        this.sayQuiet(`within the announced planned restart until ${new Date(this.plannedUntilMs).toISOString()}`);
      }
      return;
    }
    const own = await this.deps.ownNetwork(config.ownNetworkCheck);
    if (!own.ok) {
      this.sayQuiet(`the appliance does not answer, but this server's own network check fails too (${own.detail}): no alarm`);
      return;
    }
    this.alarmed = { sinceMs: aliveAt, peerOnly: false };
    const seen = [
      this.mqttLostAt === null ? 'MQTT session up' : `MQTT session lost since ${new Date(this.mqttLostAt).toISOString()}`,
      this.lastHeartbeatProblem ?? 'no heartbeat',
      `own network: ${own.detail}`,
    ].join('; ');
    log.warn('the appliance does not answer: sending the alarm', { appliance: config.appliance, sinceMs: aliveAt, seen });
    this.queue(config, alarmMessage({ appliance: config.appliance, sentinel: this.deps.sentinelName, sinceMs: aliveAt, seen }));
  }

  private sayQuiet(reason: string): void {
    if (this.quietReason === reason) return;
    this.quietReason = reason;
    this.deps.log.warn(reason);
  }

  private queue(config: AgentSentinel, alarm: AlarmMessage, peerOnly = false): void {
    // a recovery makes an alarm still waiting pointless (and the other way round)
    const peers = config.channels.filter((c) => c.type === 'peer');
    const own = config.channels.filter((c) => c.type !== 'peer');
    this.held = null;
    if (peers.length === 0) {
      this.pending = own.map((channel) => ({ channel, alarm, attempts: 0 }));
      return;
    }
    this.pending = peers.map((channel) => ({ channel, alarm, attempts: 0 }));
    // an alarm waits for the peer's word on who sends it; a recovery goes where its alarm went
    if (alarm.event === 'alarm') this.held = { alarm, channels: own };
    else if (!peerOnly) this.pending.push(...own.map((channel) => ({ channel, alarm, attempts: 0 })));
  }

  /** The peer answered (or could not be reached: `answer` null): release or drop the held channels. */
  private decide(alarm: AlarmMessage, answer: PeerAlarmResponse | null): void {
    const held = this.held;
    if (!held || held.alarm !== alarm) return;
    this.held = null;
    if (answer && !answer.first) {
      if (this.alarmed) this.alarmed.peerOnly = true;
      this.deps.log.info(`sentinel ${answer.firstBy ?? '(another)'} reported the outage to the peer first: its channels carry the alarm`);
      return;
    }
    if (!answer) this.deps.log.warn('the peer did not take the alarm: sending through this sentinel\'s own channels (another sentinel may too)');
    this.pending.push(...held.channels.map((channel) => ({ channel, alarm, attempts: 0 })));
  }

  private async deliver(): Promise<void> {
    const waiting = this.pending;
    const results = await Promise.all(waiting.map(async (p) => {
      p.attempts++;
      try {
        const answer = await this.deps.send(p.channel, p.alarm);
        this.deps.log.info(`${p.alarm.event} sent`, { channel: p.channel.type, ...(answer ? { first: answer.first } : {}) });
        if (p.channel.type === 'peer') this.decide(p.alarm, answer ?? null);
        return true;
      } catch (error) {
        const last = p.attempts >= MAX_ATTEMPTS || error instanceof ChannelNotUsable;
        this.deps.log.error(`${p.alarm.event} not sent through ${p.channel.type}${last ? '; giving up' : '; trying again'}: ${(error as Error).message}`, { attempts: p.attempts });
        // silence is not acceptable: a peer that does not answer at once releases the own channels
        if (p.channel.type === 'peer') this.decide(p.alarm, null);
        return last;
      }
    }));
    // the queue may have been replaced meanwhile (a recovery): only the ones sent or given up leave
    const done = new Set(waiting.filter((_p, i) => results[i]));
    this.pending = this.pending.filter((p) => !done.has(p));
  }
}
