// Ingest: validates what agents publish (against the one contract), hands samples to storage
// and the registry, and bounds the work in progress (S19). `handleMetrics` resolves only once
// rrdcached has acknowledged every update and the store's sample journal has them on disk (RES):
// the broker withholds the MQTT acknowledgement until then, so under overload the excess waits in
// the agents' queues, not in this process's memory, and a power cut loses nothing acknowledged.
import Queue from 'yocto-queue';
import { parseMetricsPayload, type MetricsBatch, type Sample, type Snapshot } from '../../contract/metrics.js';
import { INVENTORY_LIMITS, inventorySchema } from '../../contract/inventory.js';
import { STATUS_OFFLINE, STATUS_ONLINE } from '../../contract/topics.js';
import { checkResultsPayloadSchema } from '../../contract/check-definitions.js';
import type { CheckRunSink } from '../checks/check-runs.js';
import type { WeblogInterval } from '../../contract/weblog.js';
import { parseWeblogPayload } from '../weblog/weblog-payload.js';
import { nowSeconds, type Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import { firstProblem, type ValidationIssue } from '../../core/validation-problems.js';
import type { AgentRegistry } from '../agents/agent-registry.js';

/** Where validated samples go (the RRD store); narrow on purpose so tests can use a real store or a recorder. */
export interface SampleSink {
  write(agentId: string, intervalS: number, samples: Sample[]): Promise<{ updated: number; rejected: number }>;
}

/** Where a batch's snapshot goes besides the registry (visitor history, S15); synchronous and cheap. */
export interface SnapshotSink {
  record(agentId: string, snapshot: Snapshot): void;
}

/** Where checked web log intervals go (S11): the sink judges which sources they name. */
export interface WeblogSink {
  record(agentId: string, intervals: readonly WeblogInterval[]): void;
}

export interface IngestDeps {
  sink: SampleSink;
  registry: AgentRegistry;
  clock: Clock;
  logger: Logger;
  /** batches written to rrdcached at once; the rest wait (their publishers' sockets are paused) */
  maxConcurrentWrites: number;
  /** called with each batch once it is stored (alert evaluation); must be cheap and synchronous */
  afterStore?: (agentId: string, batch: MetricsBatch) => void;
  visitors?: SnapshotSink;
  /** the process and user history (S18) */
  topHistory?: SnapshotSink;
  /** where service check results go (S5; checks/check-results.ts); none: they are counted and dropped */
  checks?: CheckRunSink;
  /** where web log intervals go (S11; weblog/weblog-traffic.ts); none: they are counted and dropped */
  weblogs?: WeblogSink;
  /**
   * Why nothing can be stored now (RES: the data partition is full, read-only or failing), or
   * null: such a batch is refused before it is parsed, and the broker withholds its acknowledgement,
   * so the agent keeps it in its disk queue and sends it again.
   */
  writeRefusal?: () => Error | null;
}

export interface IngestCounters {
  messagesIn: number;
  badPayloads: number;
  samplesStored: number;
  samplesRejected: number;
  /** metrics publishes refused unacknowledged because nothing could be stored (RES) */
  refused: number;
}

const BAD_PAYLOAD_LOG_INTERVAL_MS = 60_000;

export class Ingest {
  readonly counters: IngestCounters = { messagesIn: 0, badPayloads: 0, samplesStored: 0, samplesRejected: 0, refused: 0 };
  private running = 0;
  // a FIFO with O(1) dequeue: under overload tens of thousands of publishes wait here, and
  // Array.prototype.shift on that many entries cost 7.6 % of the CPU at 10,000 agents
  private readonly waiting = new Queue<() => void>();
  private readonly lastBadLog = new Map<string, number>();

  constructor(private readonly deps: IngestDeps) {}

  /** publishes whose acknowledgement is being withheld */
  get backlog(): number {
    return this.running + this.waiting.size;
  }

  /**
   * Stores one metrics payload. Resolves when stored, or when dropped as malformed (returns
   * false); rejects only when storage failed, in which case the publish must not be acknowledged.
   */
  async handleMetrics(agentId: string, payload: Buffer): Promise<boolean> {
    this.counters.messagesIn++;
    this.deps.registry.heard(agentId);
    try {
      return await this.storeMetrics(agentId, payload);
    } finally {
      this.deps.registry.settled(agentId);
    }
  }

  private async storeMetrics(agentId: string, payload: Buffer): Promise<boolean> {
    // the slot is taken before parsing: a publish waiting for one holds only its raw bytes
    // (~1.5 KB), not the ~10 KB of objects parsing makes, which is what bounds memory when
    // thousands of agents wait under overload
    await this.acquire();
    const refusal = this.deps.writeRefusal?.() ?? null;
    if (refusal !== null) {
      this.release();
      this.counters.refused++;
      throw refusal;
    }
    let batch: MetricsBatch;
    let json: string | undefined;
    try {
      const check = parseMetricsPayload(payload, nowSeconds(this.deps.clock));
      if (!check.ok) {
        this.badPayload(agentId, 'metrics', check.reason);
        return false;
      }
      batch = check.value;
      json = check.json;
      const result = await this.deps.sink.write(agentId, batch.i, batch.s);
      this.counters.samplesStored += result.updated;
      this.counters.samplesRejected += result.rejected;
    } finally {
      this.release();
    }
    this.deps.registry.recordSamples(agentId, batch, json);
    if (batch.x) {
      this.deps.registry.recordSnapshot(agentId, batch.x);
      try {
        this.deps.visitors?.record(agentId, batch.x);
      } catch (e) {
        // the samples are stored: a visitor-history failure must not withhold their acknowledgement
        this.deps.logger.error('visitor history failed for a stored batch', { agentId, err: e });
      }
      try {
        this.deps.topHistory?.record(agentId, batch.x);
      } catch (e) {
        this.deps.logger.error('process history failed for a stored batch', { agentId, err: e });
      }
    }
    if (this.deps.afterStore) {
      try {
        this.deps.afterStore(agentId, batch);
      } catch (e) {
        // the batch is stored: an alerting failure must not withhold its acknowledgement
        this.deps.logger.error('alert evaluation failed for a stored batch', { agentId, err: e });
      }
    }
    return true;
  }

  /** JSON, then the schema; a payload that fails either is counted and logged as bad (null). */
  private parsePayload<T>(agentId: string, leaf: string, payload: Buffer, schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { readonly issues: readonly ValidationIssue[] } } }): T | null {
    let json: unknown;
    try {
      json = JSON.parse(payload.toString('utf8'));
    } catch {
      this.badPayload(agentId, leaf, 'payload is not JSON');
      return null;
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      this.badPayload(agentId, leaf, firstProblem(parsed.error, { root: '(root)' }));
      return null;
    }
    return parsed.data;
  }

  handleInventory(agentId: string, payload: Buffer): boolean {
    this.counters.messagesIn++;
    if (payload.byteLength > INVENTORY_LIMITS.maxPayloadBytes) {
      this.badPayload(agentId, 'inventory', `payload of ${payload.byteLength} bytes exceeds ${INVENTORY_LIMITS.maxPayloadBytes}`);
      return false;
    }
    const inventory = this.parsePayload(agentId, 'inventory', payload, inventorySchema);
    if (inventory === null) return false;
    this.deps.registry.recordInventory(agentId, inventory);
    return true;
  }

  /**
   * One round of an agent's service check results (S5, S6, S16) on `rw/v1/<agentId>/checks`. The
   * broker's packet size guard bounds the payload; the schema bounds each result. Results for
   * checks the agent is not assigned are dropped by the sink.
   */
  handleChecks(agentId: string, payload: Buffer): boolean {
    this.counters.messagesIn++;
    const parsed = this.parsePayload(agentId, 'checks', payload, checkResultsPayloadSchema);
    if (parsed === null) return false;
    try {
      this.deps.checks?.record(parsed.results.map((result) => ({ checkId: result.id, agentId, result })));
    } catch (e) {
      // acknowledged anyway: the agent resending the same results would fail the same way
      this.deps.logger.error('check results could not be recorded', { agentId, err: e });
      return false;
    }
    return true;
  }

  /**
   * One round of an agent's web log intervals (S11) on `rw/v1/<agentId>/weblog`: checked whole
   * against every bound (weblog/weblog-payload.ts); a payload that fails is dropped and counted.
   */
  handleWeblog(agentId: string, payload: Buffer): boolean {
    this.counters.messagesIn++;
    const parsed = parseWeblogPayload(payload, nowSeconds(this.deps.clock));
    if (!parsed.ok) {
      this.badPayload(agentId, 'weblog', parsed.reason);
      return false;
    }
    try {
      this.deps.weblogs?.record(agentId, parsed.intervals);
    } catch (e) {
      // acknowledged anyway: the agent resending the same intervals would fail the same way
      this.deps.logger.error('web log intervals could not be recorded', { agentId, err: e });
      return false;
    }
    return true;
  }

  handleStatus(agentId: string, payload: Buffer): boolean {
    this.counters.messagesIn++;
    const text = payload.toString('utf8');
    if (text !== STATUS_ONLINE && text !== STATUS_OFFLINE) {
      this.badPayload(agentId, 'status', `status must be "${STATUS_ONLINE}" or "${STATUS_OFFLINE}"`);
      return false;
    }
    this.deps.registry.setStatus(agentId, text);
    return true;
  }

  /** Counts a bad payload; logs it at most once per agent per minute so a broken agent can't flood the log. */
  badPayload(agentId: string, topic: string, reason: string): void {
    this.counters.badPayloads++;
    const now = this.deps.clock.now();
    const last = this.lastBadLog.get(agentId);
    if (last !== undefined && now - last < BAD_PAYLOAD_LOG_INTERVAL_MS) return;
    this.lastBadLog.set(agentId, now);
    this.deps.logger.warn('dropped a malformed payload (further ones from this agent are counted, not logged, for a minute)', { agentId, topic, reason, code: 'RW_ERR_BAD_PAYLOAD' });
  }

  private acquire(): Promise<void> {
    if (this.running < this.deps.maxConcurrentWrites) {
      this.running++;
      return Promise.resolve();
    }
    return new Promise((resolve) => { this.waiting.enqueue(() => { this.running++; resolve(); }); });
  }

  private release(): void {
    this.running--;
    this.waiting.dequeue()?.();
  }
}
