// GET /api/v1/stream: Server-Sent Events from the live hub. `?agent=<id>` (repeatable) limits
// samples and status changes to those agents; `agent` events (a new or renamed agent) always pass
// so that server lists stay current. A reconnect with Last-Event-ID replays what the hub still
// holds. A subscriber that stops reading is cut off rather than buffered without bound: its
// EventSource reconnects and catches up from the ring.
import type { FastifyInstance } from 'fastify';
import { API_PREFIX } from '../../contract/api.js';
import { RwError } from '../../contract/errors.js';
import { requestUrl } from '../http/http-server.js';
import type { LiveHub, ReplayEvent } from './live-hub.js';
import { roleAllows } from '../../contract/permissions.js';

export interface EventStreamOptions {
  heartbeatMs: number;
  /** bytes queued for one subscriber before it is disconnected */
  maxBufferedBytes: number;
  /** EventSource reconnection delay sent to clients */
  retryMs: number;
}

export const MAX_STREAM_AGENTS = 1000;

export interface EventStreamDeps extends EventStreamOptions {
  hub: LiveHub;
  /**
   * S17: whether a user granted the deploy right on groups of servers (not by role) may see a
   * `file-job` event about this server now; absent: only by role
   */
  fileJobVisible?: (userId: number, agentId: string) => boolean;
}

/**
 * GET /api/v1/stream. The response is taken over from Fastify (reply.hijack): it never ends by
 * itself, is written in frames and must not pass through compression.
 */
export function eventStreamRoutes(app: FastifyInstance, deps: EventStreamDeps): Promise<void> {
  app.get(`${API_PREFIX}/stream`, { config: { permission: 'stream:read' } }, (request, reply) => {
    const url = requestUrl(request);
    const agentList = url.searchParams.getAll('agent').filter(Boolean);
    if (agentList.length > MAX_STREAM_AGENTS) throw new RwError('RW_ERR_BAD_REQUEST', `at most ${MAX_STREAM_AGENTS} agent= parameters`);
    // the security headers (helmet) are already on the raw response
    reply.hijack();
    const req = request.raw;
    const res = reply.raw;
    const hub = deps.hub;
    const opts = deps;
    const agents = new Set(agentList);
    // SMS events carry phone numbers: only for a role that may read the outbox (SEC)
    const smsAllowed = request.principal !== null && roleAllows(request.principal.role, 'sms:read');
    // file jobs' states (S17) name paths and accounts on servers: only for whoever may make them
    // there, an admin by role, a granted user while a group granted to them holds the server
    const principal = request.principal;
    const filesByRole = principal !== null && roleAllows(principal.role, 'files:deploy');
    const filesByGrant = !filesByRole && principal !== null && (principal.deployGroupIds?.length ?? 0) > 0 && deps.fileJobVisible !== undefined;
    const fileJobWanted = (agentId: string): boolean => filesByRole || (filesByGrant && principal !== null && (deps.fileJobVisible?.(principal.userId, agentId) ?? false));
    const wanted = (e: ReplayEvent): boolean => (e.name !== 'sms' || smsAllowed) && (e.name !== 'file-job' || fileJobWanted(e.agentId))
      && (agents.size === 0 || e.name === 'agent' || agents.has(e.agentId));
    const lastIdText = req.headers['last-event-id'] ?? url.searchParams.get('lastEventId');
    const lastId = typeof lastIdText === 'string' && /^\d+$/.test(lastIdText) ? Number(lastIdText) : null;

    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write(`retry: ${opts.retryMs}\n: rackwatch stream\n\n`);
    // What a reconnect replays is queued at once and may exceed the limit by itself (the ring
    // holds thousands of events): the limit counts on top of it until the socket has drained,
    // or every reconnect of a busy dashboard would be cut off at its first live event.
    let allowance = opts.maxBufferedBytes;
    if (lastId !== null) {
      for (const e of hub.since(lastId)) {
        if (!wanted(e)) continue;
        allowance += Buffer.byteLength(e.frame);
        res.write(e.frame);
      }
    }
    res.on('drain', () => {
      allowance = opts.maxBufferedBytes;
    });

    // Frames of one turn of the event loop go out in one write: at 10,000 agents the hub
    // publishes ~2,000 events/s, and a write (an HTTP chunk) per event was a share of the CPU
    let batch = '';
    let flushing = false;
    const flush = (): void => {
      flushing = false;
      if (batch === '' || res.destroyed) return;
      const text = batch;
      batch = '';
      res.write(text);
    };
    const send = (e: ReplayEvent): void => {
      if (!wanted(e)) return;
      if (res.writableLength + batch.length > allowance) {
        batch = '';
        res.destroy();
        return;
      }
      batch += e.frame;
      if (!flushing) {
        flushing = true;
        setImmediate(flush);
      }
    };
    const unsubscribe = hub.subscribe(send, { client: true });
    // the caller is checked again at each heartbeat: an ended session or revoked token ends the stream
    const heartbeat = setInterval(() => {
      if (request.stillAllowed()) res.write(`: heartbeat ${Date.now()}\n\n`);
      else res.end();
    }, opts.heartbeatMs);
    const cleanup = (): void => {
      clearInterval(heartbeat);
      unsubscribe();
    };
    res.once('close', cleanup);
    req.once('close', cleanup);
  });
  return Promise.resolve();
}
