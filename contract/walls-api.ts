// Walls and the schematic view (S9, S21; docs/api.md "Walls", "Schematic"): a wall is a named,
// saved layout of panels (a server, named by its host name, × a metric family) shown on a grid
// that fills the screen, with its own time range; the schematic is the one saved map of the
// servers in racks (rack name, unit position). The schemas are the routes' input schemas; the web
// UI imports the types from here and the limits from walls-limits.ts (no zod in its bundle).
import { z } from 'zod';
import { SCHEMATIC_LIMITS, WALL_FAMILIES, WALL_LIMITS, WALL_RANGES } from './walls-limits.js';

export * from './walls-limits.js';

const wallName = z.string().trim().min(1, 'name must not be empty').max(WALL_LIMITS.nameChars, `name is at most ${WALL_LIMITS.nameChars} characters`)
  // the name is the wall's address (#view=walls&wall=<name>): no control characters
  // eslint-disable-next-line no-control-regex
  .regex(/^[^\u0000-\u001f\u007f]+$/, 'name must not hold control characters');

export const wallPanelSchema = z.object({
  /** the server's host name (a wall is shared by names, not opaque ids) */
  host: z.string().min(1, 'host must not be empty').max(WALL_LIMITS.hostChars, `host is at most ${WALL_LIMITS.hostChars} characters`),
  family: z.enum(WALL_FAMILIES, { error: `must be one of ${WALL_FAMILIES.join(', ')}` }),
}).strict();
export type WallPanel = z.infer<typeof wallPanelSchema>;

/** The body of POST /walls and PUT /walls/:id. */
export const wallInputSchema = z.object({
  name: wallName,
  range: z.enum(WALL_RANGES, { error: `must be one of ${WALL_RANGES.join(', ')}` }).default('live'),
  /** null: as many columns as fit the screen */
  columns: z.number().int().min(1).max(WALL_LIMITS.maxColumns).nullable().default(null),
  panels: z.array(wallPanelSchema).max(WALL_LIMITS.panels, `at most ${WALL_LIMITS.panels} panels`),
}).strict();
export type WallInput = z.input<typeof wallInputSchema>;
export type WallDefinition = z.infer<typeof wallInputSchema>;

export interface Wall extends WallDefinition {
  id: string;
  /** unix s */
  createdAt: number;
  updatedAt: number;
}

export const rackSchema = z.object({
  name: z.string().trim().min(1, 'name must not be empty').max(SCHEMATIC_LIMITS.rackNameChars),
  units: z.number().int().min(1).max(SCHEMATIC_LIMITS.maxUnits).default(42),
}).strict();

export const placementSchema = z.object({
  agentId: z.string().min(1).max(SCHEMATIC_LIMITS.agentIdChars),
  rack: z.string().trim().min(1).max(SCHEMATIC_LIMITS.rackNameChars),
  /** the lowest unit the server occupies, 1 = the bottom of the rack */
  unit: z.number().int().min(1).max(SCHEMATIC_LIMITS.maxUnits),
  height: z.number().int().min(1).max(SCHEMATIC_LIMITS.maxHeight).default(1),
}).strict();

/** The body of PUT /schematic: the whole map, replaced at once. */
export const schematicInputSchema = z.object({
  racks: z.array(rackSchema).max(SCHEMATIC_LIMITS.racks),
  placements: z.array(placementSchema).max(SCHEMATIC_LIMITS.placements),
}).strict();
export type SchematicInput = z.input<typeof schematicInputSchema>;
export type SchematicLayout = z.infer<typeof schematicInputSchema>;
export type Rack = SchematicLayout['racks'][number];
export type Placement = SchematicLayout['placements'][number];

export interface Schematic extends SchematicLayout {
  /** unix s of the last change, null before the first */
  updatedAt: number | null;
}
