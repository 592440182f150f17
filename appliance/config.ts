// The appliance's options: flags, each also an environment variable, validated once at start-up
// (docs/conventions.md 6). Each default is written once, in the schema; --help and the README's
// flag table (scripts/readme-flags.ts) read it from there.
import { z } from 'zod';
import type { OptionSpec } from '../core/cli-options.js';
import { isValidTimeZone } from './alerting/policy/local-time.js';
import { isHostOrAddress } from './http/public-address.js';
import { DEFAULT_CONNECTIONS_PER_ADDRESS } from './broker/address-connection-cap.js';
import { DEFAULT_FILES_PER_AGENT } from './store/series-quota.js';
import { DEFAULT_SETTLE_MS } from './alerting/dependencies/settle-time.js';
import { BASELINE_TICK_MS } from './alerting/baseline-watch.js';

export const APPLIANCE_OPTIONS: OptionSpec[] = [
  { flag: 'data-dir', env: 'RW_DATA_DIR', help: "all state: `rrd/`, `db/rackwatch.sqlite`, rrdcached's journal and socket, the enrollment token" },
  { flag: 'mqtt-port', env: 'RW_MQTT_PORT', help: 'MQTT (0 = any free port)' },
  { flag: 'mqtts-port', env: 'RW_MQTTS_PORT', help: 'MQTT over TLS, with the key and certificate in `<data-dir>/tls/` (a self-signed pair is made at first start; 0 = any free port)' },
  { flag: 'mqtt-plain', env: 'RW_MQTT_PLAIN', help: '`on` or `off`: whether plain (unencrypted) MQTT is served besides MQTT over TLS' },
  { flag: 'https-port', env: 'RW_HTTPS_PORT', help: 'web UI and API over TLS (HTTPS), with the same key and certificate as MQTT over TLS (0 = any free port)' },
  { flag: 'http-port', env: 'RW_HTTP_PORT', help: 'plain HTTP (0 = any free port); what it does is --http-plain' },
  { flag: 'http-plain', env: 'RW_HTTP_PLAIN', help: "`redirect`: plain HTTP answers 308 to the same path on HTTPS at --public-address, except agent enrollment and the agent installer's files (agents installed before TLS use them; docs/security.md); `serve`: plain HTTP serves everything too (a closed lab network, tests); `off`: no plain HTTP listener" },
  { flag: 'listen', env: 'RW_LISTEN', help: 'address every server binds to' },
  { flag: 'public-address', env: 'RW_PUBLIC_ADDRESS', help: "host name or IP address agents and browsers reach the appliance at: the install command, /install.sh, the HTTPS redirect and the self-signed certificate's names use it (never a request's Host header)", defaultText: '--listen when it is a single address, else the host name' },
  { flag: 'enroll-token', env: 'RW_ENROLL_TOKEN', help: 'token agents enroll with', defaultText: 'generated once, kept 0600 in `<data-dir>/enroll-token`, shown once when made (then to admins in the web UI)' },
  { flag: 'retention', env: 'RW_RETENTION', help: 'RRD archive profile: `default` (1 day raw, 1 min/7 d, 5 min/31 d, 1 h/400 d; docs/storage.md); `bench` is a small one for load tests' },
  { flag: 'rrd-budget-bytes', env: 'RW_RRD_BUDGET_BYTES', help: 'bytes the RRD files may take; enrollment beyond it is refused', defaultText: '90 % of the data filesystem' },
  { flag: 'rrd-write-interval', env: 'RW_RRD_WRITE_INTERVAL', help: "seconds rrdcached keeps each file's updates in memory (and its journal) before writing them, plus a random delay of up to as much again so that files are not all written at once (`-w`, `-z`); shorter: less rrdcached memory, more writes to the SD card (docs/storage.md)" },
  { flag: 'sample-journal', env: 'RW_SAMPLE_JOURNAL', help: "`on`: a sample is acknowledged to its agent only once it is fdatasynced in the appliance's own journal (`<data-dir>/sample-journal/`), so a power cut loses nothing acknowledged; `off` only for a benchmark's baseline or a data directory on tmpfs: a power cut then loses minutes of acknowledged samples (docs/storage.md \"Power cut\")" },
  { flag: 'sample-journal-commit-ms', env: 'RW_SAMPLE_JOURNAL_COMMIT_MS', help: 'milliseconds a batch waits for others to share its fdatasync (group commit): at most 1000/N commits a second, each rewriting the journal\'s last 4 KiB page on the card; more: fewer writes, later acknowledgements (docs/storage.md "Power cut")' },
  { flag: 'mqtt-connections-per-address', env: 'RW_MQTT_CONNECTIONS_PER_ADDRESS', help: 'MQTT connections at once from one remote address (plain and TLS together); beyond it a connection is closed at once. The default holds a whole fleet behind one NAT (docs/bounds.md); a load generator on one address needs more' },
  { flag: 'series-per-agent', env: 'RW_SERIES_PER_AGENT', help: "RRD files one agent may have (each series at each step is one file of a fixed size); samples of new series beyond it are refused, the agent is told and an info alert raised. The default counts each family's series with 64 cores, filesystems, interfaces and disks (docs/bounds.md)" },
  { flag: 'max-concurrent-writes', env: 'RW_MAX_CONCURRENT_WRITES', help: 'batches written to rrdcached at once; beyond it acknowledgements wait' },
  { flag: 'log-level', env: 'RW_LOG_LEVEL', help: 'debug, info, warn, error' },
  { flag: 'modem', env: 'RW_MODEM', help: 'the GSM modem for SMS: a serial device path (best a `/dev/serial/by-id/…` link), `sim` (the modem simulator on a socat pty, built apart as `dist/modem-sim.js`; the demo uses it) or `none`' },
  { flag: 'modem-pin', env: 'RW_MODEM_PIN', help: 'SIM PIN; sent once per modem boot, never again after a rejection' },
  { flag: 'timezone', env: 'RW_TIMEZONE', help: 'IANA zone for contact schedules and the times printed in SMS (e.g. Asia/Seoul)', defaultText: "the system's" },
  { flag: 'escalate-after', env: 'RW_ESCALATE_AFTER', help: 'seconds a firing alert may go unacknowledged before the next escalation level is texted' },
  { flag: 'sms-rate-limit', env: 'RW_SMS_RATE_LIMIT', help: 'SMS per contact per 15 minutes; beyond it messages are held and sent as one digest' },
  { flag: 'session-idle', env: 'RW_SESSION_IDLE', help: 'minutes a web session may go unused before it ends (sign in again)' },
  { flag: 'session-max', env: 'RW_SESSION_MAX', help: 'hours after sign-in when a web session ends however busy it is' },
  { flag: 'silence-grace', env: 'RW_SILENCE_GRACE', help: 'seconds after start before an agent that has not reconnected counts as silent' },
  { flag: 'baseline-interval', env: 'RW_BASELINE_INTERVAL', help: 'seconds between two reads of the Holt-Winters archives for the baseline rules (B9; each read takes at most 200 series; docs/alerting.md)' },
  { flag: 'dependency-settle', env: 'RW_DEPENDENCY_SETTLE', help: 'seconds every parent of a server must have been up before its alerts still firing, held back while a parent was down, are texted (B10; docs/alerting.md)' },
];

function systemTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

const port = z.coerce.number().int().min(0).max(65535);

export const applianceConfigSchema = z.object({
  dataDir: z.string().min(1).default('./var'),
  mqttPort: port.default(1883),
  mqttsPort: port.default(8883),
  mqttPlain: z.enum(['on', 'off']).default('on'),
  httpsPort: port.default(8443),
  httpPort: port.default(8080),
  httpPlain: z.enum(['redirect', 'serve', 'off']).default('redirect'),
  listen: z.string().min(1).default('0.0.0.0'),
  // goes into a shell script and URLs: a host name or an IP address, nothing else
  publicAddress: z.string().refine(isHostOrAddress, 'must be a host name or an IP address (no scheme, port or path)').optional(),
  enrollToken: z.string().min(8, 'must be at least 8 characters').optional(),
  retention: z.enum(['default', 'bench']).default('default'),
  rrdBudgetBytes: z.coerce.number().int().positive().optional(),
  rrdWriteInterval: z.coerce.number().int().min(10).max(3600).default(300),
  sampleJournal: z.enum(['on', 'off']).default('on'),
  sampleJournalCommitMs: z.coerce.number().int().min(0).max(50).default(20),
  mqttConnectionsPerAddress: z.coerce.number().int().min(1).max(1_000_000).default(DEFAULT_CONNECTIONS_PER_ADDRESS),
  seriesPerAgent: z.coerce.number().int().min(1).max(100_000).default(DEFAULT_FILES_PER_AGENT),
  maxConcurrentWrites: z.coerce.number().int().min(1).max(100_000).default(256),
  logLevel: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  modem: z.string().min(1).refine((v) => v === 'none' || v === 'sim' || v.startsWith('/'), 'must be an absolute device path, "sim" or "none"').default('none'),
  modemPin: z.string().regex(/^\d{4,8}$/, 'must be 4 to 8 digits').optional(),
  timezone: z.string().min(1).refine(isValidTimeZone, 'is not an IANA time zone such as Asia/Seoul or UTC').default(systemTimeZone),
  escalateAfter: z.coerce.number().int().min(1).max(7 * 24 * 3600).default(900),
  smsRateLimit: z.coerce.number().int().min(1).max(100_000).default(5),
  silenceGrace: z.coerce.number().int().min(0).max(3600).default(30),
  dependencySettle: z.coerce.number().int().min(1).max(3600).default(DEFAULT_SETTLE_MS / 1000),
  baselineInterval: z.coerce.number().int().min(1).max(600).default(BASELINE_TICK_MS / 1000),
  sessionIdle: z.coerce.number().min(0.05).max(24 * 60).default(30),
  sessionMax: z.coerce.number().min(0.01).max(24 * 30).default(12),
});

export type ApplianceConfig = z.infer<typeof applianceConfigSchema>;
