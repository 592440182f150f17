// The agent's configuration (S2): what it runs on before the appliance sends one, the check of a
// received one ("path: message" for every problem), the last good one kept on disk; and the
// agent's zod/mini schema agreeing with the appliance's full-zod one on every payload.
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { agentConfigSchema } from '../../contract/agent-config.js';
import { agentConfigMiniSchema, DEFAULT_COLLECTOR_SETTINGS, DEFAULT_QUEUE, type AgentConfig } from '../../contract/agent-config-mini.js';
import { COLLECTOR_NAMES } from '../../contract/families.js';
import { silentLogger, type Logger } from '../../core/logger.js';
import {
  checkAgentConfig, CONFIG_FILE, ConfigStore, defaultSettings, queueBoundsOf, sameConfig, settingsOf, weblogQueueBoundsOf,
} from '../../agent/config-store.js';
import { tempDir } from '../helpers/temp-dir.js';

const good: AgentConfig = {
  v: 1, revision: 7,
  collectors: { ...DEFAULT_COLLECTOR_SETTINGS, cpu: { enabled: true, intervalS: 1 }, routes: { enabled: false, intervalS: 300 } },
  queue: { maxBytes: 64 * 1024 * 1024, maxAgeS: 24 * 3600 },
};

void t.test('before any configuration: every collector on at --interval, the snapshots at their defaults', (t) => {
  const settings = defaultSettings(10);
  t.same(settings.cpu, { enabled: true, intervalS: 10 });
  t.same(settings.tcp, { enabled: true, intervalS: 10 });
  t.same([settings.routes, settings.top, settings.visitors], [
    { enabled: true, intervalS: 300 }, { enabled: true, intervalS: 15 }, { enabled: true, intervalS: 30 },
  ]);
  t.same(Object.keys(settings).sort(), [...COLLECTOR_NAMES].sort());
  t.end();
});

void t.test('a received configuration: its settings, a collector it leaves out keeps the default', (t) => {
  const partial: AgentConfig = { ...good, collectors: { cpu: { enabled: false, intervalS: 2 } } };
  const settings = settingsOf(partial, 5);
  t.same(settings.cpu, { enabled: false, intervalS: 2 });
  t.same(settings.load, { enabled: true, intervalS: 5 });
  t.same(queueBoundsOf(good), { maxBytes: 64 * 1024 * 1024, maxAgeS: 24 * 3600 });
  t.ok(sameConfig(good, { ...good, revision: 8 }), 'a new revision of the same settings is the same');
  t.notOk(sameConfig(good, { ...good, queue: { ...good.queue, maxAgeS: 60 } }));
  t.end();
});

void t.test('a bad configuration is refused with every problem as "path: message"', (t) => {
  const check = (value: unknown): string[] => {
    const result = checkAgentConfig(Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)));
    return result.ok ? [] : result.problems;
  };
  t.same(check(good), [], 'a good one passes');
  t.same(check({ ...good, collectors: { cpu: { enabled: true, intervalS: 0 } } }),
    ['collectors.cpu.intervalS: interval must be at least 1 s']);
  t.same(check({ ...good, collectors: { load: { enabled: true, intervalS: -5 } } }),
    ['collectors.load.intervalS: interval must be at least 1 s']);
  t.same(check({ ...good, collectors: { gpu: { enabled: true, intervalS: 5 } } }),
    [`collectors.gpu: unknown collector (known: ${COLLECTOR_NAMES.join(', ')})`]);
  t.same(check({ ...good, collectors: { cpu: { enabled: 'yes', intervalS: '5' } } }), [
    'collectors.cpu.enabled: Invalid input: expected boolean, received string',
    'collectors.cpu.intervalS: Invalid input: expected number, received string',
  ], 'wrong types, each named');
  t.same(check({ ...good, queue: { maxBytes: 10, maxAgeS: 60 }, extra: 1 }), [
    'queue.maxBytes: Too small: expected number to be >=1048576',
    'extra: unknown setting',
  ]);
  t.same(check('{"v":1,'), ['(payload): not JSON']);
  t.end();
});

void t.test('web logs (S11): a format this agent cannot compile refuses the configuration, naming the source', (t) => {
  const weblog = { id: 'site', path: '/var/log/nginx/access.log', format: 'combined', intervalS: 10 };
  t.ok(checkAgentConfig(JSON.stringify({ ...good, weblogs: [weblog] })).ok, 'a preset passes');
  const result = checkAgentConfig(JSON.stringify({ ...good, weblogs: [weblog, { ...weblog, id: 'api', path: '/var/log/api.log', format: '%h %{User-Agent' }] }));
  t.match(result, { ok: false, problems: [/^weblogs\.1\.format: .*no closing \}/] });
  t.end();
});

