// The agent's command line (`rackwatch-agent`): every flag also an environment variable, validated
// once at start (docs/conventions.md 6) through core/cli-options.ts. zod/mini, not full zod: see
// contract/agent-config.ts for why the agent avoids the latter.
import * as z from 'zod/mini';
import { DEFAULT_QUEUE } from '../contract/agent-config-mini.js';
import { METRICS_LIMITS } from '../contract/families.js';
import { helpText, readOptions, type OptionSpec } from '../core/cli-options.js';
import { DEFAULT_SCRIPT_DIRS } from './checks/script-runner.js';
import { DEFAULT_FILES_DIR } from './files/files-policy.js';
import './zod-english.js';

export const AGENT_PROGRAM = 'rackwatch-agent';

export const AGENT_OPTION_SPECS: OptionSpec[] = [
  { flag: 'appliance', env: 'RW_APPLIANCE', help: "the appliance's URL, e.g. `https://10.0.0.2:8443` (with --pin, HTTPS trusts that key alone)", defaultText: '(required)' },
  { flag: 'mqtt', env: 'RW_MQTT', help: "the broker, when not the appliance's host and enrolled port: `mqtt://host:1883` or `mqtts://host:8883` (TLS)", defaultText: "the appliance's host" },
  { flag: 'pin', env: 'RW_PIN', help: "`sha256//…` of the appliance's public key (in the install command; the appliance logs it at start): enrollment over HTTPS and MQTT over TLS (the port the enrollment answer gave, else 8883, unless --mqtt says otherwise) trust that key and refuse any other" },
  { flag: 'standby-mqtt', env: 'RW_STANDBY_MQTT', help: "the standby appliance's broker when the appliance is one of a pair (docs/standby.md): `mqtt://host:1883` or `mqtts://host:8883`; every sample also goes there, through its own session and disk queue (`<state-dir>/standby/`), under the same identity" },
  { flag: 'standby-pin', env: 'RW_STANDBY_PIN', help: "`sha256//…` of the standby appliance's public key: MQTT to it over TLS trusts that key alone" },
  { flag: 'token', env: 'RW_TOKEN', help: 'enrollment token; needed only the first time' },
  { flag: 'state-dir', env: 'RW_STATE_DIR', help: 'keeps `identity.json` (agent id and secret, mode 0600), `config.json` (the last good configuration) and `queue/` (batches not yet acknowledged); one agent per directory' },
  { flag: 'interval', env: 'RW_INTERVAL', help: 'seconds between samples (the RRD step) until the appliance sends a configuration; routes, top processes, visitors and disk health keep 300, 15, 30 and 300 s' },
  { flag: 'keepalive', env: 'RW_KEEPALIVE', help: 'MQTT keepalive, seconds: a dead agent is shown offline within 1.5× this' },
  { flag: 'hostname', env: 'RW_HOSTNAME', help: 'the name the agent enrolls and reports under', defaultText: "the system's" },
  { flag: 'queue-max-bytes', env: 'RW_QUEUE_MAX_BYTES', help: "disk the queue may use until the appliance's configuration says otherwise" },
  { flag: 'queue-max-age', env: 'RW_QUEUE_MAX_AGE', help: 'seconds a batch may wait in the queue, likewise' },
  { flag: 'log-level', env: 'RW_LOG_LEVEL', help: 'debug, info, warn, error' },
  { flag: 'check-dirs', env: 'RW_CHECK_DIRS', help: 'directories whose programs script checks (S6) may run, separated by `:`; set on this server only, never by the appliance: a check naming a program elsewhere (symbolic links and `..` resolved first) reports UNKNOWN and runs nothing', defaultText: DEFAULT_SCRIPT_DIRS.join(':') + ' (those that exist)' },
  { flag: 'files-dir', env: 'RW_FILES_DIR', help: 'what this server lets fleet file jobs (S17) do: its `*.conf` files name roots, their operations and the accounts each rackwatch user or role may act as; set on this server only, never by the appliance; missing or empty: nothing is allowed', defaultText: DEFAULT_FILES_DIR },
];

/** A whole number from a flag or an environment variable; range messages come from zod ("Too small: …"). */
const wholeNumber = (what: string, min: number, max: number, fallback: number) => z._default(
  z.coerce.number({ error: (issue) => (issue.code === 'invalid_type' ? `must be a number of ${what}` : undefined) })
    .check(z.refine(Number.isInteger, `must be a whole number of ${what}`), z.minimum(min), z.maximum(max)),
  fallback,
);

export const agentOptionsSchema = z.strictObject({
  appliance: z.url({
    protocol: /^https?$/,
    error: (issue) => (issue.input === undefined ? 'required' : 'must be an http:// or https:// URL'),
  }),
  mqtt: z.optional(z.url({ protocol: /^mqtts?$/, error: 'must be an mqtt:// or mqtts:// URL' })),
  pin: z.optional(z.string().check(z.regex(/^sha256\/\/[A-Za-z0-9+/]{43}=$/, 'must be sha256// and the base64 SHA-256 of a public key (44 characters)'))),
  standbyMqtt: z.optional(z.url({ protocol: /^mqtts?$/, error: 'must be an mqtt:// or mqtts:// URL' })),
  standbyPin: z.optional(z.string().check(z.regex(/^sha256\/\/[A-Za-z0-9+/]{43}=$/, 'must be sha256// and the base64 SHA-256 of a public key (44 characters)'))),
  token: z.optional(z.string().check(z.minLength(1))),
  stateDir: z._default(z.string().check(z.minLength(1)), './var/agent'),
  interval: wholeNumber('seconds', METRICS_LIMITS.minIntervalS, METRICS_LIMITS.maxIntervalS, 5),
  // below 5 s the PINGs cost more than they tell; above 10 min a dead agent goes unnoticed too long
  keepalive: wholeNumber('seconds', 5, 600, 15),
  hostname: z.optional(z.string().check(z.regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/, 'must be a host name (letters, digits, . _ -)'))),
  // the same bounds as the appliance's configuration (contract/agent-config.ts)
  queueMaxBytes: wholeNumber('bytes', 1024 * 1024, 10 * 1024 ** 3, DEFAULT_QUEUE.maxBytes),
  queueMaxAge: wholeNumber('seconds', 60, METRICS_LIMITS.maxAgeS, DEFAULT_QUEUE.maxAgeS),
  logLevel: z._default(z.enum(['debug', 'info', 'warn', 'error']), 'info'),
  checkDirs: z.optional(z.string().check(z.refine(
    (s) => s.split(':').every((d) => d.startsWith('/') && d.length <= 4096),
    'must be absolute directories separated by ":"',
  ))),
  filesDir: z._default(z.string().check(z.regex(/^\//, 'must be an absolute directory')), DEFAULT_FILES_DIR),
});

export type AgentOptions = z.infer<typeof agentOptionsSchema>;

/** The directories script checks may run programs from. */
export function checkDirsOf(options: Pick<AgentOptions, 'checkDirs'>): string[] {
  return options.checkDirs === undefined ? [...DEFAULT_SCRIPT_DIRS] : options.checkDirs.split(':');
}

/** Parsed options, or null when --help was asked for. Throws UsageError on bad input. */
export function parseAgentOptions(argv: string[], env: NodeJS.ProcessEnv): AgentOptions | null {
  return readOptions(AGENT_OPTION_SPECS, agentOptionsSchema, argv, env);
}

export function agentHelpText(): string {
  return helpText(AGENT_PROGRAM, 'Samples this server\'s metrics and sends them to a rackwatch appliance over MQTT.', AGENT_OPTION_SPECS, agentOptionsSchema);
}
