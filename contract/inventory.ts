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
  /** Collector interval in seconds. */
  interval: z.number().int().positive(),
}).strict();

export type Inventory = z.infer<typeof inventorySchema>;
