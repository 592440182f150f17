// Maintenance windows (B11): stored in SQLite (maintenance_windows), held in memory for the alert
// engine, which asks at each alert's firing whether its server is in a window (`openFor`) and,
// for the alerts it kept quiet, whether the window is over. The windows' openings are computed in
// the appliance's time zone (maintenance-schedule.ts).
import { randomUUID } from 'node:crypto';
import { RwError } from '../../../contract/errors.js';
import { MAINTENANCE_LIMITS, type MaintenanceInput, type MaintenanceListResponse, type MaintenanceScope, type MaintenanceSpan, type MaintenanceWindow } from '../../../contract/maintenance-api.js';
import type { Parsed } from '../../../core/validation-problems.js';
import type { Db } from '../../db/database.js';
import type { TimeZoneSpec } from '../policy/local-time.js';
import { parseMaintenanceInput } from './maintenance-input.js';
import { nextSpan, spanAt, spansBetween } from './maintenance-schedule.js';

export interface StoredWindow extends MaintenanceInput {
  id: string;
  author: string;
  createdAt: number;
  updatedAt: number;
}

interface Row {
  id: string;
  definition: string;
  author: string;
  created_at: number;
  updated_at: number;
}

/** An open window over a server: the window and its opening in progress. */
export interface OpenWindow {
  window: StoredWindow;
  span: MaintenanceSpan;
}

export interface MaintenanceCalendarDeps {
  db: Db;
  zone: TimeZoneSpec;
  /** whether a server or group a window names exists (400 otherwise) */
  agentExists: (id: string) => boolean;
  groupExists: (id: string) => boolean;
}

export class MaintenanceCalendar {
  private windows: StoredWindow[] = [];

  constructor(private readonly deps: MaintenanceCalendarDeps) {
    this.reload();
  }

  /** Reads the table again (after a write here, or the standby pair's copy: docs/standby.md). */
  reload(): void {
    this.windows = this.deps.db
      .prepare<[], Row>('SELECT id, definition, author, created_at, updated_at FROM maintenance_windows ORDER BY created_at, id')
      .all()
      .map((r) => ({ ...(JSON.parse(r.definition) as MaintenanceInput), id: r.id, author: r.author, createdAt: r.created_at, updatedAt: r.updated_at }));
  }

  list(): readonly StoredWindow[] {
    return this.windows;
  }

  get(id: string): StoredWindow | null {
    return this.windows.find((w) => w.id === id) ?? null;
  }

  /** POST /maintenance: the window as stored, or the problems with the body. */
  create(body: unknown, author: string, nowMs: number): Parsed<MaintenanceWindow> {
    const parsed = this.check(body, nowMs);
    if (!parsed.ok) return parsed;
    if (this.windows.length >= MAINTENANCE_LIMITS.windows) throw new RwError('RW_ERR_CAPACITY', `at most ${MAINTENANCE_LIMITS.windows} maintenance windows; delete ended ones first`);
    const id = randomUUID();
    this.deps.db.prepare('INSERT INTO maintenance_windows (id, definition, author, created_at, updated_at) VALUES (?, ?, ?, ?, ?)')
      .run(id, JSON.stringify(parsed.value), author, nowMs, nowMs);
    this.reload();
    return { ok: true, value: this.view(this.get(id) as StoredWindow, nowMs) };
  }

  /** PUT /maintenance/:id: replaces the window; its author becomes whoever changed it. */
  update(id: string, body: unknown, author: string, nowMs: number): Parsed<MaintenanceWindow> {
    if (!this.get(id)) throw new RwError('RW_ERR_NOT_FOUND', `no maintenance window ${id}`);
    const parsed = this.check(body, nowMs);
    if (!parsed.ok) return parsed;
    this.deps.db.prepare('UPDATE maintenance_windows SET definition = ?, author = ?, updated_at = ? WHERE id = ?').run(JSON.stringify(parsed.value), author, nowMs, id);
    this.reload();
    return { ok: true, value: this.view(this.get(id) as StoredWindow, nowMs) };
  }

  remove(id: string): void {
    if (this.deps.db.prepare('DELETE FROM maintenance_windows WHERE id = ?').run(id).changes === 0) throw new RwError('RW_ERR_NOT_FOUND', `no maintenance window ${id}`);
    this.reload();
  }

  private check(body: unknown, nowMs: number): Parsed<MaintenanceInput> {
    const parsed = parseMaintenanceInput(body, nowMs);
    if (!parsed.ok) return parsed;
    const scope = parsed.value.scope;
    if (scope.kind === 'agent' && !this.deps.agentExists(scope.agentId)) return { ok: false, problems: [`scope.agentId: no server ${scope.agentId}`] };
    if (scope.kind === 'group' && !this.deps.groupExists(scope.groupId)) return { ok: false, problems: [`scope.groupId: no group ${scope.groupId}`] };
    return parsed;
  }

  /** The window as the API shows it, with its opening now and its next one. */
  view(w: StoredWindow, nowMs: number): MaintenanceWindow {
    const current = spanAt(w.schedule, nowMs, this.deps.zone);
    return { ...w, current, next: nextSpan(w.schedule, current?.endsAt ?? nowMs, this.deps.zone) };
  }

  /** GET /maintenance, optionally only the windows over one server (with its current and next opening). */
  listing(nowMs: number, server?: { agentId: string; groupIds: readonly string[]; range?: { fromMs: number; toMs: number } }): MaintenanceListResponse {
    const timeZone = 'iana' in this.deps.zone ? this.deps.zone.iana : 'UTC';
    if (!server) return { windows: this.windows.map((w) => this.view(w, nowMs)), timeZone };
    const covering = this.windows.filter((w) => covers(w.scope, server.agentId, server.groupIds));
    const windows = covering.map((w) => this.view(w, nowMs));
    const current = windows.filter((w) => w.current).map((w) => ({ ...(w.current as MaintenanceSpan), windowId: w.id })).sort((a, b) => b.endsAt - a.endsAt)[0] ?? null;
    const next = windows.filter((w) => w.next).map((w) => ({ ...(w.next as MaintenanceSpan), windowId: w.id })).sort((a, b) => a.startsAt - b.startsAt)[0] ?? null;
    const range = server.range;
    if (!range) return { windows, timeZone, server: { agentId: server.agentId, current, next } };
    const spans = covering
      .flatMap((w) => spansBetween(w.schedule, range.fromMs, range.toMs, this.deps.zone, MAINTENANCE_LIMITS.spansPerRange).map((s) => ({ ...s, windowId: w.id })))
      .sort((a, b) => a.startsAt - b.startsAt)
      .slice(0, MAINTENANCE_LIMITS.spansPerRange);
    return { windows, timeZone, server: { agentId: server.agentId, current, next, spans } };
  }

  /** The window open over the server now that ends last, or null (an alert firing now is then quiet). */
  openFor(agentId: string, groupIds: readonly string[], nowMs: number): OpenWindow | null {
    let found: OpenWindow | null = null;
    for (const w of this.windows) {
      if (!covers(w.scope, agentId, groupIds)) continue;
      const span = spanAt(w.schedule, nowMs, this.deps.zone);
      if (span && (!found || span.endsAt > found.span.endsAt)) found = { window: w, span };
    }
    return found;
  }
}

export function covers(scope: MaintenanceScope, agentId: string, groupIds: readonly string[]): boolean {
  return scope.kind === 'all' || (scope.kind === 'agent' && scope.agentId === agentId) || (scope.kind === 'group' && groupIds.includes(scope.groupId));
}
