// The agent's command line (`rackwatch-agent`): every flag also an environment variable, validated
// once at start (STYLE.md 6) through core/cli-options.ts.
import { z } from 'zod';
import { METRICS_LIMITS } from '../contract/metrics.js';
import { helpText, readOptions, type OptionSpec } from '../core/cli-options.js';

export const AGENT_PROGRAM = 'rackwatch-agent';

export const AGENT_OPTION_SPECS: OptionSpec[] = [
  { flag: 'appliance', env: 'RW_APPLIANCE', help: 'appliance address, e.g. http://rackwatch.local:8080 (required)' },
  { flag: 'token', env: 'RW_TOKEN', help: 'enrollment token; needed only for the first start' },
  { flag: 'state-dir', env: 'RW_STATE_DIR', help: 'directory for the agent identity', defaultText: './var/agent' },
  { flag: 'interval', env: 'RW_INTERVAL', help: 'seconds between samples', defaultText: '5' },
  { flag: 'keepalive', env: 'RW_KEEPALIVE', help: 'MQTT keepalive in seconds', defaultText: '15' },
  { flag: 'hostname', env: 'RW_HOSTNAME', help: 'the name this server enrolls and reports under', defaultText: 'the system host name' },
  { flag: 'log-level', env: 'RW_LOG_LEVEL', help: 'debug, info, warn or error', defaultText: 'info' },
];

/** Only the "not a number" message is ours; range messages come from zod ("Too small: …"). */
const seconds = (): z.ZodCoercedNumber => z.coerce.number({
  error: (issue) => (issue.code === 'invalid_type' ? 'must be a number of seconds' : undefined),
});

export const agentOptionsSchema = z.object({
  appliance: z.url({
    protocol: /^https?$/,
    error: (issue) => (issue.input === undefined ? 'required' : 'must be an http:// or https:// URL'),
  }),
  token: z.string().min(1).optional(),
  stateDir: z.string().min(1).default('./var/agent'),
  interval: seconds().int()
    .min(METRICS_LIMITS.minIntervalS).max(METRICS_LIMITS.maxIntervalS).default(5),
  // below 5 s the PINGs cost more than they tell; above 10 min a dead agent goes unnoticed too long
  keepalive: seconds().int().min(5).max(600).default(15),
  hostname: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/, 'must be a host name (letters, digits, . _ -)').optional(),
  logLevel: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
}).strict();

export type AgentOptions = z.infer<typeof agentOptionsSchema>;

/** Parsed options, or null when --help was asked for. Throws UsageError on bad input. */
export function parseAgentOptions(argv: string[], env: NodeJS.ProcessEnv): AgentOptions | null {
  return readOptions(AGENT_OPTION_SPECS, agentOptionsSchema, argv, env);
}

export function agentHelpText(): string {
  return helpText(AGENT_PROGRAM, 'Samples this server\'s metrics and sends them to a rackwatch appliance over MQTT.', AGENT_OPTION_SPECS);
}
