// The bounds, families and ranges of walls and the schematic (S9, S21) without zod, so the web
// UI can import them and stay small (the schemas' module pulls zod into the bundle;
// docs/benchmarks.md "web UI"). The schemas in walls-api.ts are built from these.

export const WALL_LIMITS = {
  /** saved walls on one appliance */
  walls: 100,
  /** panels on one wall (a 1920×1080 screen shows 20–40 legibly; more scroll) */
  panels: 200,
  nameChars: 64,
  /** a host name as enrollment accepts it */
  hostChars: 253,
  /** grid columns a wall may fix (otherwise chosen to fit the screen) */
  maxColumns: 12,
} as const;

export const SCHEMATIC_LIMITS = {
  racks: 100,
  rackNameChars: 64,
  /** a rack's height in units (the common full rack is 42U; 60 covers the tall ones) */
  maxUnits: 60,
  /** one server's height in units */
  maxHeight: 10,
  placements: 2000,
  agentIdChars: 128,
} as const;

/** What one wall panel charts: the families an operator watches on a wall. */
export const WALL_FAMILIES = ['cpu', 'memory', 'disk', 'network', 'load'] as const;
export type WallFamily = (typeof WALL_FAMILIES)[number];

/** A wall's time range: live (the last ten minutes, updated from the stream) or a span ending now. */
export const WALL_RANGES = ['live', '1h', '1d', '1w', '1m', '1y'] as const;
export type WallRange = (typeof WALL_RANGES)[number];
