// Walls and the schematic map (S9, S21) as one feature: the saved walls with their bounds and the
// checks a schema cannot make (the host names a wall shows are known servers, a name is taken
// once), and the schematic's racks and placements (each server in one existing rack, inside it,
// not overlapping another). Built by the composition root with one deps object; it owns no timer.
import { randomBytes } from 'node:crypto';
import { RwError } from '../../contract/errors.js';
import {
  schematicInputSchema, wallInputSchema, WALL_LIMITS,
  type Schematic, type SchematicLayout, type Wall, type WallDefinition,
} from '../../contract/walls-api.js';
import type { Clock } from '../../core/clock.js';
import { problemsOf, type Parsed } from '../../core/validation-problems.js';
import type { Db } from '../db/database.js';
import { WallRepository } from './wall-repository.js';

export interface WallsFeatureDeps {
  db: Db;
  clock: Clock;
  /** whether a server of this host name is known (enrolled or pre-registered) */
  hostExists: (hostname: string) => boolean;
  agentExists: (agentId: string) => boolean;
}

export class WallsFeature {
  readonly repo: WallRepository;

  constructor(private readonly deps: WallsFeatureDeps) {
    this.repo = new WallRepository(deps.db);
  }

  list(): Wall[] {
    return this.repo.list();
  }

  /** A wall by its id or by its name (any letter case): a shared address names it. */
  get(idOrName: string): Wall {
    const wall = this.repo.get(idOrName) ?? this.repo.get(this.repo.idByName(idOrName) ?? '');
    if (!wall) throw new RwError('RW_ERR_NOT_FOUND', `no wall ${idOrName.slice(0, 64)}`);
    return wall;
  }

  create(input: unknown): Parsed<Wall> {
    const def = this.checked(input, null);
    if (!def.ok) return def;
    if (this.repo.count() >= WALL_LIMITS.walls) throw new RwError('RW_ERR_CONFLICT', `at most ${WALL_LIMITS.walls} walls: remove one first`);
    const id = `w-${randomBytes(6).toString('hex')}`;
    this.repo.insert(id, def.value, this.deps.clock.now());
    return { ok: true, value: this.get(id) };
  }

  update(idOrName: string, input: unknown): Parsed<Wall> {
    const { id } = this.get(idOrName);
    const def = this.checked(input, id);
    if (!def.ok) return def;
    this.repo.update(id, def.value, this.deps.clock.now());
    return { ok: true, value: this.get(id) };
  }

  remove(idOrName: string): void {
    this.repo.delete(this.get(idOrName).id);
  }

  /** The map; servers removed since it was saved are left out. */
  schematic(): Schematic {
    const saved = this.repo.schematic();
    if (!saved) return { racks: [], placements: [], updatedAt: null };
    return {
      racks: saved.layout.racks,
      placements: saved.layout.placements.filter((p) => this.deps.agentExists(p.agentId)),
      updatedAt: Math.floor(saved.savedAtMs / 1000),
    };
  }

  saveSchematic(input: unknown): Parsed<Schematic> {
    const parsed = schematicInputSchema.safeParse(input);
    if (!parsed.success) return { ok: false, problems: problemsOf(parsed.error) };
    const problems = schematicProblems(parsed.data, this.deps.agentExists);
    if (problems.length > 0) return { ok: false, problems };
    this.repo.saveSchematic(parsed.data, this.deps.clock.now());
    return { ok: true, value: this.schematic() };
  }

  /** The schema's problems are 400s; so are unknown host names, each named by its panel. */
  private checked(input: unknown, ownId: string | null): Parsed<WallDefinition> {
    const parsed = wallInputSchema.safeParse(input);
    if (!parsed.success) return { ok: false, problems: problemsOf(parsed.error) };
    const problems = parsed.data.panels.flatMap((p, i) => (this.deps.hostExists(p.host) ? [] : [`panels.${i}.host: no server named ${p.host.slice(0, 64)}`]));
    if (problems.length > 0) return { ok: false, problems: problems.slice(0, 20) };
    const holder = this.repo.idByName(parsed.data.name);
    if (holder !== null && holder !== ownId) throw new RwError('RW_ERR_CONFLICT', `a wall named ${parsed.data.name} exists already`);
    return { ok: true, value: parsed.data };
  }
}

/** What the schema cannot see: unknown racks and servers, servers placed twice, outside their rack or overlapping. */
export function schematicProblems(layout: SchematicLayout, agentExists: (id: string) => boolean): string[] {
  const problems: string[] = [];
  const units = new Map<string, number>();
  layout.racks.forEach((r, i) => {
    if (units.has(r.name)) problems.push(`racks.${i}.name: a rack named ${r.name} is listed twice`);
    units.set(r.name, r.units);
  });
  const placed = new Set<string>();
  /** per rack, which server holds each unit */
  const taken = new Map<string, Map<number, string>>();
  layout.placements.forEach((p, i) => {
    const at = `placements.${i}`;
    if (!agentExists(p.agentId)) return void problems.push(`${at}.agentId: no server ${p.agentId.slice(0, 64)}`);
    if (placed.has(p.agentId)) return void problems.push(`${at}.agentId: server ${p.agentId} is placed twice`);
    placed.add(p.agentId);
    const height = units.get(p.rack);
    if (height === undefined) return void problems.push(`${at}.rack: no rack named ${p.rack.slice(0, 64)}`);
    const top = p.unit + p.height - 1;
    if (top > height) return void problems.push(`${at}.unit: units ${p.unit}–${top} do not fit rack ${p.rack} of ${height} units`);
    const rack = taken.get(p.rack) ?? new Map<number, string>();
    taken.set(p.rack, rack);
    for (let u = p.unit; u <= top; u++) {
      const other = rack.get(u);
      if (other !== undefined) return void problems.push(`${at}.unit: unit ${u} of rack ${p.rack} is taken by server ${other}`);
    }
    for (let u = p.unit; u <= top; u++) rack.set(u, p.agentId);
  });
  return problems.slice(0, 20);
}
