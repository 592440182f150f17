// Web access logs in the built agent (dist/agent.js, as installed; S11, B6) against a real Aedes
// broker standing in for the appliance: sources arrive in the retained configuration, and what
// the appliance would receive on `rw/v1/<agentId>/weblog` is checked: every line written once in
// the totals, through copytruncate, rename-and-create, an agent restart and a broker outage; a
// log that appears later; malformed and over-long lines counted; a log the agent's user may not
// read (the agent run as nobody) named as the source's problem, EACCES; sources added, removed
// and changed by a new configuration.
import { appendFileSync, chmodSync, copyFileSync, existsSync, readFileSync, renameSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import { DEFAULT_QUEUE, type AgentConfig } from '../../contract/agent-config-mini.js';
import { agentTopic } from '../../contract/topics.js';
import type { AgentWeblogSource } from '../../contract/weblog-sources.js';
import { WEBLOG_MESSAGE_BYTES, type WeblogInterval, type WeblogMessage } from '../../contract/weblog.js';
import { AGENT_BIN, NOBODY, startBuiltAgent, until as untilWithin, type AgentUser, type RunningAgent } from '../helpers/built-agent.js';
import { startLoopbackBroker } from '../helpers/loopback-broker.js';
import { tempDir } from '../helpers/temp-dir.js';

const AGENT_ID = 'agent-weblog-1';
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
/** intervals are 5 s at the shortest: waits are longer than for samples */
const until = <T>(what: string, probe: () => T | undefined | null | false, timeoutMs = 40_000): Promise<T> => untilWithin(what, probe, timeoutMs);

/** a Combined line; its URL says which line it is */
const line = (n: number, status = 200): string => `203.0.113.${n % 250} - - [05/Dec/2026:10:00:00 +0900] "GET /page/${n % 9} HTTP/1.1" ${status} ${100 + n} "-" "curl/8.5.0"\n`;
const lines = (from: number, count: number): string => Array.from({ length: count }, (_, i) => line(from + i)).join('');

interface Received { bytes: number; message: WeblogMessage }

interface Broker {
  port: number;
  received: Received[];
  publishConfig: (config: AgentConfig) => Promise<void>;
  close: () => Promise<void>;
}

async function startBroker(t: Test, port = 0, config?: AgentConfig, received: Received[] = []): Promise<Broker> {
  const { broker, port: listening, publishConfig, close } = await startLoopbackBroker(t, AGENT_ID, port);
  broker.on('publish', (packet, client) => {
    if (!client || packet.topic !== agentTopic(AGENT_ID, 'weblog')) return;
    received.push({ bytes: packet.payload.length, message: JSON.parse(packet.payload.toString()) as WeblogMessage });
  });
  if (config) await publishConfig(config);
  return { port: listening, received, publishConfig, close };
}

function startAgent(t: Test, stateDir: string, mqttPort: number, user?: AgentUser): RunningAgent {
  return startBuiltAgent(t, { agentId: AGENT_ID, stateDir, mqttPort, args: ['--interval', '5'], ...(user ? { user } : {}) });
}

function configWith(weblogs: AgentWeblogSource[], revision = 1): AgentConfig {
  // one collector, rarely: these tests are about web logs
  return { v: 1, revision, queue: { ...DEFAULT_QUEUE }, collectors: { load: { enabled: true, intervalS: 60 } }, weblogs };
}

const intervalsOf = (received: Received[], source: string): WeblogInterval[] => received.flatMap((r) => r.message.intervals.filter((i) => i.source === source));

function totals(received: Received[], source: string): { requests: number; malformed: number; cut: number; bytes: number; intervals: number } {
  const all = intervalsOf(received, source);
  const sum = (f: (i: WeblogInterval) => number): number => all.reduce((a, i) => a + f(i), 0);
  return { requests: sum((i) => i.requests), malformed: sum((i) => i.malformed), cut: sum((i) => i.cut), bytes: sum((i) => i.bytes), intervals: all.length };
}

/** Every message as the contract says: v 1, bounded, and each source's interval sent once. */
function checkMessages(t: Test, received: Received[]): void {
  t.ok(received.every((r) => r.message.v === 1 && Array.isArray(r.message.intervals) && r.message.intervals.length > 0), 'every message is {v: 1, intervals: [...]}');
  t.ok(received.every((r) => r.bytes <= WEBLOG_MESSAGE_BYTES), 'every message within the bound');
  const keys = received.flatMap((r) => r.message.intervals.map((i) => `${i.source}@${i.t}`));
  t.equal(new Set(keys).size, keys.length, 'no interval of a source sent twice');
}

// The two cases share nothing (each its own broker, agent and directories) and mostly wait for
// the 5 s intervals: side by side the file takes the longer case's time, not the sum.
t.jobs = 2;

t.before(() => {
  if (!existsSync(AGENT_BIN)) throw new Error(`${AGENT_BIN} is missing: run \`node scripts/build.mjs\` (npm test does)`);
});

void t.test('every line once: a log that appears later, copytruncate, an agent restart across rename-and-create, a broker outage', async (t) => {
  const dir = tempDir(t);
  const log = path.join(dir, 'access.log');
  const source: AgentWeblogSource = { id: 'site', path: log, format: 'combined', intervalS: 5 };
  const broker = await startBroker(t, 0, configWith([source]));
  const stateDir = path.join(dir, 'state');
  let agent = startAgent(t, stateDir, broker.port);

  const first = await until('a first interval', () => intervalsOf(broker.received, 'site')[0]);
  t.match(first, { source: 'site', i: 5, requests: 0, problem: /access\.log does not exist/ }, 'a log not there yet is the source\'s problem, not a failure');
  t.equal(first.t % 5, 0, 'intervals start on multiples of their length');

  // the log appears: read from its start, with malformed and over-long lines
  let written = 0;
  writeFileSync(log, lines(0, 200) + 'not a log line\n' + `203.0.113.9 - - [05/Dec/2026:10:00:00 +0900] "GET /${'x'.repeat(70 * 1024)} HTTP/1.1" 200 1 "-" "curl"\n`);
  written += 200;
  await until('the log that appeared, counted', () => totals(broker.received, 'site').requests === written);
  t.match(intervalsOf(broker.received, 'site').at(-1), { problem: null }, 'the problem is gone once the file is there');
  t.match(totals(broker.received, 'site'), { malformed: 2, cut: 1 }, 'the line that does not match and the 70 KiB one (cut at 64 KiB, then no longer matching) are counted');
  t.ok(intervalsOf(broker.received, 'site').some((i) => i.samples.includes('not a log line')), 'a malformed line is sampled');

  // copytruncate: copied away, emptied in place, written on (lines written between a poll and the
  // truncation are lost to any reader: logrotate's own caveat, so the test lets a poll read them)
  appendFileSync(log, lines(1000, 150));
  written += 150;
  await until('the lines before copytruncate', () => totals(broker.received, 'site').requests === written);
  copyFileSync(log, `${log}.1`);
  truncateSync(log, 0);
  appendFileSync(log, lines(2000, 120));
  written += 120;
  await until('the lines around copytruncate', () => totals(broker.received, 'site').requests >= written);

  // lines read but whose interval has not ended when the agent stops, then lines while it is
  // stopped, then rename-and-create, then lines in the new file
  appendFileSync(log, lines(3000, 70));
  written += 70;
  await sleep(1500); // read by a poll, not yet sent
  agent.child.kill('SIGTERM');
  t.equal(await agent.exited, 0);
  appendFileSync(log, lines(4000, 90));
  written += 90;
  renameSync(log, `${log}.1`);
  writeFileSync(log, lines(5000, 110));
  written += 110;
  agent = startAgent(t, stateDir, broker.port);
  await until('the lines from before, during and after the restart', () => totals(broker.received, 'site').requests >= written);

  // the broker goes away: the intervals wait in the agent's queue, in order, and none is lost
  const port = broker.port;
  await broker.close();
  appendFileSync(log, lines(6000, 130));
  written += 130;
  await sleep(11_000); // two intervals end while the appliance is away
  const back = await startBroker(t, port, undefined, broker.received);
  appendFileSync(log, lines(7000, 40));
  written += 40;
  await until('the intervals queued during the outage', () => totals(back.received, 'site').requests >= written, 60_000);
  await sleep(6000); // one more interval: nothing comes twice

  t.equal(totals(broker.received, 'site').requests, written, `every one of the ${written} lines counted once`);
  t.match(totals(broker.received, 'site'), { malformed: 2, cut: 1 });
  checkMessages(t, broker.received);
  const starts = intervalsOf(broker.received, 'site').map((i) => i.t);
  t.same(starts, [...starts].sort((a, b) => a - b), 'intervals arrive in order, the queued ones first');
  t.ok((JSON.parse(readFileSync(path.join(stateDir, 'weblog-positions.json'), 'utf8')) as Record<string, unknown>).site, 'the position is kept in the state directory');
});

void t.test('a log the agent\'s user may not read is the source\'s problem; a new configuration adds, removes and changes sources', async (t) => {
  // the agent runs as nobody, as the installed agent runs as its own user: root's 0640 log (a web
  // server's usual root:adm) is refused by the kernel, EACCES, and said so
  const dir = tempDir(t);
  chmodSync(dir, 0o755);
  const a = path.join(dir, 'a.log');
  const b = path.join(dir, 'b.log');
  const unreadable = path.join(dir, 'secret-access.log');
  writeFileSync(unreadable, lines(0, 3), { mode: 0o640 });
  writeFileSync(a, lines(0, 5));
  const broker = await startBroker(t, 0, configWith([
    { id: 'a', path: a, format: 'combined', intervalS: 5 },
    { id: 'bad', path: unreadable, format: 'common', intervalS: 5 },
  ]));
  startAgent(t, path.join(dir, 'state'), broker.port, NOBODY);

  const bad = await until('the unreadable source\'s interval', () => intervalsOf(broker.received, 'bad')[0]);
  t.match(bad, { requests: 0, problem: /^cannot read .*secret-access\.log: EACCES \(the agent's user may not read it\)$/ }, 'the reason is sent with the source\'s interval');
  await until('source a\'s first interval', () => intervalsOf(broker.received, 'a').length > 0);
  t.equal(totals(broker.received, 'a').requests, 0, 'a file already there is read from its end');
  appendFileSync(a, lines(100, 30));
  await until('source a counting', () => totals(broker.received, 'a').requests === 30);
  const together = broker.received.find((r) => r.message.intervals.some((i) => i.source === 'a') && r.message.intervals.some((i) => i.source === 'bad'));
  t.ok(together, 'sources whose intervals end together travel in one message');

  // revision 2: 'bad' removed, 'b' added (read from its start), 'a' changed (restarted: it keeps query strings now)
  writeFileSync(b, lines(0, 12));
  await broker.publishConfig(configWith([
    { id: 'a', path: a, format: 'combined', intervalS: 5, keepQuery: true },
    { id: 'b', path: b, format: 'combined', intervalS: 5, fromStart: true },
  ], 2));
  await until('source b counted', () => totals(broker.received, 'b').requests === 12);
  const mark = broker.received.length;
  appendFileSync(a, lines(200, 8));
  await until('source a\'s lines after the change', () => intervalsOf(broker.received.slice(mark), 'a').some((i) => i.requests > 0));
  await sleep(6000);
  const later = broker.received.slice(mark);
  t.equal(intervalsOf(later, 'bad').length, 0, 'a removed source sends nothing');
  t.equal(totals(later, 'a').requests, 8, 'a changed source goes on from where it was');
  t.equal(totals(broker.received, 'a').requests, 38);
  t.equal(totals(broker.received, 'b').requests, 12, 'an added source counted once');
  checkMessages(t, broker.received);
});
