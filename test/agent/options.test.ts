// The agent's command line: flags, environment variables, defaults and "--flag: message" errors.
import t from 'tap';
import { UsageError } from '../../core/cli-options.js';
import { agentHelpText, parseAgentOptions } from '../../agent/options.js';

function problems(argv: string[], env: NodeJS.ProcessEnv = {}): string[] {
  try {
    parseAgentOptions(argv, env);
  } catch (error) {
    if (error instanceof UsageError) return error.problems;
    throw error;
  }
  return [];
}

void t.test('defaults apply and every flag can come from its environment variable', (t) => {
  t.same(parseAgentOptions(['--appliance', 'http://rw.local:8080'], {}), {
    appliance: 'http://rw.local:8080', stateDir: './var/agent', interval: 5, keepalive: 15, logLevel: 'info',
    queueMaxBytes: 256 * 1024 * 1024, queueMaxAge: 3 * 24 * 3600, filesDir: '/etc/rackwatch/files.d',
  });
  t.same(parseAgentOptions([], {
    RW_APPLIANCE: 'https://rw.example', RW_TOKEN: 'tok', RW_STATE_DIR: '/var/lib/rw', RW_INTERVAL: '10',
    RW_KEEPALIVE: '30', RW_LOG_LEVEL: 'debug', RW_QUEUE_MAX_BYTES: '1048576', RW_QUEUE_MAX_AGE: '600', RW_FILES_DIR: '/srv/rw/files.d',
  }), {
    appliance: 'https://rw.example', token: 'tok', stateDir: '/var/lib/rw', interval: 10, keepalive: 30, logLevel: 'debug',
    queueMaxBytes: 1048576, queueMaxAge: 600, filesDir: '/srv/rw/files.d',
  });
  t.equal(parseAgentOptions(['--interval', '60'], { RW_APPLIANCE: 'http://a', RW_INTERVAL: '10' })?.interval, 60, 'a flag wins over the environment');
  t.end();
});

void t.test('bad values are reported as "--flag: message"', (t) => {
  t.same(problems([]), ['--appliance: required']);
  t.same(problems(['--appliance', 'ftp://x']), ['--appliance: must be an http:// or https:// URL']);
  t.match(problems(['--appliance', 'http://a', '--interval', 'soon']), ['--interval: must be a number of seconds']);
  t.match(problems(['--appliance', 'http://a', '--interval', '0']), [/^--interval: Too small.*>=1/]);
  t.match(problems(['--appliance', 'http://a', '--interval', '2.5']), [/^--interval: /]);
  t.match(problems(['--appliance', 'http://a', '--keepalive', '1']), [/^--keepalive: Too small.*>=5/]);
  t.match(problems(['--appliance', 'http://a', '--log-level', 'loud']), [/^--log-level: /]);
  t.match(problems(['--bogus']), [/bogus/]);
  t.match(problems(['--appliance', 'http://a', '--queue-max-bytes', '1000']), [/^--queue-max-bytes: Too small.*>=1048576/]);
  t.match(problems(['--appliance', 'http://a', '--queue-max-age', 'forever']), ['--queue-max-age: must be a number of seconds']);
  t.end();
});

void t.test('--help lists every flag with its environment variable', (t) => {
  t.equal(parseAgentOptions(['--help'], {}), null);
  const help = agentHelpText();
  const flags: [string, string][] = [['appliance', 'RW_APPLIANCE'], ['token', 'RW_TOKEN'], ['state-dir', 'RW_STATE_DIR'],
    ['interval', 'RW_INTERVAL'], ['keepalive', 'RW_KEEPALIVE'], ['log-level', 'RW_LOG_LEVEL'],
    ['queue-max-bytes', 'RW_QUEUE_MAX_BYTES'], ['queue-max-age', 'RW_QUEUE_MAX_AGE']];
  for (const [flag, env] of flags) {
    t.match(help, new RegExp(`--${flag} .*\\[${env}\\]`), flag);
  }
  t.end();
});
