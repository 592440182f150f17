// The appliance's options (README "Configuration"): flags, each also an environment variable,
// validated once at start-up.
import { z } from 'zod';
import type { OptionSpec } from '../core/cli-options.js';

export const APPLIANCE_OPTIONS: OptionSpec[] = [
  { flag: 'data-dir', env: 'RW_DATA_DIR', help: 'directory for all state: RRD files, SQLite, journal', defaultText: './var' },
  { flag: 'mqtt-port', env: 'RW_MQTT_PORT', help: 'MQTT listening port (0 = any free port)', defaultText: '1883' },
  { flag: 'http-port', env: 'RW_HTTP_PORT', help: 'HTTP port of the web UI and API (0 = any free port)', defaultText: '8080' },
  { flag: 'listen', env: 'RW_LISTEN', help: 'address both servers listen on', defaultText: '0.0.0.0' },
  { flag: 'enroll-token', env: 'RW_ENROLL_TOKEN', help: 'token agents enroll with; otherwise generated once and kept in the data dir' },
  { flag: 'retention', env: 'RW_RETENTION', help: 'RRD archive profile: "default" (1 day raw, 1 min/7 d, 5 min/31 d, 1 h/400 d) or "bench" (small, for load tests)', defaultText: 'default' },
  { flag: 'rrd-budget-bytes', env: 'RW_RRD_BUDGET_BYTES', help: 'bytes the RRD files may take in total; otherwise 90% of what the data filesystem offers' },
  { flag: 'max-concurrent-writes', env: 'RW_MAX_CONCURRENT_WRITES', help: 'metrics batches written to rrdcached at once; beyond it acknowledgements wait (backpressure)', defaultText: '256' },
  { flag: 'log-level', env: 'RW_LOG_LEVEL', help: 'debug, info, warn or error', defaultText: 'info' },
];

const port = z.coerce.number().int().min(0).max(65535);

export const applianceConfigSchema = z.object({
  dataDir: z.string().min(1).default('./var'),
  mqttPort: port.default(1883),
  httpPort: port.default(8080),
  listen: z.string().min(1).default('0.0.0.0'),
  enrollToken: z.string().min(8, 'must be at least 8 characters').optional(),
  retention: z.enum(['default', 'bench']).default('default'),
  rrdBudgetBytes: z.coerce.number().int().positive().optional(),
  maxConcurrentWrites: z.coerce.number().int().min(1).max(100_000).default(256),
  logLevel: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
});

export type ApplianceConfig = z.infer<typeof applianceConfigSchema>;