void t.test('the web-log queue takes a quarter of the metrics queue\'s bytes, between 1 and 64 MiB, and its age bound', (t) => {
  t.same(weblogQueueBoundsOf({ maxBytes: 256 * 1024 ** 2, maxAgeS: 3600 }), { maxBytes: 64 * 1024 ** 2, maxAgeS: 3600 });
  t.same(weblogQueueBoundsOf({ maxBytes: 10 * 1024 ** 3, maxAgeS: 60 }), { maxBytes: 64 * 1024 ** 2, maxAgeS: 60 });
  t.same(weblogQueueBoundsOf({ maxBytes: 1024 ** 2, maxAgeS: 60 }), { maxBytes: 1024 ** 2, maxAgeS: 60 });
  t.same(weblogQueueBoundsOf({ maxBytes: 16 * 1024 ** 2, maxAgeS: 60 }).maxBytes, 4 * 1024 ** 2);
  t.end();
});

void t.test('the agent\'s zod/mini schema and the appliance\'s full-zod one accept and refuse the same payloads', (t) => {
  const payloads: unknown[] = [
    good,
    { ...good, revision: 0 },
    { ...good, collectors: {} },
    { ...good, collectors: { cpu: { enabled: true, intervalS: 3600 } } },
    { ...good, collectors: { cpu: { enabled: true, intervalS: 3601 } } },
    { ...good, collectors: { cpu: { enabled: true, intervalS: 2.5 } } },
    { ...good, collectors: { cpu: { enabled: true } } },
    { ...good, collectors: { nope: { enabled: true, intervalS: 5 } } },
    { ...good, queue: { maxBytes: 10 * 1024 ** 3 + 1, maxAgeS: 60 } },
    { ...good, queue: { maxBytes: DEFAULT_QUEUE.maxBytes, maxAgeS: 59 } },
    { ...good, queue: { maxBytes: DEFAULT_QUEUE.maxBytes, maxAgeS: 7 * 24 * 3600 + 1 } },
    { ...good, v: 2 }, { ...good, revision: -1 }, { ...good, more: true }, null, [], 'config',
    // S13, B4: the pair tag of a paired appliance's configs
    { ...good, pair: { role: 'primary', term: 3 } }, { ...good, pair: { role: 'leader', term: 3 } }, { ...good, pair: { role: 'standby', term: -1 } },
    { ...good, pair: { role: 'standby' } },
  ];
  for (const payload of payloads) {
    const mini = agentConfigMiniSchema.safeParse(payload);
    const full = agentConfigSchema.safeParse(payload);
    t.equal(mini.success, full.success, JSON.stringify(payload).slice(0, 80));
    t.same(mini.error?.issues.map((i) => [i.path, i.code]), full.error?.issues.map((i) => [i.path, i.code]));
  }
  t.ok(agentConfigMiniSchema.safeParse({ ...good, pair: { role: 'primary', term: 3 } }).success, 'a pair tag is accepted');
  t.end();
});

void t.test('the last good configuration is kept on disk, privately, and read back', (t) => {
  const dir = tempDir(t);
  const store = new ConfigStore(dir, silentLogger);
  t.equal(store.load(), null, 'none yet');
  store.save(good);
  t.same(store.load(), good);
  t.equal(statSync(path.join(dir, CONFIG_FILE)).mode & 0o777, 0o600);
  t.same(JSON.parse(readFileSync(path.join(dir, CONFIG_FILE), 'utf8')), good);
  t.end();
});

void t.test('a damaged stored configuration is reported and the defaults are used', (t) => {
  const dir = tempDir(t);
  const warnings: string[] = [];
  const log: Logger = { ...silentLogger, warn: (msg) => { warnings.push(msg); }, child: () => log };
  writeFileSync(path.join(dir, CONFIG_FILE), JSON.stringify({ ...good, collectors: { cpu: { enabled: true, intervalS: 0 } } }));
  t.equal(new ConfigStore(dir, log).load(), null);
  t.match(warnings, [/stored configuration is not valid; using the defaults: collectors\.cpu\.intervalS: interval must be at least 1 s/]);
  t.end();
});
