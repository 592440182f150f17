// Inventory payload (S3): host facts an agent publishes retained on connect and on change.
// Every array and string has a bound (RES, docs/bounds.md), and so has the payload, checked
// before it is parsed.
import { z } from 'zod';
import { COLLECTOR_NAMES } from './families.js';

export const INVENTORY_LIMITS = {
  /** bytes of one inventory payload; the same as a metrics batch's, so one MQTT limit serves both */
  maxPayloadBytes: 256 * 1024,
  /** interfaces and filesystems listed (the agent lists at most this many) */
  maxListed: 256,
  /** addresses of one interface (the agent lists the first ones) */
  maxAddressesPerInterface: 16,
  /** a name, a version, a MAC or an address */
  maxShortText: 256,
  /** a mount point or a device path (PATH_MAX) */
  maxPathText: 4096,
} as const;

const short = z.string().max(INVENTORY_LIMITS.maxShortText);
const pathText = z.string().max(INVENTORY_LIMITS.maxPathText);

export const inventorySchema = z.object({
  v: z.literal(1),
  hostname: z.string().min(1).max(255),
  os: z.object({ platform: short, distro: short, release: short, kernel: short, arch: short }),
  cpu: z.object({ model: short, cores: z.number().int().nonnegative() }),
  memoryBytes: z.number().nonnegative(),
  interfaces: z.array(z.object({ name: short, mac: short, addresses: z.array(short).max(INVENTORY_LIMITS.maxAddressesPerInterface) })).max(INVENTORY_LIMITS.maxListed),
  filesystems: z.array(z.object({ mount: pathText, device: pathText, type: short, sizeBytes: z.number().nonnegative() })).max(INVENTORY_LIMITS.maxListed),
  agentVersion: short,
  /** Collector interval in seconds (the agent's shortest, when collectors run at several). */
  interval: z.number().int().positive(),
  /**
   * What the agent runs now (S2): every collector's switch and interval, from the appliance's
   * configuration or, before one arrived, from its own flags (`--interval`). The schedule dialog
   * shows these, not the appliance's defaults. Absent from older agents.
   */
  collectors: z.partialRecord(z.enum(COLLECTOR_NAMES), z.object({ enabled: z.boolean(), intervalS: z.number().int().positive() }).strict()).optional(),
  /**
   * The agent's disk queue (S2, S3, S15): batches it dropped, oldest first, because the queue reached
   * its size or age bound while the appliance was away, since the agent was installed, and when
   * the last such drop was (unix s). Absent from agents older than the queue.
   */
  queue: z.object({
    dropped: z.number().int().nonnegative(),
    lastDropAt: z.number().int().positive().nullable(),
  }).strict().optional(),
}).strict();

export type Inventory = z.infer<typeof inventorySchema>;
