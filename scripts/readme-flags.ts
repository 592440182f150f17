// The README's two flag tables, made from the option specs and schemas (docs/conventions.md 6:
// each default is written once, in the schema). `npm run readme` rewrites them between their
// marker comments; test/scripts/readme-flags.test.ts fails when the README differs.
import { agentOptionsSchema, AGENT_OPTION_SPECS } from '../agent/options.js';
import { APPLIANCE_OPTIONS, applianceConfigSchema } from '../appliance/config.js';
import { optionsTable } from '../core/cli-options.js';

const TABLES = {
  rackwatch: () => optionsTable(APPLIANCE_OPTIONS, applianceConfigSchema),
  'rackwatch-agent': () => optionsTable(AGENT_OPTION_SPECS, agentOptionsSchema),
} as const;

/** The README with each `<!-- flags:NAME -->…<!-- /flags:NAME -->` block made anew. */
export function withFlagTables(readme: string): string {
  let out = readme;
  for (const [name, table] of Object.entries(TABLES)) {
    const open = `<!-- flags:${name} -->`;
    const close = `<!-- /flags:${name} -->`;
    const start = out.indexOf(open);
    const end = out.indexOf(close);
    if (start < 0 || end < start) throw new Error(`README.md has no ${open} … ${close} block`);
    out = `${out.slice(0, start + open.length)}\n${table()}\n${out.slice(end)}`;
  }
  return out;
}
