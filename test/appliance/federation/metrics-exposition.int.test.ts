// GET /metrics (S19): the running appliance's own metrics pass Prometheus's own linter
// (`promtool check metrics`), in the text format and as OpenMetrics when asked, and are refused
// without a token.
import t from 'tap';
import { startAppliance } from '../../helpers/appliance-harness.js';
import { connectAgent, enroll, publishMetrics, sampleBatch } from '../../helpers/mqtt-agent.js';
import { runCommand } from '../../helpers/run-command.js';
import { nowS } from '../../helpers/stored-samples.js';

void t.test('GET /metrics: Prometheus text that promtool accepts, OpenMetrics on request, 401 without a token', async (t) => {
  const app = await startAppliance(t);
  const id = await enroll(app, 'metrics-host');
  const client = await connectAgent(t, app, id);
  await publishMetrics(client, id.agentId, sampleBatch(nowS()));

  const anonymous = await app.fetchAnonymous('/metrics');
  t.equal(anonymous.status, 401, 'no token: 401');
  const wrong = await app.fetchAnonymous('/metrics', { headers: { authorization: 'Bearer not-a-token' } });
  t.equal(wrong.status, 401, 'a wrong token: 401');

  const res = await app.fetch('/metrics');
  t.equal(res.status, 200);
  t.match(res.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  const lint = await runCommand('promtool', ['check', 'metrics'], { input: text });
  t.equal(lint.code, 0, `promtool check metrics passes: ${lint.out}`);
  t.equal(lint.out.trim(), '', 'and finds nothing to lint');
  // what an operator graphs: the stored publish, the agent online, the process
  t.match(text, /^rackwatch_ingest_messages_total [1-9]\d*$/m, 'the publish is counted');
  t.match(text, /^rackwatch_agents\{status="online"\} 1$/m, 'the agent is online');
  t.match(text, /^rackwatch_alerts\{severity="critical",state="firing"\} 0$/m, 'alerts by severity and state');
  t.match(text, /^rackwatch_sms_outbox\{state="queued"\} 0$/m, 'the SMS outbox by state');
  t.match(text, /^rackwatch_modem_state\{state="disabled"\} 1$/m, 'the modem state');
  t.match(text, /^rackwatch_rrdcached_up 1$/m, 'rrdcached answers');
  t.match(text, /^rackwatch_sqlite_up 1$/m);
  t.match(text, /^rackwatch_sqlite_size_bytes [1-9]\d*$/m);
  t.match(text, /^rackwatch_sse_clients 0$/m);
  t.match(text, /^process_resident_memory_bytes [1-9]/m, 'process RSS');
  t.match(text, /^process_cpu_seconds_total /m, 'process CPU');
  t.match(text, /^nodejs_eventloop_lag_seconds /m, 'event-loop lag');

  const om = await app.fetch('/metrics', { headers: { accept: 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5' } });
  t.match(om.headers.get('content-type'), /^application\/openmetrics-text; version=1\.0\.0/);
  const omText = await om.text();
  t.match(omText, /# EOF\n?$/, 'OpenMetrics ends with # EOF');
  // promtool 2.42 lints the text format only; the remote-write test has a real Prometheus scrape
  // this endpoint, which asks for OpenMetrics first
  t.match(omText, /^# TYPE rackwatch_ingest_messages counter$/m, 'an OpenMetrics counter family has no _total');
  t.match(omText, /^rackwatch_ingest_messages_total [1-9]/m, 'its sample keeps _total');
});
