// Adding and removing servers by hand (S3, S4). A pre-registered server is listed at once as
// "awaiting agent", with the address the operator gave; the agent that later enrolls under the
// same host name takes that entry (enrollment.ts), so it keeps the id the UI, the groups and the
// schedules already use. Removing a server revokes its agent's secret and closes its MQTT
// connection; its RRD files stay on disk (rrd/<id>/) until someone deletes them.
import { isIP } from 'node:net';
import { z } from 'zod';
import { DISPLAY_NAME_MAX_CHARS, type AgentDetail } from '../../contract/api.js';
import { RwError } from '../../contract/errors.js';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import type { AgentRegistry } from './agent-registry.js';
import type { AgentRepository } from './agent-repository.js';
import { HOSTNAME_RE, newAgentId } from './enrollment.js';
import { problemsOf, type Parsed } from '../../core/validation-problems.js';
import { DEPENDENCY_LIMITS } from '../../contract/maintenance-api.js';
import { idText } from '../http/route-schemas.js';

export interface ServerAdminDeps {
  repo: AgentRepository;
  registry: AgentRegistry;
  /** servers the storage can hold in total (a pre-registered one counts: its agent will come) */
  serverCapacity: () => number;
  /** called after a pre-registration (its schedule is published) */
  onAdded: (agentId: string) => void;
  /** everything else that holds state about a server forgets it (secret cache, MQTT session, visitors) */
  onRemoved: (agentId: string) => void;
  clock: Clock;
  logger: Logger;
}

/** The body of POST /servers (checked by the route, and again by preRegister for other callers). */
export const preRegisterSchema = z.object({
  name: z.string().regex(HOSTNAME_RE, 'must be a host name: letters, digits, ".", "-", "_", at most 253 characters'),
  address: z.string().trim().min(1, 'is required').max(253)
    .refine((a) => a === '' || isIP(a) !== 0 || HOSTNAME_RE.test(a), 'must be an IPv4 or IPv6 address or a DNS name'),
}).strict();

/**
 * The body of PATCH /servers/:id (S4, B10): a display name, or null / "" to show the host name again;
 * and/or what the server depends on (agent or check ids; [] for nothing).
 * Control characters are refused: the name lands in table cells, SMS-free, but also in the CSV
 * exports and the audit log, where a newline would forge a row.
 */
export const patchServerSchema = z.object({
  displayName: z.union([
    z.null(),
    z.string().trim().max(DISPLAY_NAME_MAX_CHARS, `at most ${DISPLAY_NAME_MAX_CHARS} characters`)
      // eslint-disable-next-line no-control-regex -- the point is to find control characters
      .refine((n) => !/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(n), 'must not hold control characters or line breaks'),
  ], { error: 'must be a name (a string) or null' }).optional(),
  // B10: the servers and checks this one's alerts wait on (their existence and cycles are the
  // dependency store's checks)
  dependsOn: z.array(idText).max(DEPENDENCY_LIMITS.parentsPerOwner, `at most ${DEPENDENCY_LIMITS.parentsPerOwner} parents`)
    .refine((ids) => new Set(ids).size === ids.length, 'names a parent twice').optional(),
}).strict().refine((b) => b.displayName !== undefined || b.dependsOn !== undefined, 'give displayName, dependsOn or both');

export class ServerAdmin {
  constructor(private readonly deps: ServerAdminDeps) {}

  /** POST /servers: validates, refuses a name already taken (RW_ERR_CONFLICT) or a full store (RW_ERR_CAPACITY). */
  preRegister(body: unknown): Parsed<AgentDetail> {
    const parsed = preRegisterSchema.safeParse(body);
    if (!parsed.success) return { ok: false, problems: problemsOf(parsed.error) };
    const { name, address } = parsed.data;
    const wanted = name.toLowerCase();
    const clash = this.deps.repo.listings().find((a) => a.hostname.toLowerCase() === wanted);
    if (clash) {
      throw new RwError('RW_ERR_CONFLICT', clash.awaitingAgent
        ? `a server named ${name} is already registered and awaiting its agent (${clash.id})`
        : `a server named ${name} is already monitored (${clash.id}); an agent enrolling under this name would not be told apart`);
    }
    const count = this.deps.repo.count();
    const capacity = this.deps.serverCapacity();
    if (count + 1 > capacity) {
      throw new RwError('RW_ERR_CAPACITY', `storage is full: ${count} servers registered, room for ${capacity}; free disk space or lower the retention before adding servers`);
    }
    const id = newAgentId();
    this.deps.repo.insertAwaiting(id, name, address, this.deps.clock.now());
    const row = this.deps.repo.get(id);
    if (!row) throw new RwError('RW_ERR_INTERNAL', `server ${id} vanished right after it was added`);
    this.deps.registry.added(row);
    this.deps.onAdded(id);
    this.deps.logger.info('server pre-registered', { agentId: id, name, address });
    const detail = this.deps.registry.detail(id);
    if (!detail) throw new RwError('RW_ERR_INTERNAL', `server ${id} vanished right after it was added`);
    return { ok: true, value: detail };
  }

  /** PATCH /servers/:id: the display name (body checked by the route's schema); "" takes it away. */
  rename(agentId: string, displayName: string | null): AgentDetail {
    const name = displayName === null || displayName === '' ? null : displayName;
    if (!this.deps.repo.rename(agentId, name)) throw new RwError('RW_ERR_NOT_FOUND', `no server ${agentId}`);
    this.deps.registry.announce(agentId);
    this.deps.logger.info('server renamed', { agentId, displayName: name });
    const detail = this.deps.registry.detail(agentId);
    if (!detail) throw new RwError('RW_ERR_NOT_FOUND', `no server ${agentId}`);
    return detail;
  }

  /** DELETE /servers/:id: a pre-registered entry or an enrolled agent. */
  remove(agentId: string): void {
    const row = this.deps.repo.get(agentId);
    if (!row || !this.deps.repo.delete(agentId)) throw new RwError('RW_ERR_NOT_FOUND', `no server ${agentId}`);
    this.deps.onRemoved(agentId);
    this.deps.registry.removed(agentId, row.hostname);
    this.deps.logger.info('server removed', { agentId, hostname: row.hostname, wasAwaitingAgent: row.awaitingAgent });
  }
}
