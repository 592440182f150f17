// S17 delivery on the agent (agent/files/file-jobs-agent.ts): each job of the config runs once,
// also across a restart (its result kept in the state directory and sent until acknowledged); a
// job whose download link expired waits for the fresh link the appliance sends on reconnect
// instead of failing; any other refused download fails the job with the reason. No child is
// started: the jobs here end before the account's child would run.
import t from 'tap';
import type { AgentFileJob, FileJobResults } from '../../../contract/file-jobs.js';
import { silentLogger } from '../../../core/logger.js';
import { FileJobsAgent } from '../../../agent/files/file-jobs-agent.js';
import type { Download, DownloadRequest } from '../../../agent/files/content-download.js';
import { tempDir } from '../../helpers/temp-dir.js';

const NOW = 1_800_000_000;

function job(over: Partial<AgentFileJob>): AgentFileJob {
  return { id: 'j1', action: 'push', path: '/srv/a.conf', runAs: 'nobody', by: { user: 'kim', role: 'admin' }, dryRun: false, deadline: NOW + 3600, ...over };
}

function agentIn(stateDir: string, download: (r: DownloadRequest) => Promise<Download> = () => Promise.reject(new Error('no download expected'))) {
  const sent: FileJobResults[] = [];
  let acknowledge = true;
  const agent = new FileJobsAgent({
    stateDir, log: silentLogger, nowS: () => NOW, download,
    runner: { filesDir: '/nonexistent', child: { command: '/bin/false', args: [] } },
    publish: (payload, done) => {
      sent.push(JSON.parse(payload) as FileJobResults);
      done(acknowledge);
    },
  });
  return { agent, sent, setAcknowledge: (v: boolean) => { acknowledge = v; } };
}

const states = (sent: FileJobResults[]): string[] => sent.flatMap((m) => m.results.map((r) => `${r.id}:${r.state}`));

void t.test('a job runs once, also after a restart; an unacknowledged result is sent again at the next connect', async (t) => {
  const dir = tempDir(t);
  const late = job({ id: 'late', deadline: NOW - 1 });
  const first = agentIn(dir);
  first.setAcknowledge(false);
  first.agent.apply([late]);
  await first.agent.stop();
  t.same(states(first.sent), ['late:skipped'], 'past its deadline: skipped, not run');
  t.match(first.sent[0]?.results[0]?.reason, /deadline passed/);

  const again = agentIn(dir);
  again.agent.apply([late]);
  await again.agent.whenIdle();
  t.same(states(again.sent), [], 'the same config after a restart runs nothing again');
  again.agent.flush();
  t.same(states(again.sent), ['late:skipped'], 'the result the appliance never acknowledged goes at the connect');
  again.agent.flush();
  t.same(states(again.sent), ['late:skipped'], 'once acknowledged, not again');
  await again.agent.stop();
});

void t.test('an expired link waits for a fresh one; another refusal fails the job with its reason', async (t) => {
  const urls: string[] = [];
  const { agent, sent } = agentIn(tempDir(t), (r) => {
    urls.push(r.url);
    return Promise.resolve(r.url.includes('exp=1000')
      ? { ok: false, status: 403, reason: 'the appliance refused the download (HTTP 403): the link expired' }
      : { ok: false, status: 404, reason: 'the appliance refused the download (HTTP 404): the file is no longer kept' });
  });
  const file = { sha256: 'a'.repeat(64), size: 3 };
  agent.apply([job({ file: { ...file, url: 'https://a/api/v1/files/f/content?exp=1000' } })]);
  await agent.whenIdle();
  t.same(states(sent), ['j1:running'], 'started, then waiting: no outcome');
  agent.apply([job({ file: { ...file, url: 'https://a/api/v1/files/f/content?exp=1000' } })]);
  await agent.whenIdle();
  t.equal(urls.length, 1, 'the same expired link is not tried again');
  agent.apply([job({ file: { ...file, url: `https://a/api/v1/files/f/content?exp=${NOW + 600}` } })]);
  await agent.stop();
  t.equal(urls.length, 2, 'the fresh link is used');
  t.same(states(sent), ['j1:running', 'j1:running', 'j1:failed']);
  t.match(sent.at(-1)?.results[0]?.reason, /HTTP 404/);
});
