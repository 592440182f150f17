// The appliance's options (README "Configuration"): flags, each also an environment variable,
// validated once at start-up.
import { z } from 'zod';
import type { OptionSpec } from '../core/cli-options.js';
import { isValidTimeZone } from './alerting/policy/local-time.js';

export const APPLIANCE_OPTIONS: OptionSpec[] = [
  { flag: 'data-dir', env: 'RW_DATA_DIR', help: 'directory for all state: RRD files, SQLite, journal', defaultText: './var' },
  { flag: 'mqtt-port', env: 'RW_MQTT_PORT', help: 'MQTT listening port (0 = any free port)', defaultText: '1883' },
  { flag: 'http-port', env: 'RW_HTTP_PORT', help: 'HTTP port of the web UI and API (0 = any free port)', defaultText: '8080' },
  { flag: 'listen', env: 'RW_LISTEN', help: 'address both servers listen on', defaultText: '0.0.0.0' },
  { flag: 'enroll-token', env: 'RW_ENROLL_TOKEN', help: 'token agents enroll with; otherwise generated once and kept in the data dir' },
  { flag: 'retention', env: 'RW_RETENTION', help: 'RRD archive profile: "default" (1 day raw, 1 min/7 d, 5 min/31 d, 1 h/400 d) or "bench" (small, for load tests)', defaultText: 'default' },
  { flag: 'rrd-budget-bytes', env: 'RW_RRD_BUDGET_BYTES', help: 'bytes the RRD files may take in total; otherwise 90% of what the data filesystem offers' },
  { flag: 'rrd-write-interval', env: 'RW_RRD_WRITE_INTERVAL', help: "seconds rrdcached keeps each RRD file's updates in memory before writing them, plus up to as much again to spread the writes; shorter: less memory, more SD-card writes", defaultText: '300' },
  { flag: 'max-concurrent-writes', env: 'RW_MAX_CONCURRENT_WRITES', help: 'metrics batches written to rrdcached at once; beyond it acknowledgements wait (backpressure)', defaultText: '256' },
  { flag: 'log-level', env: 'RW_LOG_LEVEL', help: 'debug, info, warn or error', defaultText: 'info' },
  { flag: 'modem', env: 'RW_MODEM', help: 'GSM modem for SMS alerts: a serial port path (e.g. /dev/serial/by-id/…), "sim" (the built-in simulator on a socat pty) or "none"', defaultText: 'none' },
  { flag: 'modem-pin', env: 'RW_MODEM_PIN', help: 'SIM PIN, sent once per modem boot and never again after a rejection' },
  { flag: 'timezone', env: 'RW_TIMEZONE', help: 'IANA time zone for contact schedules and the times in SMS (e.g. Asia/Seoul)', defaultText: "the system's" },
  { flag: 'escalate-after', env: 'RW_ESCALATE_AFTER', help: 'seconds a firing alert may stay unacknowledged before the next escalation level is texted', defaultText: '900' },
  { flag: 'sms-rate-limit', env: 'RW_SMS_RATE_LIMIT', help: 'SMS per contact per 15 minutes; beyond it messages are held and sent as one digest', defaultText: '5' },
  { flag: 'silence-grace', env: 'RW_SILENCE_GRACE', help: 'seconds after start before an agent that has not reconnected counts as silent', defaultText: '30' },
];

function systemTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

const port = z.coerce.number().int().min(0).max(65535);

export const applianceConfigSchema = z.object({
  dataDir: z.string().min(1).default('./var'),
  mqttPort: port.default(1883),
  httpPort: port.default(8080),
  listen: z.string().min(1).default('0.0.0.0'),
  enrollToken: z.string().min(8, 'must be at least 8 characters').optional(),
  retention: z.enum(['default', 'bench']).default('default'),
  rrdBudgetBytes: z.coerce.number().int().positive().optional(),
  rrdWriteInterval: z.coerce.number().int().min(10).max(3600).default(300),
  maxConcurrentWrites: z.coerce.number().int().min(1).max(100_000).default(256),
  logLevel: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  modem: z.string().min(1).refine((v) => v === 'none' || v === 'sim' || v.startsWith('/'), 'must be an absolute device path, "sim" or "none"').default('none'),
  modemPin: z.string().regex(/^\d{4,8}$/, 'must be 4 to 8 digits').optional(),
  timezone: z.string().min(1).refine(isValidTimeZone, 'is not an IANA time zone such as Asia/Seoul or UTC').default(systemTimeZone),
  escalateAfter: z.coerce.number().int().min(1).max(7 * 24 * 3600).default(900),
  smsRateLimit: z.coerce.number().int().min(1).max(100_000).default(5),
  silenceGrace: z.coerce.number().int().min(0).max(3600).default(30),
});

export type ApplianceConfig = z.infer<typeof applianceConfigSchema>;
