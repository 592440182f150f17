// Inventory payload (S3): host facts an agent publishes retained on connect and on change.
import { z } from 'zod';

export const inventorySchema = z.object({
  v: z.literal(1),
  hostname: z.string().min(1).max(255),
  os: z.object({ platform: z.string(), distro: z.string(), release: z.string(), kernel: z.string(), arch: z.string() }),
  cpu: z.object({ model: z.string(), cores: z.number().int().nonnegative() }),
  memoryBytes: z.number().nonnegative(),
  interfaces: z.array(z.object({ name: z.string(), mac: z.string(), addresses: z.array(z.string()) })).max(256),
  filesystems: z.array(z.object({ mount: z.string(), device: z.string(), type: z.string(), sizeBytes: z.number().nonnegative() })).max(256),
  agentVersion: z.string(),
  /** Collector interval in seconds (the agent's shortest, when collectors run at several). */
  interval: z.number().int().positive(),
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
