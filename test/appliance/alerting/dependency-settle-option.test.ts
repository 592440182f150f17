// B10: the settle time is the appliance's `--dependency-settle` (or RW_DEPENDENCY_SETTLE), whole
// seconds 1–3,600, 60 by default; anything else stops the start with "--dependency-settle: …".
import t from 'tap';
import { readOptions, UsageError } from '../../../core/cli-options.js';
import { APPLIANCE_OPTIONS, applianceConfigSchema } from '../../../appliance/config.js';

const read = (argv: string[], env: NodeJS.ProcessEnv = {}): number | undefined => readOptions(APPLIANCE_OPTIONS, applianceConfigSchema, argv, env)?.dependencySettle;

function problems(argv: string[]): string[] {
  try {
    read(argv);
  } catch (error) {
    if (error instanceof UsageError) return error.problems;
    throw error;
  }
  return [];
}

void t.test('the settle time: 60 s by default, from the flag or the environment', (t) => {
  t.equal(read([]), 60);
  t.equal(read(['--dependency-settle', '5']), 5);
  t.equal(read([], { RW_DEPENDENCY_SETTLE: '3600' }), 3600);
  t.equal(read(['--dependency-settle', '10'], { RW_DEPENDENCY_SETTLE: '20' }), 10, 'a flag wins over the environment');
  t.end();
});

void t.test('outside 1–3,600 whole seconds: refused, the flag named', (t) => {
  t.match(problems(['--dependency-settle', '0']), [/^--dependency-settle: Too small.*>=1/]);
  t.match(problems(['--dependency-settle', '3601']), [/^--dependency-settle: Too big.*<=3600/]);
  t.match(problems(['--dependency-settle', '1.5']), [/^--dependency-settle: /]);
  t.match(problems(['--dependency-settle', 'soon']), [/^--dependency-settle: /]);
  t.end();
});
