// Alerts that are shown but not texted (B10 dependencies, B11 maintenance windows). When an alert
// fires, it is marked quiet if its server is in a maintenance window ("in maintenance") or one of
// its parents is down ("suppressed", the parent named): the notification policy never hears of
// it, so nobody is texted or escalated to, and if it resolves while quiet nothing is sent at all.
// A quiet alert is released when its window is over, or when all its parents have been up for
// the settle time: still firing then, it is texted as if it had just fired.
//
// A parent is down while an alert of its own fires (acknowledged or quiet ones included, so a
// chain of dependencies is followed): for a server, its agent-silent alert; for a check, an alert
// of a rule on that check. Alerts of the appliance's own faults and sign-in locks are never quiet.
import { isCheckMetric, type Alert, type AlertQuiet } from '../../contract/alerting.js';
import type { AlertBook, AlertEvent } from './rules/alert-lifecycle.js';
import { seriesOf } from './rules/alert-lifecycle.js';
import { seriesKey } from './rules/rule-evaluator.js';
import type { DependencyStore } from './dependencies/dependency-store.js';
import type { MaintenanceCalendar } from './maintenance/maintenance-calendar.js';

export interface QuietAlertsDeps {
  maintenance: MaintenanceCalendar | null;
  dependencies: DependencyStore | null;
  groupsOf: (agentId: string) => readonly string[];
  /** a parent's name in the UI: a server's host name, a check's name */
  parentName: (parentId: string) => string;
  /** rules whose alerts are always texted (the appliance's own faults) */
  alwaysTexted: ReadonlySet<string>;
}

/** The id an alert stands for as a parent: its server when it says the server is silent, its check when it is about one. */
export function parentIdOf(alert: Alert): string | null {
  if (alert.metric.kind === 'agent_silent') return alert.agentId;
  if (isCheckMetric(alert.metric)) return alert.key ?? null;
  return null;
}

const isDown = (a: Alert): boolean => a.state === 'firing' || a.state === 'acknowledged';

export interface Release {
  book: AlertBook;
  /** alerts whose quiet ended (the new snapshots): those still firing are texted now */
  released: Alert[];
  /** alerts whose quiet changed without ending (a window made longer) */
  changed: Alert[];
  /** when to look again (a window's end, a settle time), or null */
  nextCheckAtMs: number | null;
}

export class QuietAlerts {
  /** series keys of the open quiet alerts: the release check looks at these only */
  private readonly keys = new Set<string>();
  /** alert id → since when all its parents are up (the settle time runs from there) */
  private readonly upSince = new Map<number, number>();

  constructor(private readonly deps: QuietAlertsDeps) {}

  /** After a restart: the open alerts that were quiet stay so until their release is due. */
  restore(open: Iterable<Alert>): void {
    for (const a of open) if (a.quiet) this.keys.add(seriesKey(seriesOf(a)));
  }

  get count(): number {
    return this.keys.size;
  }

  /** The ids of servers and checks that are down now (an alert of their own fires). */
  private downIds(book: AlertBook): Set<string> {
    const down = new Set<string>();
    for (const a of book.open.values()) {
      const id = isDown(a) ? parentIdOf(a) : null;
      if (id !== null) down.add(id);
    }
    return down;
  }

  private quietOf(alert: Alert, nowMs: number, down: () => Set<string>): AlertQuiet | null {
    if (this.deps.alwaysTexted.has(alert.ruleId)) return null;
    const groups = this.deps.groupsOf(alert.agentId);
    const open = this.deps.maintenance?.openFor(alert.agentId, groups, nowMs);
    if (open) return { kind: 'maintenance', windowId: open.window.id, reason: open.window.reason, author: open.window.author, untilMs: open.span.endsAt };
    const deps = this.deps.dependencies;
    if (!deps || deps.empty) return null;
    const own = parentIdOf(alert);
    const parent = deps.parentsOf(alert.agentId, groups).find((p) => p !== own && down().has(p));
    return parent === undefined ? null : { kind: 'dependency', parentId: parent, parentName: this.deps.parentName(parent) };
  }

