// Web log sources (S11, B6; docs/api.md "Web logs"): created, changed and removed through the API,
// kept in SQLite (weblog-source-repository.ts) and sent to the agent that follows each one in its
// retained config (`weblogs`, agent-config/config-service.ts): whenever an agent's list may have
// changed, `onAgentWeblogsChanged` names the agents. A definition is checked field by field (400
// naming each), its format compiled (400 naming the bad token), its agent and pool looked up
// (404), and the bounds kept (409): WEBLOG_API_LIMITS.sources in all, sourcesPerAgent per agent,
// one source per (agent, path).
import { randomBytes } from 'node:crypto';
import { RwError } from '../../contract/errors.js';
import { WEBLOG_API_LIMITS, weblogSourceInputSchema, type WeblogSource, type WeblogSourceDefinition } from '../../contract/weblog-api.js';
import { WEBLOG_SOURCE_LIMITS, type AgentWeblogSource } from '../../contract/weblog-sources.js';
import { nowSeconds, type Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import { problemsOf, type Parsed } from '../../core/validation-problems.js';
import { compileLogFormat, LogFormatError } from '../../core/weblog/log-format.js';
import type { StoredWeblogSource, WeblogSourceRepository } from './weblog-source-repository.js';
import type { WeblogTraffic } from './weblog-traffic.js';

export interface WeblogSourcesDeps {
  repo: WeblogSourceRepository;
  traffic: WeblogTraffic;
  agentExists: (id: string) => boolean;
  /** the agents whose list of logs may have changed: their configs are republished */
  onAgentWeblogsChanged: (agentIds: string[]) => void;
  /** removes a deleted source's RRD series from its agent's directory; never throws */
  removeSeries?: (agentId: string, sourceId: string) => void;
  clock: Clock;
  logger: Logger;
}

function newSourceId(): string {
  return `w${randomBytes(6).toString('hex')}`;
}

/** A definition checked against the contract's schema, its format compiled: every problem named. */
export function parseWeblogSourceInput(body: unknown): Parsed<WeblogSourceDefinition> {
  const r = weblogSourceInputSchema.safeParse(body);
  if (!r.success) return { ok: false, problems: problemsOf(r.error) };
  try {
    compileLogFormat(r.data.format);
  } catch (e) {
    if (!(e instanceof LogFormatError)) throw e;
    const named = e.token === '' || e.message.includes(e.token) ? e.message : `${e.message} (${e.token})`;
    return { ok: false, problems: [`format: ${named}`] };
  }
  return { ok: true, value: r.data };
}

export class WeblogSources {
  constructor(private readonly deps: WeblogSourcesDeps) {}

  list(): WeblogSource[] {
    return this.deps.repo.list().map((s) => this.viewOf(s));
  }

  view(id: string): WeblogSource {
    return this.viewOf(this.known(id));
  }

  create(body: unknown): Parsed<WeblogSource> {
    const parsed = parseWeblogSourceInput(body);
    if (!parsed.ok) return parsed;
    const input = parsed.value;
    this.assertPlaced(input);
    this.assertRoom(input, null);
    const source: StoredWeblogSource = { ...input, id: newSourceId(), createdAt: nowSeconds(this.deps.clock) };
    this.deps.repo.insert(source);
    this.deps.logger.info('web log source created', { sourceId: source.id, agentId: source.agentId });
    this.deps.onAgentWeblogsChanged([source.agentId]);
    return { ok: true, value: this.viewOf(source) };
  }

  /** Replaces a source's definition; its totals and series stay (moved to another agent: the series stay with the old one). */
  update(id: string, body: unknown): Parsed<WeblogSource> {
    const old = this.known(id);
    const parsed = parseWeblogSourceInput(body);
    if (!parsed.ok) return parsed;
    const input = parsed.value;
    this.assertPlaced(input);
    this.assertRoom(input, old);
    const source: StoredWeblogSource = { ...input, id, createdAt: old.createdAt };
    this.deps.repo.update(source);
    this.deps.onAgentWeblogsChanged([...new Set([old.agentId, source.agentId])]);
    return { ok: true, value: this.viewOf(source) };
  }

  remove(id: string): void {
    const old = this.known(id);
    this.deps.repo.delete(id);
    this.deps.traffic.forget(id);
    this.deps.removeSeries?.(old.agentId, id);
    this.deps.logger.info('web log source removed', { sourceId: id, agentId: old.agentId });
    this.deps.onAgentWeblogsChanged([old.agentId]);
  }

  /** A server was removed: its sources went with it (ON DELETE CASCADE). */
  onAgentRemoved(): void {
    this.deps.traffic.keepOnly(new Set(this.deps.repo.list().map((s) => s.id)));
  }

  /** The logs an agent follows, as its config carries them. */
  agentWeblogs(agentId: string): AgentWeblogSource[] {
    return this.deps.repo.byAgent(agentId).map((s) => ({
      id: s.id, path: s.path, format: s.format, intervalS: s.intervalS,
      ...(s.keepQuery ? { keepQuery: true } : {}), ...(s.fromStart ? { fromStart: true } : {}),
    }));
  }

  private known(id: string): StoredWeblogSource {
    const s = id.length <= WEBLOG_SOURCE_LIMITS.idChars ? this.deps.repo.get(id) : null;
    if (!s) throw new RwError('RW_ERR_NOT_FOUND', `no web log source ${id.slice(0, 64)}`);
    return s;
  }

  private assertPlaced(input: WeblogSourceDefinition): void {
    if (!this.deps.agentExists(input.agentId)) throw new RwError('RW_ERR_NOT_FOUND', `no agent ${input.agentId}`);
    if (input.poolId !== null && !this.deps.repo.poolExists(input.poolId)) throw new RwError('RW_ERR_NOT_FOUND', `no pool ${input.poolId}`);
  }

  private assertRoom(input: WeblogSourceDefinition, replacing: StoredWeblogSource | null): void {
    const others = this.deps.repo.list().filter((s) => s.id !== replacing?.id);
    if (others.length >= WEBLOG_API_LIMITS.sources) throw new RwError('RW_ERR_CONFLICT', `the appliance holds at most ${WEBLOG_API_LIMITS.sources} web log sources`);
    const onAgent = others.filter((s) => s.agentId === input.agentId);
    if (onAgent.some((s) => s.path === input.path)) throw new RwError('RW_ERR_CONFLICT', `agent ${input.agentId} follows ${input.path} already`);
    const max = WEBLOG_SOURCE_LIMITS.sourcesPerAgent;
    if (onAgent.length >= max) throw new RwError('RW_ERR_CONFLICT', `agent ${input.agentId} follows ${onAgent.length} web logs already: at most ${max}`);
  }

  private viewOf(s: StoredWeblogSource): WeblogSource {
    return { ...s, totals: this.deps.traffic.totals(s.id) };
  }
}
