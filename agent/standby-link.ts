// The agent's link to the standby appliance of a pair (S13, B4; docs/standby.md, docs/agent.md):
// the same session, disk queues and check outbox as the primary's, a second time, under
// `<state-dir>/standby/`. Every batch, web-log interval and check result goes to both, so one
// appliance falling behind or down neither holds back nor loses the other's data; the standby's
// backlog arrives when it returns. The identity is the primary's (the standby copied it). Its
// configuration messages go to `onConfig` with the other link's: the agent applies the ones of the
// appliance that says primary under the higher term (pair-config-source.ts), never a standby's.
import path from 'node:path';
import type { CheckResult } from '../contract/check-definitions.js';
import type { Inventory } from '../contract/inventory.js';
import type { MetricsBatch } from '../contract/metrics.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import { CheckOutbox } from './checks/check-outbox.js';
import { weblogQueueBoundsOf } from './config-store.js';
import { DiskQueue, type QueueBounds } from './disk-queue.js';
import type { Identity } from './enroll.js';
import { createSession, type AgentSession } from './session.js';

export interface StandbyLinkDeps {
  stateDir: string;
  /** the standby's broker: `mqtt://host:1883` or `mqtts://host:8883` */
  mqttUrl: URL;
  /** `sha256//…` of the standby's key: MQTT over TLS trusts it alone */
  pin?: string;
  applianceUrl: URL;
  identity: Identity;
  inventory: () => Inventory;
  bounds: QueueBounds;
  keepaliveS: number;
  clock: Clock;
  log: Logger;
  /** a configuration published by this appliance (PairConfigSource.offer) */
  onConfig?: (payload: Buffer) => void;
}

export class StandbyLink {
  readonly queue: DiskQueue;
  private readonly weblogQueue: DiskQueue;
  private readonly outbox: CheckOutbox;
  private readonly session: AgentSession;

  /** Opens the standby's queues (throws as DiskQueue does when the directory cannot be used). */
  constructor(deps: StandbyLinkDeps) {
    const dir = path.join(deps.stateDir, 'standby');
    this.queue = new DiskQueue({ dir: path.join(dir, 'queue'), bounds: deps.bounds, clock: deps.clock, log: deps.log.child('queue') });
    try {
      this.weblogQueue = new DiskQueue({ dir: path.join(dir, 'weblog-queue'), bounds: weblogQueueBoundsOf(deps.bounds), clock: deps.clock, log: deps.log.child('weblog-queue') });
    } catch (error) {
      this.queue.close();
      throw error;
    }
    this.outbox = new CheckOutbox({ send: (payload, done) => this.session.publishChecks(payload, done), log: deps.log.child('checks') });
    this.session = createSession({
      applianceUrl: deps.applianceUrl, identity: deps.identity, inventory: deps.inventory, queue: this.queue, weblogQueue: this.weblogQueue,
      onConnected: () => this.outbox.flush(),
      ...(deps.onConfig ? { onConfig: deps.onConfig } : {}),
      mqttUrl: deps.mqttUrl, ...(deps.pin ? { pin: deps.pin } : {}),
      keepaliveS: deps.keepaliveS, clock: deps.clock, log: deps.log.child('session'),
    });
  }

  appendBatch(batch: MetricsBatch): void {
    this.queue.append(batch);
    this.session.kick();
  }

  appendWeblog(t: number, payload: string): void {
    this.weblogQueue.appendRecord(t, payload);
    this.session.kick();
  }

  addChecks(results: readonly CheckResult[]): void {
    this.outbox.add(results);
  }

  retainChecks(ids: ReadonlySet<string>): void {
    this.outbox.retain(ids);
  }

  setBounds(bounds: QueueBounds): void {
    this.queue.setBounds(bounds);
    this.weblogQueue.setBounds(weblogQueueBoundsOf(bounds));
  }

  updateInventory(): void {
    this.session.updateInventory();
  }

  start(): void {
    this.session.start();
  }

  /** Says `offline` to the standby, then closes its queues. */
  async stop(): Promise<void> {
    await this.session.stop();
    this.close();
  }

  close(): void {
    this.queue.close();
    this.weblogQueue.close();
  }
}