  /**
   * Marks the alerts that fire in these events quiet (and a parent's with its number of
   * dependants); answers the events as stored and shown, and those the notification policy hears.
   */
  mark(events: readonly AlertEvent[], book: AlertBook, nowMs: number): { book: AlertBook; events: AlertEvent[]; forPolicy: AlertEvent[]; newlyQuiet: number } {
    let open: Map<string, Alert> | null = null;
    let down: Set<string> | null = null;
    const downNow = (): Set<string> => (down ??= this.downIds(book));
    /** what this batch marked, by alert id: later events of the same alert carry it */
    const marked = new Map<number, Partial<Alert>>();
    const out: AlertEvent[] = [];
    const forPolicy: AlertEvent[] = [];
    let newlyQuiet = 0;
    for (const e of events) {
      let alert = e.alert;
      const earlier = marked.get(alert.id);
      if (earlier) alert = { ...alert, ...earlier };
      else if (e.kind === 'fired' && alert.quiet === undefined) {
        const marks: Partial<Alert> = {};
        const quiet = this.quietOf(alert, nowMs, downNow);
        if (quiet) {
          marks.quiet = quiet;
          newlyQuiet++;
        }
        const parentId = this.deps.dependencies && !this.deps.dependencies.empty ? parentIdOf(alert) : null;
        const dependants = parentId === null ? 0 : (this.deps.dependencies?.dependantsOf(parentId) ?? 0);
        if (dependants > 0) marks.dependants = dependants;
        if (quiet || dependants > 0) {
          marked.set(alert.id, marks);
          alert = { ...alert, ...marks };
        }
      }
      const key = seriesKey(seriesOf(alert));
      if (alert !== e.alert && book.open.has(key)) {
        open ??= new Map(book.open);
        open.set(key, alert);
      }
      if (alert.quiet) {
        if (e.kind === 'resolved' || e.kind === 'cancelled') {
          this.keys.delete(key);
          this.upSince.delete(alert.id);
        } else this.keys.add(key);
      }
      const event = alert === e.alert ? e : { ...e, alert };
      out.push(event);
      if (!alert.quiet) forPolicy.push(event);
    }
    return { book: open ? { nextId: book.nextId, open } : book, events: out, forPolicy, newlyQuiet };
  }

  /** The quiet alerts whose window ended or whose parents have been up for the settle time. */
  release(book: AlertBook, nowMs: number): Release {
    const none: Release = { book, released: [], changed: [], nextCheckAtMs: null };
    if (this.keys.size === 0) return none;
    let down: Set<string> | null = null;
    const downNow = (): Set<string> => (down ??= this.downIds(book));
    const open = new Map(book.open);
    const released: Alert[] = [];
    const changed: Alert[] = [];
    let next: number | null = null;
    const at = (t: number): void => {
      if (next === null || t < next) next = t;
    };
    const settleMs = this.deps.dependencies?.settleMs ?? 0;
    for (const key of [...this.keys]) {
      const alert = open.get(key);
      if (!alert?.quiet) {
        this.keys.delete(key);
        continue;
      }
      if (alert.quiet.kind === 'dependency') {
        const parents = this.deps.dependencies?.parentsOf(alert.agentId, this.deps.groupsOf(alert.agentId)) ?? [];
        const own = parentIdOf(alert);
        if (parents.some((p) => p !== own && downNow().has(p))) {
          this.upSince.delete(alert.id);
          continue;
        }
        const since = this.upSince.get(alert.id) ?? nowMs;
        this.upSince.set(alert.id, since);
        if (nowMs - since < settleMs) {
          at(since + settleMs);
          continue;
        }
      }
      // the window is over (or the parents are back): quiet again only if another reason holds now
      const again = this.quietOf({ ...alert, quiet: undefined }, nowMs, downNow);
      if (again && again.kind === alert.quiet.kind) {
        if (again.kind === 'maintenance' && again.untilMs !== null) at(again.untilMs);
        if (JSON.stringify(again) !== JSON.stringify(alert.quiet)) {
          const updated = { ...alert, quiet: again };
          open.set(key, updated);
          changed.push(updated);
        }
        continue;
      }
      this.upSince.delete(alert.id);
      const { quiet: _ended, ...rest } = alert;
      const next2: Alert = again ? { ...rest, quiet: again } : rest;
      open.set(key, next2);
      if (again) {
        changed.push(next2);
        if (again.kind === 'maintenance' && again.untilMs !== null) at(again.untilMs);
        continue;
      }
      this.keys.delete(key);
      released.push(next2);
    }
    if (released.length === 0 && changed.length === 0) return { ...none, nextCheckAtMs: next };
    return { book: { nextId: book.nextId, open }, released, changed, nextCheckAtMs: next };
  }
}
