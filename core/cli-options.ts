// Command-line options shared by both executables: every flag also reads an environment variable,
// `--help` lists both, and a bad value is reported as "path: message" with a non-zero exit
// (docs/conventions.md 6).
import { parseArgs } from 'node:util';
// zod's core, so that full-zod schemas (the appliance) and zod/mini ones (the agent, which keeps
// full zod out of its bundle to save memory) are both accepted.
import { safeParse, type $ZodType, type output } from 'zod/v4/core';

export interface OptionSpec {
  /** long flag name without dashes, e.g. 'data-dir' */
  flag: string;
  /** environment variable read when the flag is absent */
  env: string;
  /** one line for --help and the README's flag table */
  help: string;
  /**
   * What --help and the README say the default is, only where the schema cannot say it: a
   * default computed at start (the system's time zone) or none at all (a token generated once).
   * Every other default is read from the schema, where it is written once.
   */
  defaultText?: string;
  boolean?: boolean;
}

export class UsageError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'UsageError';
  }
}

/** The default of an option: the schema's literal default, or the spec's words for it. */
export function defaultOf(spec: OptionSpec, schema: $ZodType): { text: string; literal: boolean } | null {
  if (spec.defaultText !== undefined) return { text: spec.defaultText, literal: false };
  const shape = (schema._zod.def as { shape?: Record<string, $ZodType> }).shape;
  const field = shape?.[camel(spec.flag)];
  const def = field?._zod.def as { type?: string; defaultValue?: unknown } | undefined;
  if (def?.type !== 'default') return null;
  return { text: String(def.defaultValue), literal: true };
}

export function helpText(program: string, summary: string, specs: OptionSpec[], schema: $ZodType): string {
  const lines = [`Usage: ${program} [options]`, '', summary, '', 'Options (each also read from the environment variable shown):'];
  const width = Math.max(...specs.map((s) => s.flag.length)) + 4;
  for (const s of specs) {
    const d = defaultOf(s, schema);
    lines.push(`  --${s.flag.padEnd(width)}${s.help}${d ? ` (default: ${d.text})` : ''}  [${s.env}]`);
  }
  lines.push(`  --${'help'.padEnd(width)}show this text`);
  return lines.join('\n');
}

/** The README's table of the same options (scripts/readme-flags.ts writes it; a test compares). */
export function optionsTable(specs: OptionSpec[], schema: $ZodType): string {
  const cell = (text: string): string => text.replaceAll('|', '\\|');
  const rows = specs.map((s) => {
    const d = defaultOf(s, schema);
    const dflt = d ? (d.literal ? `\`${d.text}\`` : cell(d.text)) : '';
    return `| \`--${s.flag}\` | \`${s.env}\` | ${dflt} | ${cell(s.help)} |`;
  });
  return ['| flag | env | default | meaning |', '|---|---|---|---|', ...rows].join('\n');
}

/**
 * Reads flags, then the environment, into a raw object keyed by camel-cased flag name, and
 * validates it with `schema`. Returns null when --help was asked for (the caller prints help).
 */
export function readOptions<S extends $ZodType>(
  specs: OptionSpec[],
  schema: S,
  argv: string[],
  env: NodeJS.ProcessEnv,
): output<S> | null {
  const options: Record<string, { type: 'string' | 'boolean' }> = { help: { type: 'boolean' } };
  for (const s of specs) options[s.flag] = { type: s.boolean ? 'boolean' : 'string' };
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
  } catch (e) {
    throw new UsageError([(e as Error).message]);
  }
  if (values.help) return null;
  const raw: Record<string, unknown> = {};
  for (const s of specs) {
    const fromFlag = values[s.flag];
    const fromEnv = env[s.env];
    const value = fromFlag ?? (fromEnv === undefined || fromEnv === '' ? undefined : s.boolean ? ['1', 'true', 'yes'].includes(fromEnv) : fromEnv);
    if (value !== undefined) raw[camel(s.flag)] = value;
  }
  const parsed = safeParse(schema, raw);
  if (!parsed.success) {
    throw new UsageError(parsed.error.issues.map((i) => {
      const key = String(i.path[0] ?? '');
      const spec = specs.find((s) => camel(s.flag) === key);
      return `${spec ? `--${spec.flag}` : key || '(options)'}: ${i.message}`;
    }));
  }
  return parsed.data;
}

function camel(flag: string): string {
  return flag.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
}
