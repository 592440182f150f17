// docs/conventions.md 6: an option's default is written once, in its schema; the README's flag
// tables and --help are made from it. This fails when the README's tables differ from what the
// specs say (fix: `npm run readme`).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { agentHelpText } from '../../agent/options.js';
import { withFlagTables } from '../../scripts/readme-flags.js';
import { repoRoot } from '../helpers/paths.js';

void t.test("the README's flag tables are the ones the option specs make", (t) => {
  const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
  t.equal(readme, withFlagTables(readme), 'README.md is up to date (run `npm run readme` after changing an option)');
  t.end();
});

void t.test('a default shows in --help and the table from the schema alone', (t) => {
  const readme = withFlagTables('<!-- flags:rackwatch --><!-- /flags:rackwatch --><!-- flags:rackwatch-agent --><!-- /flags:rackwatch-agent -->');
  t.match(readme, /\| `--mqtt-port` \| `RW_MQTT_PORT` \| `1883` \|/);
  t.match(readme, /\| `--queue-max-bytes` \| `RW_QUEUE_MAX_BYTES` \| `268435456` \|/);
  t.match(readme, /\| `--timezone` \| `RW_TIMEZONE` \| the system's \|/);
  t.match(agentHelpText(), /--keepalive\s+MQTT keepalive, seconds: .* \(default: 15\) {2}\[RW_KEEPALIVE\]/);
  t.throws(() => withFlagTables('no markers'), /no <!-- flags:rackwatch -->/);
  t.end();
});
